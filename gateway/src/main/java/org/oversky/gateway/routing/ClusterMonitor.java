package org.oversky.gateway.routing;

import java.net.URI;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.eclipse.jetty.client.BufferingResponseListener;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.oversky.gateway.http.Json;
import org.oversky.gateway.metrics.Failures;
import org.oversky.routing.decision.Decision;
import org.oversky.routing.view.NodeState;
import org.oversky.routing.view.Observed;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's view of the others: every {@link #PROBE_MILLIS} it asks each node it knows (its DHT
 * contacts, and any seen before) for {@code GET /api/v1/health}, and each answer or miss moves that
 * node through {@link Observed#after} (up after {@link #UP_AFTER} answers in a row, down after
 * {@link #DOWN_AFTER} misses), and each answer ({@link HealthAnswer}: the node's load, its own
 * view, its round trips) is kept as that node's report; a node is out of routing only when a
 * quorum of its observers agree ({@link #verdict}). {@link #decide} hands the view to the routing
 * decision. Indirect probes are not built yet. The view and the reports have one writer, {@link
 * #observe}.
 */
public final class ClusterMonitor extends AbstractLifeCycle {
  /** How often every known node is probed. */
  public static final long PROBE_MILLIS = 2_000;
  /** How long a probe may take before it counts as missed. */
  public static final long PROBE_TIMEOUT_MILLIS = 1_000;
  /** Answers in a row that make a node up. */
  public static final int UP_AFTER = 5;
  /** Misses in a row that make a node down. */
  public static final int DOWN_AFTER = 3;
  /** The path a node answers probes at. */
  public static final String HEALTH_PATH = "/api/v1/health";

  private static final Logger LOG = LoggerFactory.getLogger(ClusterMonitor.class);

  private final URI self;
  private final NodeRouting routing;
  private final Supplier<List<URI>> known;
  private final InstantSource clock;
  private final Failures failures;
  private final LoadMeter load;
  private final Map<URI, Observed> view = new ConcurrentHashMap<>();
  /** Each node's last health answer (its load, and what its own probes saw of the others), and when. */
  private final Map<URI, Report> reports = new ConcurrentHashMap<>();
  /** Each node's last probe round trip, in milliseconds. */
  private final Map<URI, Long> rtt = new ConcurrentHashMap<>();
  /** A report counts for this long after it came. */
  static final long REPORT_FRESH_MILLIS = 3 * PROBE_MILLIS;

  private record Report(long atMillis, HealthAnswer said) {}

  /** Whether this node is draining: out of new routing, still serving. Written by the drain API only. */
  private volatile boolean draining;

  /** A node as routing sees it: this node's own observation and what the others say of it. */
  public record Verdict(Observed seenHere, String state, int observers, int sayDown, int sayUp) {
    /** Up, or suspected by too few to take it out: a node that sees fewer than a quorum declares no one dead. */
    public boolean routable() {
      return state.equals("up") || state.equals("suspect");
    }
  }
  private HttpClient client;
  private ScheduledExecutorService scheduler;

  public ClusterMonitor(
      URI self, NodeRouting routing, LoadMeter load, Supplier<List<URI>> known, InstantSource clock, Failures failures) {
    this.self = self;
    this.routing = routing;
    this.load = load;
    this.known = known;
    this.clock = clock;
    this.failures = failures;
  }

  @Override
  protected void doStart() throws Exception {
    QueuedThreadPool threads = new QueuedThreadPool(8, 1);
    threads.setName("oversky-probe");
    threads.setDaemon(true);
    client = new HttpClient();
    client.setExecutor(threads);
    client.setConnectTimeout(PROBE_TIMEOUT_MILLIS);
    client.setFollowRedirects(false);
    client.start();
    scheduler = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("oversky-probe-rounds").daemon(true).factory());
    scheduler.scheduleWithFixedDelay(this::probeAll, PROBE_MILLIS, PROBE_MILLIS, TimeUnit.MILLISECONDS);
  }

  @Override
  protected void doStop() throws Exception {
    scheduler.shutdownNow();
    client.stop();
  }

  /** One round: a new sample of this node's load, and a probe to every node known, none waited for here. */
  void probeAll() {
    try {
      load.sample();
      Set<URI> targets = new LinkedHashSet<>(known.get());
      targets.addAll(view.keySet());
      targets.remove(self);
      for (URI url : targets) {
        probe(url);
      }
    } catch (RuntimeException e) {
      failures.report(LOG, "probe-round-failed", "a round of health probes failed; the next one runs as planned", e);
    }
  }

  private void probe(URI url) {
    long sent = System.nanoTime();
    client.newRequest(url + HEALTH_PATH)
        .timeout(PROBE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
        .send(new BufferingResponseListener(64 * 1024) {
          @Override
          public void onComplete(org.eclipse.jetty.client.Result result) {
            long millis = (System.nanoTime() - sent) / 1_000_000;
            Optional<HealthAnswer> answer = Optional.empty();
            if (!result.isFailed() && result.getResponse().getStatus() == 200) {
              try {
                answer = HealthAnswer.parse(Json.MAPPER.readTree(getContent()));
              } catch (java.io.IOException e) {
                answer = Optional.empty(); // not JSON: not a node's health answer, a miss
              }
            }
            observe(url, answer, millis);
          }
        });
  }

  /**
   * Records one probe's outcome (an answer, or a miss when empty) and its round trip: the only
   * writer of the view, the reports and the round trips.
   */
  void observe(URI url, Optional<HealthAnswer> answer, long rttMillis) {
    long now = clock.millis();
    String region = answer.map(HealthAnswer::region).orElse("");
    view.compute(url, (u, o) -> (o == null ? Observed.joining(u, now) : o).after(answer.isPresent(), region, now, UP_AFTER, DOWN_AFTER));
    answer.ifPresent(a -> {
      reports.put(url, new Report(now, a));
      rtt.put(url, rttMillis);
    });
  }

  /** The region {@code url}'s node gave in its last health answer, if it has answered. */
  public java.util.Optional<String> regionOf(URI url) {
    Observed o = view.get(url);
    return o == null || o.region().isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(o.region());
  }

  /** Takes this node out of new routing ({@code true}) or back in; it goes on serving either way. */
  public void drain(boolean on) {
    draining = on;
    LOG.info(on ? "draining: out of new routing, still serving" : "drain ended: back in routing");
  }

  /** Whether this node is draining. */
  public boolean draining() {
    return draining;
  }

  /** This node's health answer: its region, drain flag and load, and its own observations, which others count toward a quorum. */
  public HealthAnswer ownAnswer() {
    Map<URI, NodeState> seen = new java.util.HashMap<>();
    view.values().forEach(o -> seen.put(o.url(), o.state()));
    return new HealthAnswer(routing.region(), draining, load.current(), seen, ownRtt());
  }

  /** This node's median round trip to the up nodes of each region, in milliseconds. */
  Map<String, Long> ownRtt() {
    Map<String, List<Long>> byRegion = new java.util.HashMap<>();
    for (Observed o : view.values()) {
      Long r = rtt.get(o.url());
      if (r != null && o.state() == NodeState.UP && !o.region().isEmpty()) {
        byRegion.computeIfAbsent(o.region(), k -> new ArrayList<>()).add(r);
      }
    }
    return median(byRegion);
  }

  /**
   * The round trip from {@code region} to each region: the median of what that region's nodes
   * measured (from their fresh reports), or this node's own measurement where none did.
   */
  Map<String, Long> rttFrom(String region) {
    long now = clock.millis();
    Map<String, List<Long>> byRegion = new java.util.HashMap<>();
    if (region.equals(routing.region())) {
      ownRtt().forEach((r, ms) -> byRegion.computeIfAbsent(r, k -> new ArrayList<>()).add(ms));
    }
    for (Map.Entry<URI, Report> e : reports.entrySet()) {
      HealthAnswer a = e.getValue().said();
      if (now - e.getValue().atMillis() <= REPORT_FRESH_MILLIS && a.region().equals(region)) {
        a.rttMillis().forEach((r, ms) -> byRegion.computeIfAbsent(r, k -> new ArrayList<>()).add(ms));
      }
    }
    Map<String, Long> out = new java.util.HashMap<>(ownRtt());
    out.putAll(median(byRegion));
    return out;
  }

  private static Map<String, Long> median(Map<String, List<Long>> byRegion) {
    Map<String, Long> out = new java.util.HashMap<>();
    byRegion.forEach((r, list) -> {
      List<Long> sorted = list.stream().sorted().toList();
      out.put(r, sorted.get(sorted.size() / 2));
    });
    return out;
  }

  /**
   * How routing sees {@code o}: {@code down} when a quorum of its observers (this node and every
   * other it knows, each with a fresh report) say so; {@code up} when this node sees it up, or
   * sees it down without a quorum while another reaches it; {@code draining} when its last answer
   * said so (out of new routing); {@code suspect} when this node alone
   * (or too few) cannot reach it; {@code joining} before it has answered enough.
   */
  Verdict verdict(Observed o) {
    long now = clock.millis();
    int observers = view.size(); // this node, and the others it knows but o
    int sayDown = o.state() == NodeState.DOWN ? 1 : 0;
    int sayUp = o.state() == NodeState.UP ? 1 : 0;
    for (Map.Entry<URI, Report> e : reports.entrySet()) {
      if (e.getKey().equals(o.url()) || now - e.getValue().atMillis() > REPORT_FRESH_MILLIS) {
        continue;
      }
      NodeState said = e.getValue().said().view().get(o.url());
      sayDown += said == NodeState.DOWN ? 1 : 0;
      sayUp += said == NodeState.UP ? 1 : 0;
    }
    Report own = reports.get(o.url());
    String state;
    if (org.oversky.routing.view.Quorum.down(observers, sayDown)) {
      state = "down";
    } else if (own != null && own.said().draining() && o.state() != NodeState.DOWN) {
      state = "draining";
    } else if (o.state() == NodeState.UP || (o.state() == NodeState.DOWN && sayUp > 0)) {
      state = "up";
    } else if (o.state() == NodeState.DOWN) {
      state = "suspect";
    } else {
      state = "joining";
    }
    return new Verdict(o, state, observers, sayDown, sayUp);
  }

  /** Every node known with its verdict, this one first (always up), then by URL. */
  public List<Verdict> nodes() {
    List<Verdict> out = new ArrayList<>();
    out.add(new Verdict(new Observed(self, routing.region(), NodeState.UP, 0, 0, 0), draining ? "draining" : "up", 0, 0, 0));
    view.values().stream().sorted(Comparator.comparing(o -> o.url().toString())).map(this::verdict).forEach(out::add);
    return out;
  }

  /** The nodes routing may choose, this one included: routable and not draining. */
  public List<Decision.Candidate> up() {
    return candidates().stream().filter(c -> c.healthy() && !c.draining()).toList();
  }

  /**
   * Every node that has been up, this one included, as the decision takes them: healthy when
   * routable, draining as it said, with its last load. Nodes that have never answered enough
   * (joining) are not candidates, not even in panic.
   */
  public List<Decision.Candidate> candidates() {
    List<Decision.Candidate> out = new ArrayList<>();
    for (Verdict v : nodes()) {
      if (v.state().equals("joining")) {
        continue;
      }
      URI url = v.seenHere().url();
      Report r = reports.get(url);
      org.oversky.routing.view.Load l = url.equals(self) ? load.current() : r == null ? org.oversky.routing.view.Load.UNKNOWN : r.said().load();
      out.add(new Decision.Candidate(url, v.seenHere().region(), v.routable(), v.state().equals("draining"), l));
    }
    return out;
  }

  /**
   * The decision for a client in {@code clientRegion} (empty: unknown) and a routing key, over
   * this node's view: the default region is this node's; fallbacks come from the region map;
   * round trips are as the client's region's nodes measured them.
   */
  public Decision.Answer decide(Optional<String> clientRegion, byte[] routingKey, int count, int rotation) {
    Decision.Policy policy = new Decision.Policy(
        routing.region(), routing.zones().fallbacks(), rttFrom(clientRegion.orElse(routing.region())));
    return Decision.choose(clientRegion, routingKey, candidates(), policy, count, rotation);
  }
}
