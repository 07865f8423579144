package org.oversky.gateway.dns;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.oversky.conf.ConfigException;
import org.oversky.conf.DnsSettings;
import org.oversky.conf.SiteConfig;
import org.oversky.conf.Settings;
import org.oversky.dns.update.Primary;
import org.oversky.dns.update.TsigKeyFile;
import org.oversky.gateway.metrics.Failures;
import org.oversky.gateway.routing.ClusterMonitor;
import org.oversky.gateway.routing.NodeRouting;
import org.oversky.routing.zone.Addresses;
import org.oversky.routing.zone.Locality;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Name;
import org.xbill.DNS.TextParseException;

/**
 * Keeps each site's A/AAAA records current in an authoritative server the operator already runs
 * ({@code dns.update-*}): every {@link #TICK_MILLIS}, the node its region elects reads the
 * names' records from the primary and sends one signed RFC 2136 UPDATE with what {@link
 * UpdatePlan} says: its region's routable nodes added, its region's others deleted. A node taken
 * down by the view leaves DNS within a tick of the verdict; one seen up enters within a tick. The
 * other nodes of the region only watch, and take over within a tick when the updater leaves the
 * view. Runs on its own thread: the calls to the primary block.
 */
public final class DnsUpdater extends AbstractLifeCycle {
  /** How often the view is compared with the primary. */
  public static final long TICK_MILLIS = 1_000;

  /** How long one query or update may take. */
  static final Duration TIMEOUT = Duration.ofSeconds(3);

  private static final Logger LOG = LoggerFactory.getLogger(DnsUpdater.class);

  private final DnsSettings.Update settings;
  private final URI self;
  private final String region;
  private final NodeRouting routing;
  private final ClusterMonitor monitor;
  private final Failures failures;
  private final InstantSource clock;
  private final Map<Name, String> names = new LinkedHashMap<>();
  private final Primary primary;
  private final LongAdder updates = new LongAdder();
  private final LongAdder added = new LongAdder();
  private final LongAdder deleted = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final io.micrometer.core.instrument.MeterRegistry registry;
  /** Written by the tick's one thread; read by the status page. */
  private volatile String leader = "";
  private volatile String lastError = "";
  private volatile long lastUpdateMillis = -1;
  private ScheduledExecutorService scheduler;

  public DnsUpdater(DnsSettings.Update settings, List<SiteConfig> sites, URI self, NodeRouting routing, ClusterMonitor monitor,
      io.micrometer.core.instrument.MeterRegistry registry, Failures failures, InstantSource clock) {
    this.settings = settings;
    this.self = self;
    this.region = routing.region();
    this.routing = routing;
    this.monitor = monitor;
    this.registry = registry;
    this.failures = failures;
    this.clock = clock;
    InetAddress server = Addresses.literal(settings.server().host()).orElseThrow(() -> new ConfigException(Settings.DNS_UPDATE_SERVER.key(),
        "dns.update-server (--dns-update-server) must be an IP address and port, such as 192.0.2.53:53, got " + settings.server()));
    TsigKeyFile key;
    try {
      key = TsigKeyFile.read(settings.keyFile());
    } catch (IOException | IllegalArgumentException e) {
      throw new ConfigException(Settings.DNS_UPDATE_KEY.key(), "dns.update-key (--dns-update-key) " + settings.keyFile() + ": "
          + (e instanceof IOException ? "cannot be read (" + e + ")" : e.getMessage()));
    }
    try {
      Name zone = Name.fromString(settings.zone() + ".");
      DnsService.siteNames(sites).forEach((relative, host) -> {
        try {
          names.put(Name.fromString(relative + "." + settings.zone() + "."), host);
        } catch (TextParseException e) {
          throw new ConfigException(Settings.DNS_UPDATE_ZONE.key(), "site " + host + ": " + relative + "." + settings.zone() + " is not a DNS name");
        }
      });
      this.primary = new Primary(new InetSocketAddress(server, settings.server().port()), zone, key, TIMEOUT);
    } catch (TextParseException e) {
      throw new ConfigException(Settings.DNS_UPDATE_ZONE.key(), "dns.update-zone " + settings.zone() + " is not a DNS name");
    }
  }

  @Override
  protected void doStart() {
    scheduler = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("oversky-dns-update").daemon(true).factory());
    scheduler.scheduleWithFixedDelay(this::tick, 0, TICK_MILLIS, TimeUnit.MILLISECONDS);
  }

  @Override
  protected void doStop() throws InterruptedException {
    scheduler.shutdownNow();
    scheduler.awaitTermination(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The view as the plan takes it. */
  private List<UpdatePlan.Member> members() {
    return monitor.nodes().stream()
        .map(v -> new UpdatePlan.Member(v.seenHere().url(), v.seenHere().region(),
            v.routable() ? UpdatePlan.Standing.IN : v.state().equals("joining") ? UpdatePlan.Standing.UNSEEN : UpdatePlan.Standing.OUT))
        .toList();
  }

  /** One comparison: nothing unless this node leads its region; then read, plan, and send what differs. */
  void tick() {
    try {
      List<UpdatePlan.Member> members = members();
      java.util.Optional<URI> elected = UpdatePlan.leaderOf(region, members);
      leader = elected.map(URI::toString).orElse("");
      if (elected.isEmpty() || !elected.get().equals(self)) {
        return;
      }
      Map<Name, Set<InetAddress>> current = new LinkedHashMap<>();
      for (Name name : names.keySet()) {
        current.put(name, primary.addresses(name));
      }
      UpdatePlan plan = UpdatePlan.plan(self, region, members, current,
          a -> routing.locate(a).map(Locality.Located::region));
      if (plan.changes().isEmpty()) {
        return;
      }
      primary.update(plan.changes(), settings.ttlSeconds());
      updates.increment();
      registry.counter("oversky.dns.updates", "result", "sent").increment();
      plan.changes().forEach((name, change) -> {
        added.add(change.add().size());
        deleted.add(change.delete().size());
        LOG.info("dns update at {}: {} +{} -{}", primary, name, addresses(change.add()), addresses(change.delete()));
      });
      lastUpdateMillis = clock.millis();
      lastError = "";
    } catch (IOException | RuntimeException e) {
      failed.increment();
      registry.counter("oversky.dns.updates", "result", "failed").increment();
      lastError = e.getMessage() == null ? e.toString() : e.getMessage();
      failures.report(LOG, "dns-update-failed", "the DNS update at " + primary + " failed (" + lastError + "); the next tick tries again", e);
    }
  }

  private static List<String> addresses(Set<InetAddress> set) {
    return set.stream().map(InetAddress::getHostAddress).sorted().toList();
  }

  /** The updates part of the status document. */
  public Map<String, Object> status() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("server", settings.server().toString());
    out.put("zone", settings.zone());
    out.put("names", names.keySet().stream().map(Name::toString).toList());
    out.put("regionUpdater", leader);
    out.put("updating", leader.equals(self.toString()));
    out.put("updates", updates.sum());
    out.put("recordsAdded", added.sum());
    out.put("recordsDeleted", deleted.sum());
    out.put("failures", failed.sum());
    out.put("lastError", lastError);
    out.put("lastUpdateMillis", lastUpdateMillis);
    return out;
  }
}
