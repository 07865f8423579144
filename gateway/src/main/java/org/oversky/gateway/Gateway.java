package org.oversky.gateway;

import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.security.KeyPair;
import java.util.Map;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.oversky.cache.ContentStore;
import org.oversky.conf.NodeConfig;
import org.oversky.gateway.api.ApiHandler;
import org.oversky.gateway.api.LegacyHandler;
import org.oversky.gateway.api.NodeInfo;
import org.oversky.gateway.api.StatusHandler;
import org.oversky.gateway.coop.Cooperation;
import org.oversky.gateway.dht.DhtService;
import org.oversky.gateway.proxy.PeerSource;
import org.oversky.gateway.dht.Hosts;
import org.oversky.gateway.fetch.OriginFetcher;
import org.oversky.gateway.key.KeyHandler;
import org.oversky.gateway.metrics.Failures;
import org.oversky.gateway.metrics.GatewayMetrics;
import org.oversky.gateway.metrics.MetricsHandler;
import org.oversky.gateway.node.DataDir;
import org.oversky.gateway.node.NodeIdentity;
import org.oversky.gateway.node.Version;
import org.oversky.gateway.proxy.SiteHandler;
import org.oversky.gateway.routing.ClusterMonitor;
import org.oversky.gateway.routing.HttpRouting;
import org.oversky.gateway.routing.LoadMeter;
import org.oversky.gateway.routing.NodeRouting;
import org.oversky.gateway.routing.RoutingApi;

/**
 * The gateway component: one node's parts (identity, store, origin fetcher, caching proxy, DHT,
 * metrics) and the Jetty {@link Handler} that serves them. A host server mounts {@link
 * #handler()} and adds the gateway as a bean so that it starts and stops with the server;
 * {@link GatewayServer} is the standalone host. Build one with {@link #builder(NodeConfig)}.
 */
public final class Gateway extends ContainerLifeCycle {
  /**
   * The node's own paths for every Host: {@code /.well-known/oversky/healthz}, {@code …/metrics},
   * {@code …/api/v1/…}, {@code …/key/…}, {@code …/dht/v1/…} and the status page at {@code
   * /.well-known/oversky/}. Never proxied, so a site configured for the node's own address, or a
   * load balancer that sends the node's IP as Host, still reaches the node.
   */
  public static final String OWN_PREFIX = "/.well-known/oversky";

  private final NodeConfig config;
  private final NodeIdentity identity;
  private final ContentStore store;
  private final GatewayMetrics metrics;
  private final DhtService dht;
  private final NodeRouting routing;
  private final Handler handler;
  private final org.oversky.gateway.tls.SiteCertificates certificates;
  private final org.oversky.gateway.acme.ChallengeAnswers challenges;
  private final Failures failures;

  /** The cluster's part of the status document: cooperation's figures and the directory's ({@code shield=directory}). */
  private static Map<String, Object> clusterStatus(Cooperation cooperation, SiteHandler sites,
      org.oversky.gateway.proxy.DirectoryHandOver handOver) {
    org.oversky.gateway.proxy.DirectoryBook directory = sites.directory();
    Map<String, Object> out = new java.util.LinkedHashMap<>(cooperation.status());
    out.put("bytesFromUpstream", sites.bytesFromOrigins());
    out.put("directoryFillersNamed", directory.named());
    out.put("directoryMissesSentOn", directory.sentOn());
    out.put("directoryMissesPointed", directory.pointed());
    out.put("directoryClaimsRefused", directory.refused());
    out.put("directoryMissesAsked", directory.asked());
    out.put("directoryMissesFailedOver", directory.failedOver());
    out.put("directoryMissesWentPast", directory.wentPast());
    out.put("purgedCopiesRefused", directory.purgedCopiesRefused());
    out.put("directoryEntriesHandedOn", directory.handedOut());
    out.put("directoryEntriesTooLong", directory.tooLongToHandOn());
    out.put("directoryEntriesTaken", directory.handedIn());
    out.put("directoryHandOverFailures", directory.handOverFailures());
    out.put("directoryViewFollowed", handOver.followedNodes());
    return out;
  }

  private Gateway(Builder b, NodeIdentity identity, ContentStore store, NodeRouting routing) {
    this.routing = routing;
    this.config = b.config;
    this.identity = identity;
    this.store = store;
    this.metrics = new GatewayMetrics(store, b.meterRegistry);
    Failures failures = new Failures(metrics.registry(), b.clock, 10_000);
    OriginFetcher fetcher = new OriginFetcher(config.fetch(), "oversky/" + Version.get());
    addBean(fetcher);
    this.dht = new DhtService(config, new KeyPair(identity.publicKey(), identity.privateKey()), store, b.clock, failures);
    addBean(dht);
    dht.bindMetrics(metrics.registry());
    LoadMeter load = new LoadMeter(
        config.routing().softCapacity(), config.routing().hardCapacity(), config.dataDir(), b.clock, failures);
    ClusterMonitor monitor =
        new ClusterMonitor(
            config.publicUrl(), routing, load,
            () -> dht.node().contacts().stream().map(org.oversky.dht.routing.Contact::baseUrl).toList(),
            b.clock, failures);
    addBean(monitor);
    monitor.bindMetrics(metrics.registry());
    Cooperation cooperation =
        new Cooperation(
            config.cluster(), dht, store, config.dht().providerTtl(), config.dht().republishInterval(),
            monitor::placeable,
            failures);
    cooperation.bindMetrics(metrics.registry());
    dht.onTick(cooperation::republish);
    dht.onBriefTick(cooperation::followView);
    HttpRouting http = new HttpRouting(config.publicUrl(), routing, monitor, b.mount + OWN_PREFIX);
    org.oversky.gateway.dns.DnsService dns =
        config.dns().on() ? new org.oversky.gateway.dns.DnsService(config.dns(), config.sites(), routing, monitor, metrics.registry(), b.clock) : null;
    if (dns != null) {
      addBean(dns);
    }
    org.oversky.gateway.dns.DnsUpdater updater = config.dns().update().isEmpty() ? null
        : new org.oversky.gateway.dns.DnsUpdater(config.dns().update().get(), config.sites(), config.publicUrl(), routing, monitor,
            metrics.registry(), failures, b.clock);
    if (updater != null) {
      addBean(updater);
    }
    java.util.Optional<org.oversky.gateway.dnslink.DnslinkResolver> dnslinkResolver = config.dns().dnslink().hosts().isEmpty()
        ? java.util.Optional.empty()
        : java.util.Optional.of(new org.oversky.gateway.dnslink.DnslinkResolver(dnslinkResolverAddress(config.dns().dnslink()), b.clock, failures));
    SiteHandler sites =
        new SiteHandler(
            config, store, "oversky-" + identity.nodeId().substring(0, 8), metrics::cacheOutcome,
            config.cluster().enabled() ? cooperation : PeerSource.NONE,
            http,
            failures,
            b.clock);
    addBean(sites);
    bindOriginMetrics(sites, metrics.registry());
    org.oversky.gateway.proxy.DirectoryHandOver handOver = new org.oversky.gateway.proxy.DirectoryHandOver(
        sites.directory(), http::directoryFor, monitor::placeable, monitor::starts,
        new org.oversky.gateway.cluster.ClusterMessages("directory", config.cluster().secret(), config.publicUrl(), monitor, failures, b.clock),
        failures);
    addBean(handOver);
    dht.onBriefTick(handOver::followView);
    org.oversky.gateway.replica.Replicas replicas =
        new org.oversky.gateway.replica.Replicas(config.replicas(), config.publicUrl(), store, monitor, dht.peers(), failures, b.clock,
            siteReplicas(config.sites()));
    addBean(replicas);
    org.oversky.gateway.purge.ClusterPurge purges =
        new org.oversky.gateway.purge.ClusterPurge(config.cluster().secret(), config.publicUrl(), monitor, sites::purge, failures, b.clock);
    addBean(purges);
    this.certificates = new org.oversky.gateway.tls.SiteCertificates(config.tls().certs());
    this.failures = failures;
    this.challenges = new org.oversky.gateway.acme.ChallengeAnswers(config.cluster().secret(), config.publicUrl(), monitor, dht, failures, b.clock);
    addBean(challenges);
    org.oversky.gateway.acme.AcmeManager acme = config.tls().acme().on()
        ? new org.oversky.gateway.acme.AcmeManager(config.tls().acme(), config.cluster().secret(), config.publicUrl(), monitor, dht,
            challenges, certificates, config.dataDir(), config.dht().providerTtl(), failures, b.clock)
        : null;
    if (acme != null) {
      addBean(acme);
    }
    java.util.List<org.oversky.gateway.metrics.History.Series> series = new java.util.ArrayList<>(java.util.List.of(
        new org.oversky.gateway.metrics.History.Series("requests", metrics::requestCount, true),
        new org.oversky.gateway.metrics.History.Series("bytesSent", metrics::bytesSent, true),
        new org.oversky.gateway.metrics.History.Series("hits", () -> metrics.outcomeCount("hit"), true),
        new org.oversky.gateway.metrics.History.Series("peerFills", () -> metrics.outcomeCount("peer"), true),
        new org.oversky.gateway.metrics.History.Series("originFills", () -> metrics.outcomeCount("stored"), true),
        new org.oversky.gateway.metrics.History.Series("bytesFromPeers",
            () -> cooperation.status().get("bytesFromPeers") instanceof Number n ? n.longValue() : 0, true),
        new org.oversky.gateway.metrics.History.Series("originErrors",
            () -> sites.originPools().stream().flatMap(p -> p.status().stream()).mapToLong(o -> o.failures()).sum(), true),
        new org.oversky.gateway.metrics.History.Series("originLatencyMs",
            () -> (long) sites.originPools().stream().flatMap(p -> p.status().stream()).mapToDouble(o -> o.latencyMillis())
                .filter(v -> v >= 0).average().orElse(0), false),
        new org.oversky.gateway.metrics.History.Series("bytesFromOrigins", sites::bytesFromOrigins, true)));
    for (org.oversky.gateway.origin.OriginPool pool : sites.originPools()) { // each site's own, for its chart
      series.add(new org.oversky.gateway.metrics.History.Series("originErrors:" + pool.site(),
          () -> pool.status().stream().mapToLong(o -> o.failures()).sum(), true));
      series.add(new org.oversky.gateway.metrics.History.Series("originLatencyMs:" + pool.site(),
          () -> (long) pool.status().stream().mapToDouble(o -> o.latencyMillis()).filter(v -> v >= 0).average().orElse(0), false));
    }
    org.oversky.gateway.metrics.History history = org.oversky.gateway.metrics.History.lastHour(series, b.clock, failures);
    addBean(history);
    NodeInfo info =
        new NodeInfo(
            config,
            identity,
            store,
            Map.<String, java.util.function.Supplier<Map<String, Object>>>ofEntries(
                Map.entry("dht", dht::status), Map.entry("cluster", () -> clusterStatus(cooperation, sites, handOver)), Map.entry("cache", metrics::cacheOutcomes),
                Map.entry("routing", routing::status),
                Map.entry("origins", () -> originStatus(sites)),
                Map.entry("view", monitor::byRegion),
                Map.entry("replicas", replicas::status),
                Map.entry("purge", purges::status),
                Map.entry("acme", () -> acme != null ? acme.status() : Map.of("enabled", false, "challenges", challenges.status())),
                Map.entry("dns", () -> dnsStatus(dns, updater)),
                Map.entry("dnslink", () -> dnslinkResolver.map(r -> r.status()).orElse(Map.of("enabled", false)))));
    ApiHandler api =
        new ApiHandler(fetcher, store, new Hosts(dht, monitor::regionOf), info, sites, config.adminToken(),
            new RoutingApi(config.publicUrl().toString(), routing, monitor), replicas, purges, challenges, handOver, history::snapshot);
    KeyHandler key = new KeyHandler(store, dht.misses((request, keyHex, providers) -> http.provider(request, keyHex, providers)
        .map(p -> new org.oversky.gateway.dht.ProviderRoute.Routed(p.url(), p.reason()))));
    java.util.Optional<org.oversky.gateway.dnslink.DnslinkHandler> dnslink = dnslinkResolver.map(r ->
        new org.oversky.gateway.dnslink.DnslinkHandler(config.dns().dnslink(), r, key, b.clock));
    this.handler = new org.oversky.gateway.http.AuthorityHost(
        new MetricsHandler(
            metrics,
            b.mount,
            new Routes(
                b.embedded,
                b.mount,
                sites,
                key,
                dht.handler(),
                api,
                new LegacyHandler(api, config),
                new StatusHandler(info, metrics),
                load,
                http,
                dnslink,
                challenges)));
  }

  /** The {@code replicas} option of the site a response URL belongs to, 0 when none. */
  private static java.util.function.ToIntFunction<String> siteReplicas(java.util.List<org.oversky.conf.SiteConfig> configured) {
    org.oversky.gateway.proxy.Sites sites = new org.oversky.gateway.proxy.Sites(configured);
    return url -> {
      String authority = java.net.URI.create(url).getRawAuthority(); // stored URLs are normalised absolute URLs
      return authority == null ? 0 : sites.match(authority).map(org.oversky.conf.SiteConfig::replicas).orElse(0);
    };
  }

  private static java.net.InetSocketAddress dnslinkResolverAddress(org.oversky.conf.DnsSettings.Dnslink settings) {
    if (settings.resolver().isPresent()) {
      org.oversky.conf.HostPort r = settings.resolver().get();
      java.net.InetAddress ip = org.oversky.routing.zone.Addresses.literal(r.host()).orElseThrow(() -> new org.oversky.conf.ConfigException(
          org.oversky.conf.Settings.DNSLINK_RESOLVER.key(), "dnslink.resolver (--dnslink-resolver) must be an IP address and port, such as 127.0.0.53:53, got " + r));
      return new java.net.InetSocketAddress(ip, r.port());
    }
    return org.oversky.gateway.dnslink.DnslinkResolver.systemResolver().orElseThrow(() -> new org.oversky.conf.ConfigException(
        org.oversky.conf.Settings.DNSLINK_RESOLVER.key(), "dnslink.hosts needs a resolver, and the system has none: give dnslink.resolver (--dnslink-resolver IP:PORT)"));
  }

  private static Map<String, Object> dnsStatus(org.oversky.gateway.dns.DnsService dns, org.oversky.gateway.dns.DnsUpdater updater) {
    Map<String, Object> out = new java.util.LinkedHashMap<>(dns == null ? Map.of("enabled", false) : dns.status());
    if (updater != null) {
      out.put("update", updater.status());
    }
    return out;
  }

  /** Each site's origins with their health and latency, for the status document. */
  private static Map<String, Object> originStatus(SiteHandler sites) {
    Map<String, Object> out = new java.util.TreeMap<>();
    for (org.oversky.gateway.origin.OriginPool pool : sites.originPools()) {
      out.put(pool.site(), pool.status().stream().map(o -> {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("url", o.url().toString());
        m.put("priority", o.priority());
        m.put("weight", o.weight());
        m.put("ejected", o.ejected());
        m.put("ejectedUntil", o.ejectedUntilMillis() == 0 ? null : java.time.Instant.ofEpochMilli(o.ejectedUntilMillis()).toString());
        m.put("ejections", o.ejections());
        m.put("failuresInARow", o.failuresInARow());
        m.put("requests", o.requests());
        m.put("failures", o.failures());
        m.put("latencyMillis", o.latencyMillis() < 0 ? null : Math.round(o.latencyMillis() * 10) / 10.0);
        return m;
      }).toList());
    }
    return out;
  }

  /** Registers each origin's figures: {@code oversky_origin_*{site, origin}}. */
  private static void bindOriginMetrics(SiteHandler sites, io.micrometer.core.instrument.MeterRegistry registry) {
    for (org.oversky.gateway.origin.OriginPool pool : sites.originPools()) {
      for (org.oversky.gateway.origin.OriginPool.Status o : pool.status()) {
        java.util.function.Function<org.oversky.gateway.origin.OriginPool, org.oversky.gateway.origin.OriginPool.Status> now =
            p -> p.status().stream().filter(x -> x.url().equals(o.url())).findFirst().orElseThrow();
        io.micrometer.core.instrument.Tags tags = io.micrometer.core.instrument.Tags.of("site", pool.site(), "origin", o.url().toString());
        io.micrometer.core.instrument.Gauge.builder("oversky.origin.ejected", pool, p -> now.apply(p).ejected() ? 1 : 0)
            .tags(tags).description("1 while the origin is ejected for failing").register(registry);
        io.micrometer.core.instrument.Gauge.builder("oversky.origin.latency.millis", pool, p -> now.apply(p).latencyMillis())
            .tags(tags).description("Moving average of the origin's time to response headers (-1 before its first answer)").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("oversky.origin.requests", pool, p -> now.apply(p).requests())
            .tags(tags).description("Requests the origin answered or failed").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("oversky.origin.failures", pool, p -> now.apply(p).failures())
            .tags(tags).description("5xx answers, refused connections and timeouts from the origin").register(registry);
      }
    }
  }

  /** A builder for a gateway on {@code config}'s data directory. */
  public static Builder builder(NodeConfig config) {
    return new Builder(config);
  }

  /** A standalone gateway: answers every request it is given. */
  public static Gateway open(NodeConfig config) throws IOException {
    return builder(config).build();
  }

  /** How a gateway is mounted. */
  public static final class Builder {
    private final NodeConfig config;
    private boolean embedded;
    private String mount = "";
    private MeterRegistry meterRegistry;
    private java.time.InstantSource clock = java.time.InstantSource.system();

    private Builder(NodeConfig config) {
      this.config = config;
    }

    /**
     * The clock the cache reckons freshness, age and expiry by (default: the system's). Tests
     * give a clock they advance, instead of waiting.
     */
    public Builder clock(java.time.InstantSource value) {
      this.clock = java.util.Objects.requireNonNull(value, "clock");
      return this;
    }

    /**
     * Embedded in a host server: the handler takes only requests for the configured sites' hosts
     * and for its own paths (below the mount prefix); for anything else it returns false, so the
     * host's next handler answers it. Standalone (the default), the rest is refused with 421.
     */
    public Builder embedded(boolean value) {
      this.embedded = value;
      return this;
    }

    /**
     * The prefix the node's own paths ({@code /key/}, {@code /api/v1/}, {@code /healthz}, …) live
     * under, such as {@code /cdn}; empty (the default) for the root. Site requests are matched by
     * Host, whatever their path.
     */
    public Builder mount(String prefix) {
      String p = prefix == null ? "" : prefix.trim();
      while (p.endsWith("/")) {
        p = p.substring(0, p.length() - 1);
      }
      if (!p.isEmpty() && !p.startsWith("/")) {
        throw new IllegalArgumentException("the mount prefix must start with '/', got '" + prefix + "'");
      }
      this.mount = p;
      return this;
    }

    /** Registers the node's meters in the host's registry instead of a Prometheus registry of its own. */
    public Builder meterRegistry(MeterRegistry registry) {
      this.meterRegistry = registry;
      return this;
    }

    /**
     * Prepares the data directory when it is new (identity, config file), opens the store
     * (recovering it after a crash) and builds the gateway; start it with its host.
     */
    public Gateway build() throws IOException {
      NodeRouting routing = NodeRouting.load(config.routing()); // a wrong region map stops the node before it opens anything
      NodeIdentity identity = DataDir.prepare(config.dataDir());
      ContentStore store = ContentStore.open(DataDir.store(config.dataDir()), config.store());
      return new Gateway(this, identity, store, routing);
    }
  }

  /** The sites' certificates for a TLS listener: the configured ones, then those ordered over ACME. */
  public org.oversky.gateway.tls.SiteCertificates certificates() {
    return certificates;
  }

  /** The answers to ACME challenges this node gives: its own orders' and its cluster's. */
  public org.oversky.gateway.acme.ChallengeAnswers challenges() {
    return challenges;
  }

  /** Where the node's components count and log what failed. */
  public Failures failures() {
    return failures;
  }

  /** The handler to mount. */
  public Handler handler() {
    return handler;
  }

  /** The configuration this gateway was built from. */
  public NodeConfig config() {
    return config;
  }

  /** The node's identity. */
  public NodeIdentity identity() {
    return identity;
  }

  /** The content store. */
  public ContentStore store() {
    return store;
  }

  /** The node's place in the DHT. */
  public DhtService dht() {
    return dht;
  }

  /** The node's meters. */
  public GatewayMetrics metrics() {
    return metrics;
  }

  @Override
  protected void doStop() throws Exception {
    super.doStop();
    routing.close();
    store.close();
  }
}
