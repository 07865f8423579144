package org.oversky.gateway.api;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.oversky.gateway.http.Problem;
import org.oversky.gateway.metrics.GatewayMetrics;

/** {@code /healthz}, {@code /metrics} (Prometheus text) and the status page at {@code /}. */
public final class StatusHandler extends Handler.Abstract {
  private final NodeInfo info;
  private final GatewayMetrics metrics;

  public StatusHandler(NodeInfo info, GatewayMetrics metrics) {
    this.info = info;
    this.metrics = metrics;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    return serve(Request.getPathInContext(request), request, response, callback);
  }

  /** Handles a request whose path below the gateway's mount point is {@code path}. */
  public boolean serve(String path, Request request, Response response, Callback callback) throws Exception {
    switch (path) {
      case "/healthz" -> text(response, callback, "text/plain; charset=utf-8", "ok\n");
      case "/metrics" -> {
        String text = metrics.scrape();
        if (text == null) {
          new Problem(404, "metrics-in-host", "Not found", "this node's meters are in the host server's registry")
              .send(response, callback);
        } else {
          text(response, callback, "text/plain; version=0.0.4; charset=utf-8", text);
        }
      }
      case "/" -> text(response, callback, "text/html; charset=utf-8", page());
      default -> Problem.noRoute(request.getMethod(), path).send(response, callback);
    }
    return true;
  }

  private static void text(Response response, Callback callback, String type, String body) {
    response.setStatus(200);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    response.write(true, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
  }

  @SuppressWarnings("unchecked")
  private String page() {
    Map<String, Object> s = info.status();
    Map<String, Object> store = (Map<String, Object>) s.get("store");
    Map<String, Object> jvm = (Map<String, Object>) s.get("jvm");
    Map<String, Object> dht = (Map<String, Object>) s.get("dht");
    Map<String, Object> cluster = (Map<String, Object>) s.get("cluster");
    Map<String, Object> cache = (Map<String, Object>) s.get("cache");
    StringBuilder view = new StringBuilder();
    ((Map<String, Object>) s.getOrDefault("view", Map.of())).forEach((region, nodes) -> {
      for (Map<String, Object> n : (java.util.List<Map<String, Object>>) nodes) {
        view.append("<tr><td>").append(escape(region)).append("</td><td>").append(escape(n.get("url")))
            .append("</td><td>").append(escape(n.get("state"))).append("</td><td>").append(escape(n.get("inFlight")))
            .append("</td><td>").append(escape(n.get("requestsPerSecond"))).append("</td></tr>\n");
      }
    });
    StringBuilder origins = new StringBuilder();
    ((Map<String, Object>) s.getOrDefault("origins", Map.of())).forEach((site, list) -> {
      for (Map<String, Object> o : (java.util.List<Map<String, Object>>) list) {
        origins.append("<tr><td>").append(escape(site)).append("</td><td>").append(escape(o.get("url")))
            .append("</td><td>").append(Boolean.TRUE.equals(o.get("ejected")) ? "ejected until " + escape(o.get("ejectedUntil")) : "in use")
            .append("</td><td>").append(escape(o.get("failures"))).append(" of ").append(escape(o.get("requests")))
            .append("</td><td>").append(escape(o.get("latencyMillis"))).append("</td></tr>\n");
      }
    });
    return """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>oversky node</title>
        <style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}
        td{padding:.2rem 1rem .2rem 0}code{background:#f3f3f3;padding:0 .2rem}
        .charts{display:grid;grid-template-columns:1fr 1fr;gap:1rem}figure{margin:0}svg{width:100%%;height:8rem;background:#fafafa;border:1px solid #ddd}
        figcaption{font-size:.85rem}.k0{color:#1f77b4}.k1{color:#2ca02c}.k2{color:#d62728}</style></head>
        <body><h1>oversky node</h1>
        <table>
        <tr><td>node id</td><td><code>%s</code></td></tr>
        <tr><td>public URL</td><td>%s</td></tr>
        <tr><td>version</td><td>%s</td></tr>
        <tr><td>uptime</td><td>%s</td></tr>
        <tr><td>stored bodies</td><td>%s (%s of a %s budget)</td></tr>
        <tr><td>evictions</td><td>%s</td></tr>
        <tr><td>heap</td><td>%s of %s</td></tr>
        <tr><td>DHT contacts</td><td><a href="/api/v1/hosts">%s</a> in %s</td></tr>
        <tr><td>bodies announced</td><td>%s (provider records held for others: %s)</td></tr>
        <tr><td>DHT lookups</td><td>%s</td></tr>
        <tr><td>DHT requests</td><td>%s sent (%s failed), %s answered, %s refused</td></tr>
        <tr><td>site requests</td><td>%s, %s filled from peers, %s filled from the origin</td></tr>
        <tr><td>cluster</td><td>%s; %s from peers instead of the origin</td></tr>
        <tr><td>DNS</td><td>%s</td></tr>
        </table>
        <h2>Last hour</h2>
        <p id="charts-note">The first sample comes 10 s after the node started; the charts then follow every 10 s.</p>
        <div class="charts">
        <figure><figcaption>requests a second</figcaption><svg id="chart-requests" viewBox="0 0 360 110"></svg></figure>
        <figure><figcaption>site answers: <span class="k0">hits</span>, <span class="k1">from peers</span>, <span class="k2">from origins</span> (share)</figcaption><svg id="chart-share" viewBox="0 0 360 110"></svg></figure>
        <figure><figcaption>bytes a second: <span class="k0">served</span>, <span class="k1">from peers</span>, <span class="k2">from origins</span></figcaption><svg id="chart-bytes" viewBox="0 0 360 110"></svg></figure>
        <figure><figcaption>all origins: <span class="k0">latency, ms</span>, <span class="k2">errors</span></figcaption><svg id="chart-origins" viewBox="0 0 360 110"></svg></figure>
        </div>
        <div class="charts" id="site-charts"></div>
        <script>
        (function () {
          var colours = ["#1f77b4", "#2ca02c", "#d62728"];
          function human(v, bytes) {
            var units = bytes ? ["B", "KiB", "MiB", "GiB", "TiB"] : ["", "k", "M", "G", "T"], k = bytes ? 1024 : 1000, i = 0;
            while (v >= k && i < units.length - 1) { v /= k; i++; }
            return (v < 10 && i > 0 ? v.toFixed(1) : Math.round(v)) + (units[i] ? " " + units[i] : "");
          }
          function draw(id, lines, bytes, max) {
            var svg = document.getElementById(id), n = 0, top = max || 0, ns = "http://www.w3.org/2000/svg";
            lines.forEach(function (l) { n = Math.max(n, l.length); if (!max) { l.forEach(function (v) { top = Math.max(top, v); }); } });
            while (svg.firstChild) { svg.removeChild(svg.firstChild); }
            var label = document.createElementNS(ns, "text");
            label.setAttribute("x", "2"); label.setAttribute("y", "10"); label.setAttribute("font-size", "9");
            label.textContent = max === 100 ? "100 %%" : human(top, bytes);
            svg.appendChild(label);
            lines.forEach(function (l, c) {
              var pts = l.map(function (v, i) {
                return (n < 2 ? 0 : i * 360 / (n - 1)).toFixed(1) + "," + (108 - (top > 0 ? v / top : 0) * 94).toFixed(1);
              });
              var line = document.createElementNS(ns, "polyline");
              line.setAttribute("points", pts.join(" ")); line.setAttribute("fill", "none");
              line.setAttribute("stroke", colours[c]); line.setAttribute("stroke-width", "1.5");
              svg.appendChild(line);
            });
            svg.setAttribute("data-points", String(n));
          }
          function load() {
            fetch("api/v1/history").then(function (r) { return r.json(); }).then(function (h) {
              var s = h.series, step = h.stepSeconds;
              var per = function (a) { return a.map(function (v) { return v / step; }); };
              var share = function (k) { return s.hits.map(function (v, i) {
                var all = s.hits[i] + s.peerFills[i] + s.originFills[i]; return all ? 100 * s[k][i] / all : 0; }); };
              draw("chart-requests", [per(s.requests)], false);
              draw("chart-share", [share("hits"), share("peerFills"), share("originFills")], false, 100);
              draw("chart-bytes", [per(s.bytesSent), per(s.bytesFromPeers), per(s.bytesFromOrigins)], true);
              draw("chart-origins", [s.originLatencyMs, [], s.originErrors], false);
              Object.keys(s).filter(function (k) { return k.indexOf("originLatencyMs:") === 0; }).sort().forEach(function (k, i) {
                var host = k.substring("originLatencyMs:".length), id = "chart-site-" + i;
                if (!document.getElementById(id)) {
                  var fig = document.createElement("figure"), cap = document.createElement("figcaption");
                  cap.innerHTML = '<b></b>: <span class="k0">origin latency, ms</span>, <span class="k2">errors</span>';
                  cap.firstChild.textContent = host;
                  fig.appendChild(cap);
                  var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
                  svg.setAttribute("id", id); svg.setAttribute("viewBox", "0 0 360 110");
                  fig.appendChild(svg);
                  document.getElementById("site-charts").appendChild(fig);
                }
                draw(id, [s[k], [], s["originErrors:" + host]], false);
              });
              var span = h.times.length * step;
              document.getElementById("charts-note").textContent = h.times.length
                ? "The last " + (span < 120 ? span + " s" : Math.round(span / 60) + " min") + ", a point every " + step + " s."
                : "The first sample comes 10 s after the node started; the charts then follow every 10 s.";
            }).catch(function (e) { document.getElementById("charts-note").textContent = "history unavailable: " + e; });
          }
          load();
          setInterval(load, 10000);
        })();
        </script>
        <h2>Nodes by region</h2>
        <table><tr><th>region</th><th>node</th><th>state</th><th>in flight</th><th>req/s</th></tr>
        %s</table>
        <h2>Origins</h2>
        <table><tr><th>site</th><th>origin</th><th>state</th><th>failures</th><th>latency, ms</th></tr>
        %s</table>
        <p>Get a body by its SHA-256: <code>GET /key/&lt;64 hex&gt;</code>.
        Register a URL: <code>POST /api/v1/register {"location": "…"}</code>.
        Figures as JSON: <a href="/api/v1/status">/api/v1/status</a>; metrics: <a href="/metrics">/metrics</a>.</p>
        </body></html>
        """
        .formatted(
            s.get("nodeId"),
            s.get("publicUrl"),
            s.get("version"),
            Human.duration(s.get("uptimeSeconds") instanceof Number n ? n.longValue() : 0),
            Human.count(store.get("bodies"), "body", "bodies"),
            Human.bytes(store.get("bytes")),
            Human.bytes(store.get("diskBudget")),
            Human.count(store.get("evictions"), "eviction", "evictions"),
            Human.bytes(jvm.get("heapUsedBytes")),
            Human.bytes(jvm.get("heapMaxBytes")),
            Human.count(dht.get("contacts"), "contact", "contacts"),
            Human.count(dht.get("buckets"), "bucket", "buckets"),
            Human.count(dht.get("provided"), "body", "bodies"),
            Human.count(dht.get("providerRecordsHeld"), "record", "records"),
            Human.count(dht.get("lookups"), "lookup", "lookups"),
            Human.count(dht.get("rpcSent"), "request", "requests"),
            Human.number(dht.get("rpcFailed")),
            Human.number(dht.get("rpcReceived")),
            Human.number(dht.get("rpcRejected")),
            Human.count(cache.getOrDefault("hit", 0L), "hit", "hits"),
            Human.number(cache.getOrDefault("peer", 0L)),
            Human.number(cache.getOrDefault("stored", 0L)),
            Boolean.TRUE.equals(cluster.get("enabled")) ? "on" : "off (no cluster.secret or trusted nodes)",
            Human.bytes(cluster.get("bytesFromPeers")),
            dnsLine((Map<String, Object>) s.getOrDefault("dns", Map.of())),
            view,
            origins);
  }

  private static String dnsLine(Map<String, Object> dns) {
    if (!dns.containsKey("zone")) {
      return "off (no dns.listen and dns.zone)";
    }
    return escape(dns.get("zone")) + " on " + escape(dns.get("listen")) + ": " + escape(dns.get("queries")) + " queries, by rcode "
        + escape(dns.get("byRcode")) + ", site answers by region " + escape(dns.get("answersByRegion"));
  }

  /** Text for HTML: what a peer or an origin said is never markup here. */
  static String escape(Object value) {
    String s = String.valueOf(value);
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
