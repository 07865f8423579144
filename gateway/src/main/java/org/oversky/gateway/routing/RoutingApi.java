package org.oversky.gateway.routing;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.oversky.gateway.http.Json;
import org.oversky.gateway.http.Problem;
import org.oversky.routing.decision.Decision;
import org.oversky.routing.view.Load;
import org.oversky.routing.view.Observed;

/**
 * {@code GET /api/v1/health} (what a probe asks), {@code GET /api/v1/cluster} (this node's view)
 * and {@code GET /api/v1/routing/explain} (the decision for a client and a key, with its reasons).
 */
public final class RoutingApi {
  /** How many nodes an answer names unless {@code count} says otherwise. */
  public static final int CHOSEN = 2;
  /** The most nodes an answer names. */
  public static final int MAX_CHOSEN = 4;

  private static final Pattern KEY = Pattern.compile("[0-9a-f]{64}");

  private final String selfUrl;
  private final NodeRouting routing;
  private final ClusterMonitor monitor;

  public RoutingApi(String selfUrl, NodeRouting routing, ClusterMonitor monitor) {
    this.selfUrl = selfUrl;
    this.routing = routing;
    this.monitor = monitor;
  }

  public void health(Response response, Callback callback) {
    Json.sendBytes(response, callback, 200, monitor.ownAnswer().toBytes(selfUrl));
  }

  /**
   * {@code GET /api/v1/health/probe?url=U}: an indirect probe asked by another node that missed
   * {@code U}. Only a node this one knows is probed, never an address the caller makes up; the
   * answer comes when the probe ends (1 s at most), without holding a thread.
   */
  public void probeFor(Request request, Response response, Callback callback) {
    String text = Request.extractQueryParameters(request).getValue("url");
    URI url;
    try {
      url = text == null ? null : new URI(text);
    } catch (java.net.URISyntaxException e) {
      url = null;
    }
    URI target = url;
    if (target == null || !monitor.probeFor(target, (reached, millis) -> Json.send(response, callback, 200,
        Map.of("url", target.toString(), "reached", reached, "millis", millis)))) {
      new Problem(404, "unknown-node", "Not found", "url must be the base URL of a node this node knows, such as http://127.0.1.2:8080; got '"
          + text + "'").send(response, callback);
    }
  }

  /** {@code POST /api/v1/drain} (on) or {@code DELETE} (off); the caller checked the admin token. */
  public void drain(boolean on, Response response, Callback callback) {
    monitor.drain(on);
    Json.send(response, callback, 200, Map.of("url", selfUrl, "draining", on));
  }

  public void cluster(Response response, Callback callback) {
    List<Map<String, Object>> nodes = new ArrayList<>();
    Map<URI, Load> loads = new java.util.HashMap<>();
    monitor.candidates().forEach(c -> loads.put(c.url(), c.load()));
    for (ClusterMonitor.Verdict v : monitor.nodes()) {
      Observed o = v.seenHere();
      Map<String, Object> n = new LinkedHashMap<>();
      n.put("url", o.url().toString());
      n.put("region", o.region());
      n.put("state", v.state());
      n.put("self", o.url().toString().equals(selfUrl));
      n.put("seenHere", o.state().name().toLowerCase(Locale.ROOT));
      n.put("answeredInARow", o.answeredInARow());
      n.put("missedInARow", o.missedInARow());
      n.put("observers", v.observers());
      n.put("sayDown", v.sayDown());
      n.put("quorum", org.oversky.routing.view.Quorum.of(v.observers()));
      n.put("since", java.time.Instant.ofEpochMilli(o.sinceMillis()).toString());
      Load l = loads.get(o.url());
      if (l != null) {
        n.put("load", Map.of("inFlight", l.inFlight(), "requestsPerSecond", Math.round(l.requestsPerSecond() * 10) / 10.0,
            "bytesOutPerSecond", l.bytesOutPerSecond(), "cpu", l.cpu(), "freeDiskBytes", l.freeDiskBytes(),
            "overSoftCapacity", l.overSoft(), "atHardCapacity", l.atHard()));
      }
      nodes.add(n);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("self", selfUrl);
    out.put("region", routing.region());
    out.put("probe", Map.of("intervalMillis", ClusterMonitor.PROBE_MILLIS, "upAfter", ClusterMonitor.UP_AFTER,
        "downAfter", ClusterMonitor.DOWN_AFTER, "timeoutMillis", ClusterMonitor.PROBE_TIMEOUT_MILLIS));
    out.put("rttMillis", new java.util.TreeMap<>(monitor.ownAnswer().rttMillis()));
    out.put("nodes", nodes);
    Json.send(response, callback, 200, out);
  }

  /** {@code ?client=IP&host=H&path=P} or {@code ?client=IP&key=SHA256}; the client defaults to the caller. */
  public void explain(Request request, Response response, Callback callback) {
    Fields q = Request.extractQueryParameters(request);
    String clientText = q.getValue("client");
    InetAddress client;
    if (clientText == null) {
      SocketAddress remote = request.getConnectionMetaData().getRemoteSocketAddress();
      if (!(remote instanceof InetSocketAddress inet) || inet.getAddress() == null) {
        Problem.badRequest("bad-client", "give the client's address as ?client=203.0.113.7").send(response, callback);
        return;
      }
      client = inet.getAddress();
    } else {
      Optional<InetAddress> parsed = org.oversky.routing.zone.Addresses.literal(clientText);
      if (parsed.isEmpty()) {
        Problem.badRequest("bad-client", "client must be an IPv4 or IPv6 address such as 203.0.113.7, got '" + clientText + "'")
            .send(response, callback);
        return;
      }
      client = parsed.get();
    }
    int count = bounded(q.getValue("count"), CHOSEN, 1, MAX_CHOSEN);
    int rotation = bounded(q.getValue("rotate"), 0, 0, MAX_CHOSEN - 1);
    if (count < 0 || rotation < 0) {
      String name = count < 0 ? "count" : "rotate";
      Problem.badRequest("bad-" + name, name + " is " + (count < 0 ? "1 to " + MAX_CHOSEN : "0 to " + (MAX_CHOSEN - 1))
          + ", got '" + q.getValue(name) + "'").send(response, callback);
      return;
    }
    String key = q.getValue("key");
    String host = q.getValue("host");
    String path = q.getValue("path");
    byte[] routingKey;
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("client", client.getHostAddress());
    if (key != null) {
      if (!KEY.matcher(key).matches()) {
        Problem.badRequest("bad-key", "key must be a SHA-256 in 64 lowercase hex digits, got '" + key + "'").send(response, callback);
        return;
      }
      routingKey = HexFormat.of().parseHex(key);
      out.put("key", key);
    } else if (host != null && !host.isBlank()) {
      String p = path == null || path.isEmpty() ? "/" : path;
      String h = host.toLowerCase(Locale.ROOT);
      routingKey = HttpRouting.siteKey(h, p);
      out.put("host", h);
      out.put("path", p);
    } else {
      Problem.badRequest("no-routing-key", "give ?key=<sha256> for a body, or ?host=www.example.com&path=/a for a site URL")
          .send(response, callback);
      return;
    }
    Optional<org.oversky.routing.zone.Locality.Located> located = routing.locate(client);
    Optional<String> region = located.map(org.oversky.routing.zone.Locality.Located::region);
    Decision.Answer answer = monitor.decide(region, routingKey, count, rotation);
    List<Map<String, Object>> chosen = new ArrayList<>();
    for (Decision.Choice c : answer.chosen()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("url", c.url().toString());
      m.put("region", c.region());
      m.put("reason", c.reason());
      chosen.add(m);
    }
    out.put("clientRegion", region.orElse(null));
    out.put("clientRegionFrom", located.map(org.oversky.routing.zone.Locality.Located::from)
        .orElse("neither routing.region-map nor routing.geoip places the client: the default region, this node's"));
    out.put("nodesUp", monitor.up().size());
    out.put("region", answer.region().orElse(null));
    out.put("panic", answer.panic());
    out.put("steps", answer.steps());
    out.put("chosen", chosen);
    Json.send(response, callback, 200, out);
  }

  /** {@code text} as a whole number from {@code min} to {@code max}, {@code absent} when null, or -1 when it is not one. */
  private static int bounded(String text, int absent, int min, int max) {
    if (text == null) {
      return absent;
    }
    try {
      int n = Integer.parseInt(text);
      return n >= min && n <= max ? n : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
