package org.oversky.gateway.dht;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.oversky.cache.Body;
import org.oversky.cache.ContentKey;
import org.oversky.cache.ContentStore;
import org.oversky.conf.DhtSettings;
import org.oversky.dht.id.NodeId;
import org.oversky.dht.node.DhtNode;
import org.oversky.dht.node.LookupResult;
import org.oversky.dht.rpc.ProviderInfo;
import org.oversky.gateway.http.Dispatch;
import org.oversky.gateway.http.Problem;
import org.oversky.gateway.key.KeyHandler;

/**
 * {@code GET /key/<sha>} for a body this node does not hold: find its providers in the DHT, then
 * redirect to the best one, or (proxy mode) fetch it from them in turn, keeping a copy only when
 * its SHA-256 is the key — the bytes go to a temporary file first and reach the client only after
 * the check. The best provider is the one with the lowest round trip measured in the last
 * minutes; ties (and providers never measured) are taken in random order to spread the load.
 */
final class RemoteKeys implements KeyHandler.Misses {
  /** The header a redirect says why in (the same as request routing's). */
  static final String ROUTE_HEADER = "Oversky-Route";
  /** Unverified providers probed with a HEAD before a redirect. */
  static final int PROBED = 3;
  /** Providers a lookup looks for before it stops. */
  static final int WANTED = 4;

  private final DhtNode node;
  private final ContentStore store;
  private final PeerFetcher peers;
  private final DhtSettings.KeyMiss mode;
  private final ProviderRoute route;

  RemoteKeys(DhtNode node, ContentStore store, PeerFetcher peers, DhtSettings.KeyMiss mode, ProviderRoute route) {
    this.node = node;
    this.store = store;
    this.peers = peers;
    this.mode = mode;
    this.route = route;
  }

  @Override
  public void serve(ContentKey key, Request request, Response response, Callback callback) {
    node.findProviders(NodeId.ofHex(key.hex()), WANTED).whenComplete((found, error) -> {
      if (error != null) {
        callback.failed(error);
        return;
      }
      List<ProviderInfo> ranked = Providers.byRoundTrip(node, found.providers());
      if (ranked.isEmpty()) {
        new Problem(
                404, "key-not-found", "Not found",
                "no node of the network announces a body with key " + key + " (this node holds none either)",
                Map.of("lookup", figures(found)))
            .send(response, callback);
      } else if (mode == DhtSettings.KeyMiss.REDIRECT) {
        Dispatch.blocking(request, callback, () -> redirect(key, ranked, found, request, response, callback));
      } else {
        Dispatch.blocking(request, callback, () -> fetch(key, ranked, found, request, response, callback));
      }
    });
  }

  /**
   * Redirects to the provider request routing chooses for the client (healthy, in or near its
   * region, least loaded) when the cluster view holds any; else to the best provider this node
   * has verified: one that answered it recently, else the first whose {@code HEAD /key/<sha>}
   * answers 200 (at most {@link #PROBED} are asked). The {@code Oversky-Route} header says why.
   */
  private void redirect(ContentKey key, List<ProviderInfo> ranked, LookupResult found, Request request, Response response, Callback callback) {
    Optional<ProviderRoute.Routed> routed = route.choose(request, key.hex(), ranked.stream().map(ProviderInfo::baseUrl).toList());
    if (routed.isPresent()) {
      send(request, response, callback, routed.get().url(), key, "routing: " + routed.get().reason());
      return;
    }
    long now = node.now();
    Optional<ProviderInfo> best = ranked.stream().filter(p -> Providers.recentRoundTrip(node, p, now) != Long.MAX_VALUE).findFirst();
    String why = "the provider with the lowest recent round trip to this node";
    if (best.isEmpty()) {
      best = ranked.stream().limit(PROBED).filter(p -> peers.has(p.baseUrl(), key)).findFirst();
      why = "a provider that answered HEAD for the body just now";
    }
    if (best.isEmpty()) {
      new Problem(
              502, "providers-failed", "Bad gateway",
              "providers of " + key + " are announced, but none answered this node recently or has the body now",
              Map.of("lookup", figures(found)))
          .send(response, callback);
      return;
    }
    send(request, response, callback, best.get().baseUrl(), key, why);
  }

  private static void send(Request request, Response response, Callback callback, URI provider, ContentKey key, String why) {
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    response.getHeaders().put(ROUTE_HEADER, why);
    Response.sendRedirect(request, response, callback, 302, location(provider, key), false);
  }

  private void fetch(ContentKey key, List<ProviderInfo> ranked, LookupResult found, Request request, Response response, Callback callback)
      throws IOException {
    List<String> tried = new ArrayList<>();
    for (ProviderInfo p : ranked) {
      Optional<String> failure = peers.copy(p.baseUrl(), key);
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
