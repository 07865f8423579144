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
import org.oversky.gateway.http.Json;
import org.oversky.gateway.metrics.Failures;
import org.oversky.routing.decision.Decision;
import org.oversky.routing.view.NodeState;
import org.oversky.routing.view.Observed;
import org.oversky.routing.view.Quorum;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's view of the others. Every {@link #PROBE_MILLIS} it asks a bounded set of the nodes
 * it knows (its DHT contacts, any seen before, any another node told of) for {@code GET
 * /api/v1/health}: every node of its own region and {@link #SAMPLE} of the others, in turn
 * ({@link #targets}). Each answer or miss moves that node through {@link Observed#after} (up after
 * {@link #UP_AFTER} answers in a row, down after {@link #DOWN_AFTER} misses), and each answer
 * ({@link HealthAnswer}: the node's load, its view of the others, its round trips) is kept as that
 * node's report. After a miss, {@link #INDIRECT} other nodes are asked to probe the node too
 * (SWIM's indirect probes), so that this node's broken link alone suspects no one. A node is out
 * of routing only when a quorum of observers agree ({@link #verdict}), or when a node that saw such
 * a quorum itself says so and this node does not reach it. {@link #decide} hands the view to the
 * routing decision. The view, the reports and the indirect results have one writer each: {@link
 * #observe} and {@link #observeIndirect}.
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
  /** The path a node answers indirect probes at: {@code ?url=} a node it knows. */
  public static final String INDIRECT_PATH = "/api/v1/health/probe";
  /** How many nodes of other regions a round probes, in turn. */
  public static final int SAMPLE = 4;
  /** How many other nodes are asked to probe a node this node missed. */
  public static final int INDIRECT = 2;

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
  /** Per node missed here: each helper asked to probe it, whether it reached it, and when. */
  private final Map<URI, Map<URI, Indirect>> indirect = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.LongAdder probesSent = new java.util.concurrent.atomic.LongAdder();
  private final java.util.concurrent.atomic.LongAdder indirectAsked = new java.util.concurrent.atomic.LongAdder();
  /** Probe rounds run; written by the round's one thread. */
  private long rounds;
  /** A report counts for this long after it came. */
  static final long REPORT_FRESH_MILLIS = 3 * PROBE_MILLIS;

  private record Report(long atMillis, HealthAnswer said) {}

  private record Indirect(long atMillis, boolean reached) {}

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
  /** When this node started (ms since the epoch), in its health answer: a restart shows as a new value. */
  private final long started;

  public ClusterMonitor(
      URI self, NodeRouting routing, LoadMeter load, Supplier<List<URI>> known, InstantSource clock, Failures failures) {
    this.self = self;
    this.routing = routing;
    this.load = load;
    this.known = known;
    this.clock = clock;
    this.failures = failures;
    this.started = clock.millis();
  }

  @Override
  protected void doStart() throws Exception {
    client = org.oversky.gateway.http.NodeClients.start("oversky-probe", PROBE_TIMEOUT_MILLIS);
    scheduler = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("oversky-probe-rounds").daemon(true).factory());
    scheduler.scheduleWithFixedDelay(this::probeAll, PROBE_MILLIS, PROBE_MILLIS, TimeUnit.MILLISECONDS);
  }

  @Override
  protected void doStop() throws Exception {
    scheduler.shutdownNow();
    client.stop();
  }

  /** One round: a new sample of this node's load, and a probe to each of this round's targets, none waited for here. */
  void probeAll() {
    try {
      load.sample();
      for (URI url : targets(rounds++)) {
        probe(url);
      }
    } catch (RuntimeException e) {
      failures.report(LOG, "probe-round-failed", "a round of health probes failed; the next one runs as planned", e);
    }
  }

  /**
   * The nodes round {@code round} probes: every node known in this node's region (or of no known
   * region yet), and {@link #SAMPLE} of the others, taken in turn by URL so that each is probed
   * every few rounds. A node's probe traffic grows with its region, not with the network.
   */
  List<URI> targets(long round) {
    Set<URI> all = new LinkedHashSet<>(known.get());
    all.addAll(view.keySet());
    all.remove(self);
    List<URI> out = new ArrayList<>();
    List<URI> others = new ArrayList<>();
    for (URI url : all) {
      Observed o = view.get(url);
      String region = o == null ? "" : o.region();
      (region.isEmpty() || region.equals(routing.region()) ? out : others).add(url);
    }
    others.sort(Comparator.comparing(URI::toString));
    int take = Math.min(SAMPLE, others.size());
    for (int i = 0; i < take; i++) {
      out.add(others.get((int) ((round * SAMPLE + i) % others.size())));
    }
    return out;
  }

  /** Registers the probe counters and the view's size by state. */
  public void bindMetrics(io.micrometer.core.instrument.MeterRegistry registry) {
    io.micrometer.core.instrument.FunctionCounter.builder("oversky.routing.probes.sent", this, ClusterMonitor::probesSent)
        .description("Health probes sent, direct and indirect").register(registry);
    io.micrometer.core.instrument.FunctionCounter.builder("oversky.routing.indirect.asked", this, ClusterMonitor::indirectAsked)
        .description("Indirect probes asked of other nodes after a miss").register(registry);
    io.micrometer.core.instrument.FunctionCounter.builder("oversky.routing.refused", load, LoadMeter::refused)
        .description("Site and key requests refused at the hard capacity").register(registry);
    for (String state : List.of("up", "suspect", "down", "draining", "left", "joining")) {
      io.micrometer.core.instrument.Gauge.builder("oversky.routing.nodes", this, m -> m.nodes().stream().filter(v -> v.state().equals(state)).count())
          .tag("state", state).description("Nodes in this node's view, by state").register(registry);
    }
  }

  /** Probes sent since the node started, direct and for others. */
  public long probesSent() {
    return probesSent.sum();
  }

  /** Indirect probes this node asked others for since it started. */
  public long indirectAsked() {
    return indirectAsked.sum();
  }

  /** Probes {@code url} and hands the outcome (an answer or a miss, and the round trip) to {@code done}. */
  private void probe(URI url) {
    probeThen(url, (answer, millis) -> observe(url, answer, millis));
  }

  private void probeThen(URI url, java.util.function.BiConsumer<Optional<HealthAnswer>, Long> done) {
    probesSent.increment();
    long sent = System.nanoTime();
    client.newRequest(url + HEALTH_PATH)
        .timeout(PROBE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
        .send(new BufferingResponseListener(64 * 1024) {
          @Override
          public void onComplete(org.eclipse.jetty.client.Result result) {
            long millis = (System.nanoTime() - sent) / 1_000_000;
            Optional<HealthAnswer> answer = Optional.empty();
            if (!result.isFailed() && result.getResponse().getStatus() == 200) {
              answer = HealthAnswer.parse(getContent()); // empty when it is not a node's health answer: a miss
            }
            done.accept(answer, millis);
          }
        });
  }

  /**
   * An indirect probe for another node: probes {@code url}, if it is a node this one knows (never
   * an address a caller names), and hands whether it answered to {@code done}; empty when {@code
   * url} is not a node known here.
   */
  public boolean probeFor(URI url, java.util.function.BiConsumer<Boolean, Long> done) {
    if (url.equals(self) || !(view.containsKey(url) || known.get().contains(url))) {
      return false;
    }
    probeThen(url, (answer, millis) -> done.accept(answer.isPresent(), millis));
    return true;
  }

  /** After a miss of {@code target}: asks {@link #INDIRECT} helpers to probe it, its region's first. */
  private void askIndirect(URI target, String targetRegion) {
    List<URI> helpers = nodes().stream()
        .filter(v -> v.routable() && !v.seenHere().url().equals(self) && !v.seenHere().url().equals(target))
        .map(Verdict::seenHere)
        .sorted(Comparator.comparing((Observed o) -> !o.region().equals(targetRegion))
            .thenComparing(o -> Integer.toHexString((o.url().toString() + target).hashCode())))
        .limit(INDIRECT)
        .map(Observed::url)
        .toList();
    for (URI helper : helpers) {
      indirectAsked.increment();
      client.newRequest(helper + INDIRECT_PATH)
          .param("url", target.toString())
          .timeout(2 * PROBE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
          .send(new BufferingResponseListener(4 * 1024) {
            @Override
            public void onComplete(org.eclipse.jetty.client.Result result) {
              if (result.isFailed() || result.getResponse().getStatus() != 200) {
                return; // the helper did not answer: no word on the target either way
              }
              try {
                com.fasterxml.jackson.databind.JsonNode a = Json.MAPPER.readTree(getContent());
                if (a != null && a.path("reached").isBoolean()) {
                  observeIndirect(target, helper, a.get("reached").asBoolean());
                }
              } catch (java.io.IOException e) {
                failures.report(LOG, "indirect-probe-unreadable", helper + " answered an indirect probe with something other than JSON", e);
              }
            }
          });
    }
  }

  /** Records what {@code helper} found when asked to probe {@code target}: the only writer of the indirect results. */
  void observeIndirect(URI target, URI helper, boolean reached) {
    indirect.computeIfAbsent(target, t -> new ConcurrentHashMap<>()).put(helper, new Indirect(clock.millis(), reached));
  }

  /**
   * Records one probe's outcome (an answer, or a miss when empty) and its round trip: the only
   * writer of the view, the reports and the round trips.
   */
  void observe(URI url, Optional<HealthAnswer> answer, long rttMillis) {
    long now = clock.millis();
    String region = answer.map(HealthAnswer::region).orElse("");
    Observed after = view.compute(url, (u, o) -> (o == null ? Observed.joining(u, now) : o).after(answer.isPresent(), region, now, UP_AFTER, DOWN_AFTER));
    if (answer.isPresent()) {
      HealthAnswer a = answer.get();
      reports.put(url, new Report(now, a));
      rtt.put(url, rttMillis);
      indirect.remove(url);
      a.view().forEach((other, seen) -> {
        if (!other.equals(self) && !seen.region().isEmpty()) {
          view.putIfAbsent(other, Observed.heardOf(other, seen.region(), now)); // told of by another: probed in turn
        }
      });
    } else if (client != null && after.state() != NodeState.DOWN) {
      askIndirect(url, after.region());
    }
    placeable = null; // a verdict may have changed: the next placement sees it, not a computation from before
  }

  /**
   * When each node that answered said it started (ms since the epoch; those that did not say are
   * left out): a node that restarted between two probes, never seen down, shows a new value.
   */
  public Map<URI, Long> starts() {
    Map<URI, Long> out = new java.util.HashMap<>();
    reports.forEach((url, r) -> {
      if (r.said().started() > 0) {
        out.put(url, r.said().started());
      }
    });
    return out;
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
    Map<URI, HealthAnswer.Seen> seen = new java.util.HashMap<>();
    for (Observed o : view.values()) {
      if (o.probedMillis() >= 0) { // what this node saw itself, not what it was told
        Report r = reports.get(o.url());
        seen.put(o.url(), new HealthAnswer.Seen(o.state(), o.region(), tally(o).quorumDown(),
            r != null && r.said().draining()));
      }
    }
    return new HealthAnswer(routing.region(), draining, load.current(), seen, ownRtt(), started);
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

  /** The fresh opinions of a node: how many observers reach it, how many do not, and whether they make a quorum. */
  private record Tally(int observers, int sayDown, int sayUp, boolean quorumDown) {}

  /**
   * What the fresh observations of {@code o} add up to: this node's own (up or down), each fresh
   * report's first-hand state of it, and each fresh indirect probe (a helper's later word replaces
   * its report). The quorum is counted over every node known ({@link Quorum}), so a node cut off
   * from the rest, with no helper answering, can only suspect.
   */
  private Tally tally(Observed o) {
    long now = clock.millis();
    Map<URI, Boolean> reaches = new java.util.HashMap<>();
    if (o.state() != NodeState.JOINING && o.probedWithin(REPORT_FRESH_MILLIS, now)) {
      reaches.put(self, o.state() == NodeState.UP);
    }
    for (Map.Entry<URI, Report> e : reports.entrySet()) {
      if (e.getKey().equals(o.url()) || now - e.getValue().atMillis() > REPORT_FRESH_MILLIS) {
        continue;
      }
      HealthAnswer.Seen said = e.getValue().said().view().get(o.url());
      if (said != null && said.state() != NodeState.JOINING) {
        reaches.put(e.getKey(), said.state() == NodeState.UP);
      }
    }
    indirect.getOrDefault(o.url(), Map.of()).forEach((helper, i) -> {
      if (now - i.atMillis() <= REPORT_FRESH_MILLIS) {
        reaches.put(helper, i.reached());
      }
    });
    int sayUp = (int) reaches.values().stream().filter(b -> b).count();
    int sayDown = reaches.size() - sayUp;
    int observers = view.size(); // this node, and the others it knows but o
    return new Tally(observers, sayDown, sayUp, Quorum.down(observers, sayDown));
  }

  /**
   * How routing sees {@code o}: {@code down} when a quorum of observers say so ({@link #tally}),
   * or when a node that counted such a quorum itself says so and this node does not reach it;
   * {@code draining} when its last answer said so (to this node, or first-hand to another);
   * {@code left} when a node that said it drains is then down or missed here (a planned
   * departure: not counted as one of its region's nodes, so it never puts a region in panic);
   * {@code up} when this node or another reaches it; {@code suspect} (still routed to) when this
   * node cannot and too few agree; {@code joining} before anyone has seen it up.
   */
  Verdict verdict(Observed o) {
    long now = clock.millis();
    Tally t = tally(o);
    boolean reportedDown = false;
    boolean reportedDraining = false;
    for (Map.Entry<URI, Report> e : reports.entrySet()) {
      HealthAnswer.Seen said = e.getValue().said().view().get(o.url());
      if (said != null && !e.getKey().equals(o.url()) && now - e.getValue().atMillis() <= REPORT_FRESH_MILLIS) {
        reportedDown |= said.quorumDown();
        reportedDraining |= said.draining();
      }
    }
    Report own = reports.get(o.url());
    boolean reachedHere = o.state() == NodeState.UP && o.missedInARow() == 0 && o.probedWithin(REPORT_FRESH_MILLIS, now);
    boolean saidDraining = (own != null && own.said().draining()) || reportedDraining;
    String state;
    if (t.quorumDown() || (reportedDown && !reachedHere)) {
      state = saidDraining ? "left" : "down";
    } else if (saidDraining) {
      state = o.state() == NodeState.DOWN ? "left" : "draining";
    } else if (o.state() == NodeState.UP || t.sayUp() > 0) {
      state = "up";
    } else if (o.state() == NodeState.DOWN) {
      state = "suspect";
    } else {
      state = "joining";
    }
    return new Verdict(o, state, t.observers(), t.sayDown(), t.sayUp());
  }

  /** Every node known with its verdict, this one first (always up), then by URL. */
  public List<Verdict> nodes() {
    List<Verdict> out = new ArrayList<>();
    out.add(new Verdict(new Observed(self, routing.region(), NodeState.UP, 0, 0, 0, -1), draining ? "draining" : "up", 0, 0, 0));
    view.values().stream().sorted(Comparator.comparing(o -> o.url().toString())).map(this::verdict).forEach(out::add);
    return out;
  }

  /**
   * The nodes a cluster's soft state (its URL records) is placed on, this one included, by URL:
   * every node known from the DHT's table or the view but those the view holds down, left or
   * draining. A node counts from the moment it is known, not once seen up five times, so that the
   * nodes of a cluster that all know each other place records alike from their first seconds.
   * Computed again after each probe's answer, or when {@link #PLACEABLE_MILLIS} old (the DHT's
   * table changes without a word to this monitor).
   */
  public List<URI> placeable() {
    long now = clock.millis();
    Placeable last = placeable;
    if (last != null && now - last.at() >= 0 && now - last.at() < PLACEABLE_MILLIS) {
      return last.nodes();
    }
    List<URI> nodes = computePlaceable();
    placeable = new Placeable(now, nodes);
    return nodes;
  }

  /** How long {@link #placeable} answers from its last computation: every miss of a cluster asks it. */
  static final long PLACEABLE_MILLIS = 100;

  private record Placeable(long at, List<URI> nodes) {}

  /** The last {@link #placeable} answer (two callers at once may both compute it: the same value). */
  private volatile Placeable placeable;

  private List<URI> computePlaceable() {
    return knownBut(Set.of("down", "left", "draining"));
  }

  /**
   * Every node this one knows but itself and those that left, by URL: the DHT's table and the
   * view, probed or not yet. Where a message for the whole cluster (a purge) goes: a node that
   * joined a moment ago is in the table before its first probe answers, and it serves already.
   */
  public List<URI> messageable() {
    List<URI> out = new ArrayList<>(knownBut(Set.of("left")));
    out.remove(self);
    return out;
  }

  /** Every node known (this one included), by URL, but those whose verdict here is one of {@code states}. */
  private List<URI> knownBut(Set<String> states) {
    Set<URI> all = new java.util.TreeSet<>(known.get());
    all.addAll(view.keySet());
    all.add(self);
    for (Verdict v : nodes()) {
      if (states.contains(v.state())) {
        all.remove(v.seenHere().url());
      }
    }
    return List.copyOf(all);
  }

  /**
   * The view by region, for the status document and page: each region's nodes with their state
   * and load, regions by name, nodes by URL.
   */
  public Map<String, Object> byRegion() {
    Map<URI, org.oversky.routing.view.Load> loads = new java.util.HashMap<>();
    candidates().forEach(c -> loads.put(c.url(), c.load()));
    Map<String, Object> out = new java.util.TreeMap<>();
    for (Verdict v : nodes()) {
      String region = v.seenHere().region().isEmpty() ? "(unknown)" : v.seenHere().region();
      Map<String, Object> n = new java.util.LinkedHashMap<>();
      n.put("url", v.seenHere().url().toString());
      n.put("state", v.state());
      org.oversky.routing.view.Load l = loads.get(v.seenHere().url());
      n.put("inFlight", l == null ? null : l.inFlight());
      n.put("requestsPerSecond", l == null ? null : Math.round(l.requestsPerSecond() * 10) / 10.0);
      @SuppressWarnings("unchecked")
      List<Map<String, Object>> list = (List<Map<String, Object>>) out.computeIfAbsent(region, r -> new ArrayList<Map<String, Object>>());
      list.add(n);
    }
    return out;
  }

  /** The nodes routing may choose, this one included: routable and not draining. */
  public List<Decision.Candidate> up() {
    return candidates().stream().filter(c -> c.healthy() && !c.draining()).toList();
  }

  /**
   * Every node that has been up, this one included, as the decision takes them: healthy when
   * routable, draining as it said, with its last load. Nodes that have never answered enough
   * (joining), and nodes that left after a drain, are not candidates, not even in panic.
   */
  public List<Decision.Candidate> candidates() {
    List<Decision.Candidate> out = new ArrayList<>();
    for (Verdict v : nodes()) {
      if (v.state().equals("joining") || v.state().equals("left")) {
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
    return decide(clientRegion, routingKey, candidates(), count, rotation);
  }

  /** As {@link #decide}, among {@code among} only (the providers of a body, say). */
  public Decision.Answer decideAmong(Optional<String> clientRegion, byte[] routingKey, Set<URI> among, int count, int rotation) {
    return decide(clientRegion, routingKey, candidates().stream().filter(c -> among.contains(c.url())).toList(), count, rotation);
  }

  private Decision.Answer decide(Optional<String> clientRegion, byte[] routingKey, List<Decision.Candidate> nodes, int count, int rotation) {
    Decision.Policy policy = new Decision.Policy(
        routing.region(), routing.zones().fallbacks(), rttFrom(clientRegion.orElse(routing.region())));
    return Decision.choose(clientRegion, routingKey, nodes, policy, count, rotation);
  }
}
