package org.oversky.gateway.proxy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.List;
import java.util.Optional;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.oversky.cache.BodyWriter;
import org.oversky.cache.ContentStore;
import org.oversky.cache.StoredResponse;
import org.oversky.conf.SiteConfig;
import org.oversky.gateway.metrics.Failures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way an origin response gets into the store: the foreground fill, the background
 * refresh (stale-while-revalidate), the range fill and the whole fetch all open a {@link Fill}
 * here, and a 304 freshens through {@link #freshen}. Storability is judged once, on every field
 * the origin sent (Set-Cookie included), before any field is dropped for storing.
 */
final class Storer {
  private static final Logger LOG = LoggerFactory.getLogger(Storer.class);

  private final ContentStore store;
  private final CachePolicy policy;
  private final long maxBody;
  private final Failures failures;
  /** True on the thread committing a fill a shield answered, while the index's listeners run. */
  private final ThreadLocal<Boolean> committingShieldFill = ThreadLocal.withInitial(() -> false);

  Storer(ContentStore store, CachePolicy policy, long maxBody, Failures failures) {
    this.store = store;
    this.policy = policy;
    this.maxBody = maxBody;
    this.failures = failures;
  }

  /**
   * Whether the response being indexed on this thread came from a shield: for a listener of the
   * response index, which the shield's node has told the cluster about already.
   */
  boolean committingShieldFill() {
    return committingShieldFill.get();
  }

  /**
   * Opens a fill for an origin response when a shared cache may store it; empty (with the
   * reason logged at debug) when it may not.
   *
   * @param request the client's request fields (for the request's directives and Vary), or
   *     {@link HttpFields#EMPTY} for a fetch no client asked for
   * @param maxSize the most bytes to store ({@code fetch.max-body} at most)
   * @param followable whether collapsed followers read the body while it is written
   */
  Optional<Fill> open(
      SiteConfig site,
      String url,
      HttpFields request,
      int status,
      HttpFields response,
      long requestTime,
      long responseTime,
      long maxSize,
      boolean followable) {
    CachePolicy.Verdict verdict = policy.storable(request, status, all(response), site);
    LOG.debug("{} {}: {}", url, verdict.store() ? "storing" : "not storing", verdict.reason());
    if (!verdict.store()) {
      return Optional.empty();
    }
    List<StoredResponse.Header> headers = StoredHeaders.from(response);
    String variant = Variants.key(Variants.names(CachePolicy.values(headers, "Vary")), request);
    String type = Optional.ofNullable(response.get(HttpHeader.CONTENT_TYPE)).orElse("application/octet-stream");
    long length = response.getLongField(HttpHeader.CONTENT_LENGTH);
    long limit = Math.min(maxSize, maxBody);
    BodyWriter writer = followable ? store.newFollowableWriter(type, limit, length) : store.newWriter(type, limit, length);
    return Optional.of(new Fill(url, variant, status, headers, length, requestTime, responseTime, writer));
  }

  /** RFC 9111 §4.3.4: stores {@code old} freshened with a 304's fields, and returns it. */
  StoredResponse freshen(StoredResponse old, HttpFields notModified, long requestTime, long responseTime) {
    StoredResponse fresh =
        new StoredResponse(
            old.url(),
            old.variant(),
            old.status(),
            StoredHeaders.freshen(old.headers(), notModified),
            old.body(),
            requestTime,
            responseTime);
    store.responses().put(fresh);
    return fresh;
  }

  /** One response being stored: written as it arrives, then committed (hashed, indexed) or abandoned. */
  final class Fill implements AutoCloseable {
    final String url;
    final String variant;
    final int status;
    final List<StoredResponse.Header> headers;
    /** The origin's Content-Length, or -1. */
    final long contentLength;

    private final long requestTime;
    private final long responseTime;
    private final BodyWriter writer;
    private boolean done;
    private boolean fromShield;

    private Fill(
        String url,
        String variant,
        int status,
        List<StoredResponse.Header> headers,
        long contentLength,
        long requestTime,
        long responseTime,
        BodyWriter writer) {
      this.url = url;
      this.variant = variant;
      this.status = status;
      this.headers = headers;
      this.contentLength = contentLength;
      this.requestTime = requestTime;
      this.responseTime = responseTime;
      this.writer = writer;
    }

    void write(ByteBuffer chunk) throws IOException {
      writer.write(chunk);
    }

    /** Bytes written so far. */
    long size() {
      return writer.size();
    }

    /** Whether the whole body, by the origin's Content-Length, is in. */
    boolean complete() {
      return contentLength >= 0 && writer.size() == contentLength;
    }

    /** What collapsed followers learn once the head is in. */
    InFlight.Head head() {
      return new InFlight.Head(status, headers, variant, contentLength);
    }

    /**
     * A channel on the body as it is written, for collapsed followers; null for a small body that
     * is kept in heap (followers wait for it to be stored, then read the store).
     */
    FileChannel newReader() throws IOException {
      return writer.followable() ? writer.newReader() : null;
    }

    /** This response came from a shield, which has stored it and told the cluster already. */
    void fromShield() {
      fromShield = true;
    }

    /** Hashes and stores the body, then indexes the response under its URL and variant. */
    StoredResponse commit() throws IOException {
      done = true;
      var body = writer.commit(Optional.empty());
      StoredResponse stored = new StoredResponse(url, variant, status, headers, body.key(), requestTime, responseTime);
      committingShieldFill.set(fromShield);
      try {
        store.responses().put(stored); // its listeners run here, on this thread
      } finally {
        committingShieldFill.set(false);
      }
      return stored;
    }

    /** Gives up on storing: the temp file goes. Does nothing after a commit. */
    @Override
    public void close() {
      try {
        writer.close();
      } catch (IOException e) {
        if (!done) {
          failures.report(LOG, "store-abandon-failed", "could not remove the partial body of " + url + " (it goes at the next start)", e);
        }
      }
    }
  }

  /** Every field as the origin sent it, none dropped. */
  private static List<StoredResponse.Header> all(HttpFields fields) {
    return fields.stream().map((HttpField f) -> new StoredResponse.Header(f.getName(), f.getValue())).toList();
  }
}
