package org.oversky.gateway;

import java.util.List;
import java.util.Optional;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.oversky.conf.SiteConfig;
import org.oversky.gateway.api.ApiHandler;
import org.oversky.gateway.api.LegacyHandler;
import org.oversky.gateway.api.StatusHandler;
import org.oversky.gateway.dht.DhtHandler;
import org.oversky.gateway.http.Dispatch;
import org.oversky.gateway.http.Problem;
import org.oversky.gateway.key.KeyHandler;
import org.oversky.gateway.proxy.SiteHandler;
import org.oversky.gateway.routing.HttpRouting;
import org.oversky.gateway.routing.LoadMeter;
import org.oversky.gateway.proxy.Sites;

/**
 * Where a request goes, in one place and in order: a request for a configured site's Host goes
 * to the caching proxy; otherwise {@code /key/}, the DHT's {@code /dht/v1/}, the API, the original {@code oversky.php}
 * actions, the status endpoints, all below an optional mount prefix (such as {@code /cdn}); anything
 * else is a 421 problem (404 on a node without sites), or, embedded in another server, is left to
 * the host's own handlers (this handler returns false).
 *
 * <p>Routes is non-blocking so that Jetty may run it on the thread that parsed the request: a hit
 * in memory is answered there without a thread hand-off. Routes that can block (disk, origin
 * fetches, request bodies) are dispatched to the thread pool with {@link Dispatch#blocking}.
 *
 * <p>Site and {@code /key/} requests are admitted through {@link LoadMeter#admit}, which counts
 * them in flight and refuses them with 503 at the node's hard capacity; the node's own paths are
 * never refused, so that probes still learn its load.
 */
final class Routes extends Handler.AbstractContainer {
  private final KeyHandler key;
  private final DhtHandler dht;
  private final ApiHandler api;
  private final LegacyHandler legacy;
  private final StatusHandler status;
  private final SiteHandler sites;
  private final LoadMeter load;
  private final HttpRouting routing;
  private final java.util.Optional<org.oversky.gateway.dnslink.DnslinkHandler> dnslink;
  private final org.oversky.gateway.acme.ChallengeAnswers challenges;

  private final boolean embedded;
  private final String mount;

  Routes(
      boolean embedded,
      String mount,
      SiteHandler sites,
      KeyHandler key,
      DhtHandler dht,
      ApiHandler api,
      LegacyHandler legacy,
      StatusHandler status,
      LoadMeter load,
      HttpRouting routing,
      java.util.Optional<org.oversky.gateway.dnslink.DnslinkHandler> dnslink,
      org.oversky.gateway.acme.ChallengeAnswers challenges) {
    super(false);
    this.challenges = challenges;
    this.dnslink = dnslink;
    this.load = load;
    this.routing = routing;
    this.embedded = embedded;
    this.mount = mount;
    this.sites = sites;
    this.key = key;
    this.dht = dht;
    this.api = api;
    this.legacy = legacy;
    this.status = status;
  }

  /** The Jetty handlers below this one (the site proxy), so that they learn the server. */
  @Override
  public List<Handler> getHandlers() {
    return List.of(sites.proxyHandler());
  }

  /** Non-blocking whatever the children say: the blocking ones are dispatched, see the class comment. */
  @Override
  public InvocationType getInvocationType() {
    return InvocationType.NON_BLOCKING;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    if (HttpMethod.CONNECT.is(request.getMethod())) {
      // A CDN node never tunnels, for a site or anyone else.
      response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH");
      new Problem(405, "method-not-allowed", "Method not allowed", "this node does not tunnel: CONNECT is not supported")
          .send(response, callback);
      return true;
    }
    String full = Request.getPathInContext(request);
    if (full.startsWith(org.oversky.gateway.acme.ChallengeAnswers.PATH)
        && (HttpMethod.GET.is(request.getMethod()) || HttpMethod.HEAD.is(request.getMethod()))
        && org.oversky.gateway.acme.ChallengeAnswers.isToken(full.substring(org.oversky.gateway.acme.ChallengeAnswers.PATH.length()))) {
      return acmeChallenge(full.substring(org.oversky.gateway.acme.ChallengeAnswers.PATH.length()), full, request, response, callback);
    }
    return route(full, request, response, callback);
  }

  /**
   * An ACME HTTP-01 challenge: the answer this node or its cluster holds for the token; a token
   * neither knows goes on as any other request (a site may answer its own challenges).
   */
  private boolean acmeChallenge(String token, String full, Request request, Response response, Callback callback) {
    challenges.answer(token).whenComplete((found, failure) -> {
      if (found != null && found.isPresent()) {
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        org.eclipse.jetty.io.Content.Sink.write(response, true, found.get(), callback);
        return;
      }
      try {
        if (!route(full, request, response, callback)) {
          new Problem(404, "unknown-acme-token", "Not found", "no node of this cluster is waiting for ACME token " + token)
              .send(response, callback);
        }
      } catch (Throwable t) {
        callback.failed(t);
      }
    });
    return true;
  }

  private boolean route(String full, Request request, Response response, Callback callback) throws Exception {
    String local = mount.isEmpty() ? full : full.startsWith(mount + "/") ? full.substring(mount.length()) : null;
    if (local != null && (local.startsWith(Gateway.OWN_PREFIX + "/") || local.equals(Gateway.OWN_PREFIX))) {
      String own = local.substring(Gateway.OWN_PREFIX.length());
      return node(own.isEmpty() ? "/" : own, true, request, response, callback, full);
    }
    Optional<SiteConfig> site = sites.siteOf(request);
    if (site.isPresent()) {
      if (site.get().redirect() && (HttpMethod.GET.is(request.getMethod()) || HttpMethod.HEAD.is(request.getMethod()))) {
        HttpRouting.SiteRoute route =
            routing.site(request, Sites.hostOnly(request.getHeaders().get(HttpHeader.HOST)), request.getHttpURI().getPathQuery());
        if (!route.here()) {
          response.getHeaders().put(HttpRouting.ROUTE_HEADER, route.reason());
          response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
          Response.sendRedirect(request, response, callback, 302, route.location().orElseThrow().toString(), false);
          return true;
        }
        response.getHeaders().put(HttpRouting.ROUTE_HEADER, route.reason());
      }
      return serveSite(site.get(), request, response, callback);
    }
    String host = request.getHeaders().get(HttpHeader.HOST);
    if (dnslink.isPresent() && host != null && mount.isEmpty() && dnslink.get().accepts(Sites.hostOnly(host))) {
      Callback counted = load.admit(response, callback); // null: refused at the hard capacity, answered
      if (counted != null) {
        dnslink.get().serve(Sites.hostOnly(host), full, request, response, counted);
      }
      return true;
    }
    if (!mount.isEmpty() && !full.startsWith(mount + "/") && !full.equals(mount)) {
      return notOurs(request, response, callback, full);
    }
    String path = mount.isEmpty() ? full : full.equals(mount) ? "/" : full.substring(mount.length());
    return node(path, false, request, response, callback, full);
  }

  private boolean serveSite(SiteConfig site, Request request, Response response, Callback callback) throws Exception {
    Callback counted = load.admit(response, callback); // null: refused at the hard capacity, answered
    if (counted != null) {
      sites.handle(site, request, response, counted);
    }
    return true;
  }

  /**
   * {@code /site/HOST/PATH} below the reserved prefix, where a redirect sends a client: PATH of
   * the site HOST, served here whatever Host the request carries, and never redirected again.
   */
  private boolean sitePath(String path, Request request, Response response, Callback callback) throws Exception {
    String rest = path.substring(HttpRouting.SITE_PATH.length());
    int slash = rest.indexOf('/');
    String host = slash < 0 ? rest : rest.substring(0, slash);
    Optional<SiteConfig> site = host.isEmpty() ? Optional.empty() : sites.siteOfHost(host);
    if (site.isEmpty()) {
      new Problem(404, "unknown-site", "Not found", "this node caches no site '" + host + "'; the path is "
          + Gateway.OWN_PREFIX + HttpRouting.SITE_PATH + "HOST/PATH").send(response, callback);
      return true;
    }
    String query = request.getHttpURI().getQuery();
    String pathQuery = (slash < 0 ? "/" : rest.substring(slash)) + (query == null ? "" : "?" + query);
    return serveSite(site.get(), new SiteRequest(request, host, pathQuery), response, callback);
  }

  /** The node's own endpoints; {@code reserved} when reached through {@link Gateway#OWN_PREFIX}. */
  private boolean node(String path, boolean reserved, Request request, Response response, Callback callback, String full)
      throws Exception {
    if (reserved && path.startsWith(HttpRouting.SITE_PATH)) {
      return sitePath(path, request, response, callback);
    }
    if (path.startsWith(KeyHandler.PREFIX)) {
      Callback counted = load.admit(response, callback); // null: refused at the hard capacity, answered
      return counted == null || key.serve(path, request, response, counted);
    }
    if (path.startsWith(DhtHandler.PREFIX)) {
      dht.serve(path, request, response, callback); // reads the body without blocking (or dispatches)
      return true;
    }
    if (path.startsWith(ApiHandler.PREFIX)) {
      Dispatch.blocking(request, callback, () -> api.serve(path, request, response, callback));
      return true;
    }
    if (path.equals(LegacyHandler.PATH)) {
      Dispatch.blocking(request, callback, () -> legacy.handle(request, response, callback));
      return true;
    }
    // Embedded at the root, the host keeps its own "/", health and metrics (but not the reserved ones).
    boolean statusPaths = path.equals("/") || path.equals("/healthz") || path.equals("/metrics");
    if (statusPaths && (reserved || !(embedded && mount.isEmpty()))) {
      Dispatch.blocking(request, callback, () -> status.serve(path, request, response, callback));
      return true;
    }
    if (reserved) {
      Problem.noRoute(request.getMethod(), full).send(response, callback);
      return true;
    }
    return notOurs(request, response, callback, full);
  }

  /** Standalone, what is not ours is refused (421 with sites); embedded, it goes on to the host's handlers. */
  private boolean notOurs(Request request, Response response, Callback callback, String path) {
    if (embedded) {
      return false;
    }
    if (sites.hasSites()) {
      String host = request.getHeaders().get(HttpHeader.HOST);
      new Problem(
              421,
              "unknown-site",
              "Misdirected request",
              "this node caches no site for Host '" + host + "'; it is not an open proxy")
          .send(response, callback);
    } else {
      Problem.noRoute(request.getMethod(), path).send(response, callback);
    }
    return true;
  }
}
