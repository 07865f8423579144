package org.oversky.gateway.dns;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.oversky.conf.ConfigException;
import org.oversky.conf.DnsSettings;
import org.oversky.conf.SiteConfig;
import org.oversky.dns.DnsServer;
import org.oversky.dns.Responder;
import org.oversky.gateway.routing.ClusterMonitor;
import org.oversky.gateway.routing.HttpRouting;
import org.oversky.gateway.routing.NodeRouting;
import org.oversky.gateway.routing.RoutingApi;
import org.oversky.routing.decision.Decision;
import org.oversky.routing.zone.Addresses;
import org.oversky.routing.zone.Locality;

/**
 * This node's authoritative DNS for the CDN's zone ({@code dns.listen}, {@code dns.zone}): each
 * site's name answers the addresses of the nodes the routing decision picks for the client (the
 * EDNS Client Subnet, else the resolver), rotated from one answer to the next, with a shorter TTL
 * while the answer's region is degraded (panic, or fallen back to another region). A decision is
 * kept for {@link #REUSE_MILLIS} per (site, client region) and rotated from one answer to the
 * next, so that a flood of queries costs one decision per site and region that often, while a
 * change of the view (probes every 2 s) reaches the answers within that time.
 */
public final class DnsService extends AbstractLifeCycle {
  /** How long one decision answers the queries for its site and client region. */
  static final long REUSE_MILLIS = 250;

  private record Reused(long atMillis, Decision.Answer answer) {}

  private final java.util.Map<String, Reused> decisions = new java.util.concurrent.ConcurrentHashMap<>();
  private final Responder.Nodes nodes;
  private final DnsSettings settings;
  private final Responder responder;
  private final java.util.Map<String, java.util.concurrent.atomic.LongAdder> byRcode = new java.util.concurrent.ConcurrentHashMap<>();
  private final java.util.Map<String, java.util.concurrent.atomic.LongAdder> byType = new java.util.concurrent.ConcurrentHashMap<>();
  private final java.util.Map<String, java.util.concurrent.atomic.LongAdder> byRegion = new java.util.concurrent.ConcurrentHashMap<>();
  private DnsServer server;

  public DnsService(DnsSettings settings, List<SiteConfig> sites, NodeRouting routing, ClusterMonitor monitor,
      io.micrometer.core.instrument.MeterRegistry registry, java.time.InstantSource clock) {
    this.settings = settings;
    InetAddress self = Addresses.literal(settings.listen().orElseThrow().host())
        .orElseThrow(() -> new ConfigException("dns.listen", "dns.listen (--dns-listen) must be an IP address and port, such as 127.0.1.1:5353"));
    AtomicInteger turn = new AtomicInteger();
    this.nodes = (client, host) -> {
      Optional<String> region = routing.locate(client).map(Locality.Located::region);
      long now = clock.millis();
      Reused reused = decisions.compute(host + "\n" + region.orElse(""), (k, r) -> r != null && now - r.atMillis() < REUSE_MILLIS
          ? r : new Reused(now, monitor.decide(region, HttpRouting.siteKey(host, "/"), RoutingApi.CHOSEN, 0)));
      Decision.Answer a = reused.answer();
      List<InetAddress> addresses = new ArrayList<>();
      int n = a.chosen().size();
      int first = n == 0 ? 0 : Math.floorMod(turn.getAndIncrement(), n);
      for (int i = 0; i < n; i++) { // rotated from one answer to the next
        Decision.Choice c = a.chosen().get((first + i) % n);
        Addresses.literal(c.url().getHost()).ifPresent(addresses::add); // a node named by a host name has no address record here
      }
      boolean degraded = a.panic() || (region.isPresent() && !a.region().equals(region));
      String answered = a.region().orElse("none");
      byRegion.computeIfAbsent(answered, r -> new java.util.concurrent.atomic.LongAdder()).increment();
      registry.counter("oversky.dns.answers", "region", answered).increment();
      return new Responder.Picked(addresses, degraded, routing.scope(client));
    };
    Responder.Listener counted = (rcode, type) -> {
      byRcode.computeIfAbsent(rcode, r -> new java.util.concurrent.atomic.LongAdder()).increment();
      byType.computeIfAbsent(type, t -> new java.util.concurrent.atomic.LongAdder()).increment();
      registry.counter("oversky.dns.queries", "rcode", rcode, "type", type).increment();
    };
    java.util.Map<String, InetAddress> nameServers = new java.util.LinkedHashMap<>();
    settings.nameServers().forEach((name, ip) -> nameServers.put(name, Addresses.literal(ip)
        .orElseThrow(() -> new ConfigException("dns.nameservers", "dns.nameservers: " + ip + " (for " + name + ") is not an IP address"))));
    if (nameServers.isEmpty()) {
      nameServers.put("ns1." + settings.zone().orElseThrow(), self);
    }
    this.responder = new Responder(settings.zone().orElseThrow(), siteNames(sites), nameServers, nodes, counted,
        settings.rateLimit() == 0 ? Optional.empty() : Optional.of(new org.oversky.dns.RateLimit(settings.rateLimit(), 2, clock)));
  }

  /**
   * Each site's name relative to the zone, to its host: its {@code dns-name}, else its host with
   * dots as dashes (wildcard sites have none).
   */
  public static java.util.Map<String, String> siteNames(List<SiteConfig> sites) {
    java.util.Map<String, String> names = new java.util.LinkedHashMap<>();
    for (SiteConfig site : sites) {
      if (site.dnsName().isPresent()) {
        names.put(site.dnsName().get(), site.host());
      } else {
        names.putAll(Responder.derivedNames(List.of(site.host())));
      }
    }
    return names;
  }

  @Override
  protected void doStart() throws Exception {
    var listen = settings.listen().orElseThrow();
    server = DnsServer.start(new InetSocketAddress(listen.host(), listen.port()), responder);
  }

  @Override
  protected void doStop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  /** The DNS part of the status document: queries by rcode and by type, site answers by region. */
  public java.util.Map<String, Object> status() {
    java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
    out.put("listen", settings.listen().map(Object::toString).orElse(null));
    out.put("zone", settings.zone().orElse(null));
    out.put("queries", queries());
    out.put("dropped", server == null ? 0 : server.dropped());
    out.put("byRcode", sums(byRcode));
    out.put("byType", sums(byType));
    out.put("answersByRegion", sums(byRegion));
    return out;
  }

  private static java.util.Map<String, Long> sums(java.util.Map<String, java.util.concurrent.atomic.LongAdder> counts) {
    java.util.Map<String, Long> out = new java.util.TreeMap<>();
    counts.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  /** The nodes for a client and a site, as DNS answers them (for tests). */
  Responder.Picked pick(InetAddress client, String host) {
    return nodes.pick(client, host);
  }

  /** Queries answered or dropped since the start (0 before it). */
  public long queries() {
    return server == null ? 0 : server.queries();
  }
}
