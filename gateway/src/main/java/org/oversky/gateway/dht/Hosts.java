package org.oversky.gateway.dht;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.oversky.dht.routing.Contact;
import org.oversky.gateway.http.Json;
import org.oversky.gateway.http.Problem;

/**
 * The hosts API: {@code GET /api/v1/hosts} lists the routing table, {@code POST /api/v1/hosts}
 * (and the original {@code hostdiscovery&host=}) joins the network through a host.
 */
public final class Hosts {
  private final DhtService dht;
  private final java.util.function.Function<java.net.URI, java.util.Optional<String>> regionOf;

  /** @param regionOf a node's region as the cluster view last heard it, if it has */
  public Hosts(DhtService dht, java.util.function.Function<java.net.URI, java.util.Optional<String>> regionOf) {
    this.dht = dht;
    this.regionOf = regionOf;
  }

  /** Answers with every contact of the routing table, most recently seen first. */
  public void list(Response response, Callback callback) {
    List<Map<String, Object>> hosts = new ArrayList<>();
    for (Contact c : dht.contacts()) {
      hosts.add(describe(c));
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("self", Map.of("id", dht.node().id().hex(), "url", dht.node().baseUrl().toString()));
    out.put("count", hosts.size());
    out.put("hosts", hosts);
    Json.send(response, callback, 200, out);
  }

  /**
   * Pings the node at {@code url} and joins through it: 200 with what was learnt, 400 for a URL
   * that is not a node's base URL, 502 when the node does not answer as a DHT node.
   */
  public void join(String url, Response response, Callback callback) {
    URI base;
    try {
      base = parse(url);
    } catch (IllegalArgumentException e) {
      Problem.badRequest("bad-host-url", e.getMessage()).send(response, callback);
      return;
    }
    dht.join(base).whenComplete((joined, error) -> {
      if (error != null) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        new Problem(502, "host-unreachable", "Bad gateway", base + " did not answer as an oversky node: " + cause.getMessage())
            .send(response, callback);
        return;
      }
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("joined", describe(joined.host()));
      out.put("contacts", dht.node().table().size());
      out.put("selfLookup", RemoteKeys.figures(joined.selfLookup()));
      Json.send(response, callback, 200, out);
    });
  }

  private static URI parse(String url) {
    String hint = "give a node's base URL such as http://203.0.113.5:8080";
    if (url == null || url.isBlank()) {
      throw new IllegalArgumentException("no URL: " + hint);
    }
    try {
      String text = url.trim();
      while (text.endsWith("/")) {
        text = text.substring(0, text.length() - 1);
      }
      URI u = new URI(text);
      if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null
          || u.getRawQuery() != null || u.getRawFragment() != null || u.getRawUserInfo() != null || text.length() > 512) {
        throw new IllegalArgumentException("'" + abbreviate(url) + "' is not a node's base URL: " + hint);
      }
      return u;
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("'" + abbreviate(url) + "' is not a URL: " + hint, e);
    }
  }

  private static String abbreviate(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "…" : s;
  }

  private Map<String, Object> describe(Contact c) {
    Map<String, Object> h = new LinkedHashMap<>();
    h.put("id", c.id().hex());
    h.put("url", c.baseUrl().toString());
    h.put("region", regionOf.apply(c.baseUrl()).orElse(null));
    h.put("address", c.address().getHostAddress());
    h.put("lastSeen", Instant.ofEpochMilli(c.lastSeen()).toString());
    h.put("rttMillis", c.rttMillis());
    return h;
  }
}
