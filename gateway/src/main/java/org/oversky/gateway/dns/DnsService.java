package org.oversky.gateway.dns;

import java.net.Inet4Address;
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
 * while the answer's region is degraded (panic, or fallen back to another region).
 */
public final class DnsService extends AbstractLifeCycle {
  private final DnsSettings settings;
  private final Responder responder;
  private DnsServer server;

  public DnsService(DnsSettings settings, List<SiteConfig> sites, NodeRouting routing, ClusterMonitor monitor) {
    this.settings = settings;
    InetAddress self = Addresses.literal(settings.listen().orElseThrow().host())
        .orElseThrow(() -> new ConfigException("dns.listen", "dns.listen (--dns-listen) must be an IP address and port, such as 127.0.1.1:5353"));
    AtomicInteger turn = new AtomicInteger();
    Responder.Nodes nodes = (client, host) -> {
      Optional<String> region = routing.locate(client).map(Locality.Located::region);
      Decision.Answer a = monitor.decide(region, HttpRouting.siteKey(host, "/"), RoutingApi.CHOSEN, Math.floorMod(turn.getAndIncrement(), RoutingApi.CHOSEN));
      List<InetAddress> addresses = new ArrayList<>();
      for (Decision.Choice c : a.chosen()) {
        Addresses.literal(c.url().getHost()).filter(x -> x instanceof Inet4Address).ifPresent(addresses::add);
      }
      boolean degraded = a.panic() || (region.isPresent() && !a.region().equals(region));
      return new Responder.Picked(addresses, degraded);
    };
    this.responder = new Responder(settings.zone().orElseThrow(), sites.stream().map(SiteConfig::host).toList(), self, nodes);
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

  /** Queries answered or dropped since the start (0 before it). */
  public long queries() {
    return server == null ? 0 : server.queries();
  }
}
