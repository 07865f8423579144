package org.oversky.gateway.routing;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.server.Request;
import org.oversky.routing.decision.Decision;
import org.oversky.routing.placement.Placement;

/**
 * The routing decision as HTTP uses it: whether a site request in redirect mode is served here or
 * sent on, and which provider of a body a {@code /key/} miss redirects to. Both ask {@link
 * ClusterMonitor#decide} with the client's region from the region map, so an HTTP answer and
 * {@code GET /api/v1/routing/explain} agree. It also names a region's shields for the caching
 * proxy ({@link org.oversky.gateway.proxy.SiteHandler.Shields}), by an unweighted order instead.
 */
public final class HttpRouting implements org.oversky.gateway.proxy.SiteHandler.Shields {
  /** The header a routed answer says why in. */
  public static final String ROUTE_HEADER = "Oversky-Route";
  /** Below a node's reserved prefix: {@code /site/HOST/PATH} serves PATH of the site HOST, as a redirect names it. */
  public static final String SITE_PATH = "/site/";

  private final URI self;
  private final NodeRouting routing;
  private final ClusterMonitor monitor;
  private final String reservedPrefix;
  private final AtomicInteger turn = new AtomicInteger();

  public HttpRouting(URI self, NodeRouting routing, ClusterMonitor monitor, String reservedPrefix) {
    this.self = self;
    this.routing = routing;
    this.monitor = monitor;
    this.reservedPrefix = reservedPrefix;
  }

  /** Where a site request goes: served here, or redirected to {@code location}, and why. */
  public record SiteRoute(boolean here, Optional<URI> location, String reason) {}

  /** A provider to redirect a {@code /key/} request to, and why. */
  public record Provider(URI url, String reason) {}

  /** The routing key of a site URL: its host, lower case, and its path (the query does not choose nodes). */
  public static byte[] siteKey(String host, String path) {
    return (host.toLowerCase(Locale.ROOT) + "\n" + (path == null || path.isEmpty() ? "/" : path)).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * For a site in redirect mode: served here when this node is among the chosen (or none is
   * chosen, or the client's address is unknown); otherwise sent to the chosen nodes in turn, at
   * their {@code /site/HOST} path so that they serve it whatever Host the client then sends.
   */
  public SiteRoute site(Request request, String host, String pathQuery) {
    Optional<InetAddress> client = client(request);
    if (client.isEmpty()) {
      return new SiteRoute(true, Optional.empty(), "the client's address is unknown: served here");
    }
    String path = pathQuery.indexOf('?') < 0 ? pathQuery : pathQuery.substring(0, pathQuery.indexOf('?'));
    Decision.Answer answer = monitor.decide(routing.locate(client.get()).map(org.oversky.routing.zone.Locality.Located::region), siteKey(host, path), RoutingApi.CHOSEN, 0);
    List<Decision.Choice> chosen = answer.chosen();
    for (Decision.Choice c : chosen) {
      if (c.url().equals(self)) {
        return new SiteRoute(true, Optional.empty(), "chosen: " + c.reason());
      }
    }
    if (chosen.isEmpty()) {
      return new SiteRoute(true, Optional.empty(), "no node chosen (" + String.join("; ", answer.steps()) + "): served here");
    }
    Decision.Choice to = chosen.get(Math.floorMod(turn.getAndIncrement(), chosen.size()));
    URI location = URI.create(to.url() + reservedPrefix + SITE_PATH + host.toLowerCase(Locale.ROOT) + org.oversky.gateway.proxy.RequestTargets.forUri(pathQuery));
    return new SiteRoute(false, Optional.of(location), to.url() + ": " + to.reason());
  }

  /**
   * The best of a body's {@code providers} for the client, by the routing decision over the ones
   * the cluster view holds healthy; empty when the view holds none of them (the caller falls back
   * to its own measurements).
   */
  public Optional<Provider> provider(Request request, String keyHex, List<URI> providers) {
    Optional<String> region = client(request).flatMap(routing::locate).map(org.oversky.routing.zone.Locality.Located::region);
    Decision.Answer answer = monitor.decideAmong(region, HexFormat.of().parseHex(keyHex), Set.copyOf(providers), 1, 0);
    return answer.chosen().stream().findFirst().map(c -> new Provider(c.url(), c.reason()));
  }

  /**
   * The base URL at which the shield of site {@code host} in this node's region serves it
   * ({@code shield=on}): see {@link #shieldAt}, for the key {@code shield} + host.
   */
  @Override
  public Optional<URI> shieldFor(String host) {
    return shieldAt("shield\n" + host.toLowerCase(Locale.ROOT), host);
  }

  /**
   * The base URL at which the shield of {@code url} (of site {@code host}) in this node's region
   * serves it ({@code shield=url}): see {@link #shieldAt}, for the key {@code shield} + URL.
   */
  @Override
  public Optional<URI> shieldForUrl(String host, String url) {
    return shieldAt("shield\n" + url, host);
  }

  /**
   * The shield for {@code key} in this node's region, at its path for site {@code host}: the first
   * of the region's routable nodes (up by quorum, not draining) in the rendezvous order of the
   * key, unweighted, so that every node of the region names the same one whatever their loads (a
   * shield that moved with the load, as one picked by the load-weighted routing decision did,
   * fetched the same object from the origin again); it moves when it goes down or drains. Empty
   * when it is this node, or when the region has no routable node.
   */
  private Optional<URI> shieldAt(String key, String host) {
    String here = routing.region();
    List<Placement.Node> region = monitor.up().stream()
        .filter(c -> c.region().equals(here))
        .map(c -> new Placement.Node(c.url(), ""))
        .toList();
    if (region.isEmpty()) {
      return Optional.empty();
    }
    URI first = Placement.holders(key.getBytes(StandardCharsets.UTF_8), region, 1).get(0).url();
    return first.equals(self)
        ? Optional.empty()
        : Optional.of(URI.create(first + reservedPrefix + SITE_PATH + host.toLowerCase(Locale.ROOT)));
  }

  /**
   * The directory node of {@code url} ({@code shield=directory}): the first of {@link
   * ClusterMonitor#placeable} in the rendezvous order of the key {@code directory} + the URL's
   * {@code DirectoryBook.keyOf} (no scheme: an https client's miss and the cluster's http request
   * name the same node),
   * unweighted and over every region, so that every node of the cluster names the same one from
   * its first seconds (placeable nodes count from the moment they are known, not after five good
   * probes as routable ones do); empty while this node knows no other.
   */
  @Override
  public Optional<URI> directoryFor(String url) {
    List<URI> nodes = monitor.placeable();
    if (nodes.size() < 2) {
      return Optional.empty();
    }
    List<Placement.Node> all = nodes.stream().map(u -> new Placement.Node(u, "")).toList();
    return Optional.of(Placement.holders(("directory\n" + org.oversky.gateway.proxy.DirectoryBook.keyOf(url)).getBytes(StandardCharsets.UTF_8), all, 1).get(0).url());
  }

  @Override
  public boolean placeable(URI node) {
    return monitor.placeable().contains(node);
  }

  @Override
  public URI siteBase(URI node, String host) {
    return URI.create(node + reservedPrefix + SITE_PATH + host.toLowerCase(Locale.ROOT));
  }

  /** Whether the cluster has a node in a region other than this node's (up or not). */
  @Override
  public boolean otherRegions() {
    String here = routing.region();
    return monitor.candidates().stream().anyMatch(c -> !c.region().equals(here));
  }

  private static Optional<InetAddress> client(Request request) {
    SocketAddress remote = request.getConnectionMetaData().getRemoteSocketAddress();
    return remote instanceof InetSocketAddress inet && inet.getAddress() != null ? Optional.of(inet.getAddress()) : Optional.empty();
  }
}
