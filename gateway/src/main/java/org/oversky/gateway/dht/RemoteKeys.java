package org.oversky.gateway.dht;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.oversky.cache.Body;
import org.oversky.cache.BodyWriter;
import org.oversky.cache.ContentKey;
import org.oversky.cache.ContentMismatchException;
import org.oversky.cache.ContentStore;
import org.oversky.conf.DhtSettings;
import org.oversky.dht.id.NodeId;
import org.oversky.dht.node.DhtNode;
import org.oversky.dht.node.LookupResult;
import org.oversky.dht.routing.Contact;
import org.oversky.dht.rpc.ProviderInfo;
import org.oversky.gateway.http.Dispatch;
import org.oversky.gateway.http.Problem;
import org.oversky.gateway.key.KeyHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /key/<sha>} for a body this node does not hold: find its providers in the DHT, then
 * redirect to the best one, or (proxy mode) fetch it from them in turn, keeping a copy only when
 * its SHA-256 is the key — the bytes go to a temporary file first and reach the client only after
 * the check. The best provider is the one with the lowest round trip measured in the last
 * minutes; ties (and providers never measured) are taken in random order to spread the load.
 */
final class RemoteKeys implements KeyHandler.Misses {
  private static final Logger LOG = LoggerFactory.getLogger(RemoteKeys.class);
  /** Providers a lookup looks for before it stops. */
  static final int WANTED = 4;
  /** A round trip older than this no longer ranks a provider. */
  private static final long RECENT_MILLIS = TimeUnit.MINUTES.toMillis(15);

  private final DhtNode node;
  private final ContentStore store;
  private final HttpClient client;
  private final DhtSettings.KeyMiss mode;
  private final long maxBody;
  private final Runnable onPeerMismatch;

  RemoteKeys(DhtNode node, ContentStore store, HttpClient client, DhtSettings.KeyMiss mode, long maxBody, Runnable onPeerMismatch) {
    this.node = node;
    this.store = store;
    this.client = client;
    this.mode = mode;
    this.maxBody = maxBody;
    this.onPeerMismatch = onPeerMismatch;
  }

  @Override
  public void serve(ContentKey key, Request request, Response response, Callback callback) {
    node.findProviders(NodeId.ofHex(key.hex()), WANTED).whenComplete((found, error) -> {
      if (error != null) {
        callback.failed(error);
        return;
      }
      List<ProviderInfo> ranked = rank(found.providers());
      if (ranked.isEmpty()) {
        new Problem(
                404, "key-not-found", "Not found",
                "no node of the network announces a body with key " + key + " (this node holds none either)",
                Map.of("lookup", figures(found)))
            .send(response, callback);
      } else if (mode == DhtSettings.KeyMiss.REDIRECT) {
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        Response.sendRedirect(request, response, callback, 302, location(ranked.get(0).baseUrl(), key), false);
      } else {
        Dispatch.blocking(request, callback, () -> fetch(key, ranked, found, request, response, callback));
      }
    });
  }

  private void fetch(ContentKey key, List<ProviderInfo> ranked, LookupResult found, Request request, Response response, Callback callback)
      throws IOException {
    List<String> tried = new ArrayList<>();
    for (ProviderInfo p : ranked) {
      Optional<String> failure = copyFrom(p, key);
      if (failure.isEmpty()) {
        Optional<Body> body = store.open(key);
        if (body.isPresent()) {
          KeyHandler.respond(request, response, callback, body.get());
          return;
        }
        failure = Optional.of("stored, then evicted at once");
      }
      tried.add(p.baseUrl() + ": " + failure.get());
    }
    new Problem(
            502, "providers-failed", "Bad gateway",
            "every provider of " + key + " failed: " + String.join("; ", tried),
            Map.of("lookup", figures(found)))
        .send(response, callback);
  }

  /** Copies the body from one provider into the store; empty on success, else what went wrong. */
  private Optional<String> copyFrom(ProviderInfo p, ContentKey key) {
    InputStreamResponseListener listener = new InputStreamResponseListener();
    org.eclipse.jetty.client.Request get =
        client.newRequest(location(p.baseUrl(), key)).followRedirects(false).idleTimeout(30, TimeUnit.SECONDS);
    get.send(listener);
    try {
      org.eclipse.jetty.client.Response r = listener.get(node.config().maxRpcTimeout().toMillis(), TimeUnit.MILLISECONDS);
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
          in.transferTo(w);
          w.commit(Optional.of(key));
        }
        return Optional.empty();
      }
    } catch (ContentMismatchException e) {
      onPeerMismatch.run();
      LOG.warn("provider {} at {} served bytes that do not hash to {}; skipped", p.providerId(), p.baseUrl(), key);
      return Optional.of("its bytes do not hash to the key");
    } catch (Exception e) {
      get.abort(e);
      return Optional.of(e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  private List<ProviderInfo> rank(List<ProviderInfo> providers) {
    long now = System.currentTimeMillis();
    List<ProviderInfo> shuffled = new ArrayList<>(providers);
    Collections.shuffle(shuffled, ThreadLocalRandom.current());
    shuffled.sort(Comparator.comparingLong(p -> rttOf(p, now)));
    return shuffled;
  }

  private long rttOf(ProviderInfo p, long now) {
    Optional<Contact> c = node.table().get(p.providerId());
    return c.isPresent() && c.get().rttMillis() >= 0 && now - c.get().lastSeen() < RECENT_MILLIS
        ? c.get().rttMillis()
        : Long.MAX_VALUE;
  }

  private static String location(URI base, ContentKey key) {
    return base + KeyHandler.PREFIX + key.hex();
  }

  static Map<String, Object> figures(LookupResult r) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("providers", r.providers().size());
    out.put("nodesAnswered", r.closest().size());
    out.put("messages", r.messages());
    out.put("failures", r.failures());
    out.put("hops", r.hops());
    out.put("millis", r.millis());
    out.put("timedOut", r.timedOut());
    return out;
  }
}
