package org.oversky.gateway.routing;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
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
 * {@link #DOWN_AFTER} misses), and each answer's own view is kept as that node's report; a node is
 * out of routing only when a quorum of its observers agree ({@link #verdict}). Indirect probes are
 * not built yet. The view and the reports have one writer, {@link #observe}.
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
  private final Map<URI, Observed> view = new ConcurrentHashMap<>();
  /** What each node said of the others in its last health answer (its own probes), and when. */
  private final Map<URI, Report> reports = new ConcurrentHashMap<>();
  /** A report counts for this long after it came. */
  static final long REPORT_FRESH_MILLIS = 3 * PROBE_MILLIS;

  private record Report(long atMillis, Map<URI, NodeState> states, boolean draining) {}

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

  public ClusterMonitor(URI self, NodeRouting routing, Supplier<List<URI>> known, InstantSource clock, Failures failures) {
    this.self = self;
    this.routing = routing;
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

  /** One round: a probe to every node known, none waited for here. */
  void probeAll() {
    try {
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
    client.newRequest(url + HEALTH_PATH)
        .timeout(PROBE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
        .send(new BufferingResponseListener(16 * 1024) {
          @Override
          public void onComplete(org.eclipse.jetty.client.Result result) {
            String region = null;
            boolean drains = false;
            Map<URI, NodeState> theirs = Map.of();
            if (!result.isFailed() && result.getResponse().getStatus() == 200) {
              try {
                JsonNode answer = Json.MAPPER.readTree(getContent());
                JsonNode said = answer == null ? null : answer.get("region");
                region = said != null && said.isTextual() ? said.asText() : null;
                theirs = region == null ? Map.of() : states(answer.get("view"));
                drains = answer != null && "draining".equals(answer.path("state").asText());
              } catch (java.io.IOException | IllegalArgumentException e) {
                region = null; // not a node's health answer: a miss
              }
            }
            observe(url, region != null, region == null ? "" : region, theirs, drains);
          }
        });
  }

  /** The {@code view} of a health answer: each node's URL and its state as that node sees it. */
  private static Map<URI, NodeState> states(JsonNode list) {
    Map<URI, NodeState> out = new java.util.HashMap<>();
    if (list != null && list.isArray()) {
      for (JsonNode n : list) {
        JsonNode url = n.get("url");
        JsonNode state = n.get("state");
        if (url != null && url.isTextual() && state != null && state.isTextual() && out.size() < 1_000) {
          out.put(URI.create(url.asText()), NodeState.valueOf(state.asText().toUpperCase(java.util.Locale.ROOT)));
        }
      }
    }
    return out;
  }

  /** Records one probe's outcome and what the node said of the others: the only writer of the view. */
  void observe(URI url, boolean answered, String region, Map<URI, NodeState> theirView, boolean drains) {
    long now = clock.millis();
    view.compute(url, (u, o) -> (o == null ? Observed.joining(u, now) : o).after(answered, region, now, UP_AFTER, DOWN_AFTER));
    if (answered) {
      reports.put(url, new Report(now, Map.copyOf(theirView), drains));
    }
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

  /** This node's own observations, for its health answer: what other nodes take as its report. */
  public List<Map<String, String>> ownView() {
    return view.values().stream()
        .sorted(Comparator.comparing(o -> o.url().toString()))
        .map(o -> Map.of("url", o.url().toString(), "state", o.state().name().toLowerCase(java.util.Locale.ROOT)))
        .toList();
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
      NodeState said = e.getValue().states().get(o.url());
      sayDown += said == NodeState.DOWN ? 1 : 0;
      sayUp += said == NodeState.UP ? 1 : 0;
    }
    Report own = reports.get(o.url());
    String state;
    if (org.oversky.routing.view.Quorum.down(observers, sayDown)) {
      state = "down";
    } else if (own != null && own.draining() && o.state() != NodeState.DOWN) {
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

  /** The nodes routing may choose, this one included, as the decision takes them. */
  public List<Decision.Candidate> up() {
    return nodes().stream().filter(Verdict::routable)
        .map(v -> new Decision.Candidate(v.seenHere().url(), v.seenHere().region())).toList();
  }
}
