package org.oversky.gateway.dht;

import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.http.HttpHeader;
import org.oversky.cache.BodyWriter;
import org.oversky.cache.ContentKey;
import org.oversky.cache.ContentMismatchException;
import org.oversky.cache.ContentStore;
import org.oversky.gateway.key.KeyHandler;
import org.oversky.gateway.metrics.Failures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies a body by its key from another node's {@code /key/<sha>} into this node's store. The
 * bytes go to a temporary file and are kept only when their SHA-256 is the key, so nothing a peer
 * sends is served before it is checked.
 */
public final class PeerFetcher {
  private static final Logger LOG = LoggerFactory.getLogger(PeerFetcher.class);
  private final Failures failures;

  private final HttpClient client;
  private final ContentStore store;
  private final long maxBody;
  private final Duration headTimeout;
  private final AtomicLong mismatches = new AtomicLong();
  private final AtomicLong bytesCopied = new AtomicLong();

  PeerFetcher(HttpClient client, ContentStore store, long maxBody, Duration headTimeout, Failures failures) {
    this.failures = failures;
    this.client = client;
    this.store = store;
    this.maxBody = maxBody;
    this.headTimeout = headTimeout;
  }

  /** Copies {@code key} from the node at {@code base}; empty when stored, else what went wrong. */
  public Optional<String> copy(URI base, ContentKey key) {
    InputStreamResponseListener listener = new InputStreamResponseListener();
    org.eclipse.jetty.client.Request get =
        client.newRequest(base + KeyHandler.PREFIX + key.hex()).followRedirects(false).idleTimeout(30, TimeUnit.SECONDS);
    get.send(listener);
    try {
      org.eclipse.jetty.client.Response r = listener.get(headTimeout.toMillis(), TimeUnit.MILLISECONDS);
      try (InputStream in = listener.getInputStream()) {
        if (r.getStatus() != 200) {
          return Optional.of("HTTP " + r.getStatus());
        }
        long length = r.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
        if (length > maxBody) {
          return Optional.of("the body has " + length + " bytes, more than fetch.max-body");
        }
        String type = Optional.ofNullable(r.getHeaders().get(HttpHeader.CONTENT_TYPE)).orElse("application/octet-stream");
        try (BodyWriter w = store.newWriter(type, maxBody)) {
          long n = in.transferTo(w);
          w.commit(Optional.of(key));
          bytesCopied.addAndGet(n);
        }
        return Optional.empty();
      }
    } catch (ContentMismatchException e) {
      mismatches.incrementAndGet();
      LOG.warn("the node at {} served bytes that do not hash to {}; skipped", base, key);
      return Optional.of("its bytes do not hash to the key");
    } catch (Exception e) {
      get.abort(e);
      return Optional.of(e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  /** Whether the node at {@code base} answers {@code HEAD /key/<sha>} with 200 in time. */
  public boolean has(URI base, ContentKey key) {
    try {
      return client
              .newRequest(base + KeyHandler.PREFIX + key.hex())
              .method(org.eclipse.jetty.http.HttpMethod.HEAD)
              .followRedirects(false)
              .timeout(headTimeout.toMillis(), TimeUnit.MILLISECONDS)
              .send()
              .getStatus()
          == 200;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (Exception e) {
      failures.report(LOG, "provider-check-failed", "HEAD /key/" + key.hex() + " at " + base + " failed; that provider is skipped", e);
      return false;
    }
  }

  /** Bodies from peers whose bytes did not hash to their key. */
  public long mismatches() {
    return mismatches.get();
  }

  /** Bytes of verified bodies copied from peers. */
  public long bytesCopied() {
    return bytesCopied.get();
  }
}
