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
 * {@link #DOWN_AFTER} misses). A first slice of issue 12: the view is this node's own observation;
 * indirect probes and a quorum of observers are not built yet. The view has one writer, {@link
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
  private final Map<URI, Observed> view = new ConcurrentHashMap<>();
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
            if (!result.isFailed() && result.getResponse().getStatus() == 200) {
              try {
                JsonNode answer = Json.MAPPER.readTree(getContent());
                JsonNode said = answer == null ? null : answer.get("region");
                region = said != null && said.isTextual() ? said.asText() : null;
              } catch (java.io.IOException e) {
                region = null; // not a node's health answer: a miss
              }
            }
            observe(url, region != null, region == null ? "" : region);
          }
        });
  }

  /** Records one probe's outcome: the only writer of the view. */
  void observe(URI url, boolean answered, String region) {
    long now = clock.millis();
    view.compute(url, (u, o) -> (o == null ? Observed.joining(u, now) : o).after(answered, region, now, UP_AFTER, DOWN_AFTER));
  }

  /** Every node known, this one first (always up), then by URL. */
  public List<Observed> nodes() {
    List<Observed> out = new ArrayList<>();
    out.add(new Observed(self, routing.region(), NodeState.UP, 0, 0, 0));
    view.values().stream().sorted(Comparator.comparing(o -> o.url().toString())).forEach(out::add);
    return out;
  }

  /** The nodes that are up, this one included, as the decision takes them. */
  public List<Decision.Candidate> up() {
    return nodes().stream().filter(o -> o.state() == NodeState.UP).map(o -> new Decision.Candidate(o.url(), o.region())).toList();
  }
}
