package org.oversky.gateway.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.oversky.cache.ContentStore;
import org.oversky.cache.StoreListener;
import org.oversky.cache.StoredBody;

/**
 * The node's meters: requests by route and outcome with latency histograms, bytes sent, store
 * size and evictions, JVM memory and threads. Exposed as Prometheus text at {@code /metrics}.
 */
public final class GatewayMetrics {
  private final MeterRegistry registry;
  private final PrometheusMeterRegistry prometheus;
  private final Map<String, Map<String, Timer>> timers = new ConcurrentHashMap<>();
  private final Map<String, Counter> bytes = new ConcurrentHashMap<>();
  private final Map<String, Counter> outcomes = new ConcurrentHashMap<>();

  /** Meters in a Prometheus registry of the node's own, with JVM meters, exposed at {@code /metrics}. */
  public GatewayMetrics(ContentStore store) {
    this(store, null);
  }

  /**
   * Meters in {@code hostRegistry} when a host server passes its own (its endpoint exposes them;
   * JVM meters are the host's business), else in a Prometheus registry of the node's own.
   */
  public GatewayMetrics(ContentStore store, MeterRegistry hostRegistry) {
    if (hostRegistry == null) {
      this.prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      this.registry = prometheus;
      new JvmMemoryMetrics().bindTo(registry);
      new JvmThreadMetrics().bindTo(registry);
    } else {
      this.prometheus = null;
      this.registry = hostRegistry;
    }
    Gauge.builder("oversky.store.bytes", store, s -> s.stats().bytes())
        .description("Bytes of bodies stored")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder("oversky.store.bodies", store, s -> s.stats().bodies())
        .description("Bodies stored")
        .register(registry);
    Gauge.builder("oversky.store.budget", store, s -> s.stats().diskBudget())
        .description("The store's disk budget")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder("oversky.store.hot", store, s -> s.stats().hotBytes())
        .description("Bytes held by the heap tier")
        .baseUnit("bytes")
        .register(registry);
    FunctionCounter.builder("oversky.store.evictions", store, s -> s.stats().evictions())
        .description("Bodies evicted to keep the disk budget")
        .register(registry);
    Counter stored = Counter.builder("oversky.store.stored").description("Bodies committed to the store").register(registry);
    store.addListener(
        new StoreListener() {
          @Override
          public void stored(StoredBody body) {
            stored.increment();
          }
        });
  }

  /** The registry, to add meters of other parts. */
  public MeterRegistry registry() {
    return registry;
  }

  /** Records one finished request. The meters are made once per route and outcome, not per request. */
  public void record(String route, int status, long nanos, long bytesSent) {
    String outcome = outcome(status);
    Map<String, Timer> byOutcome = timers.computeIfAbsent(route, r -> new ConcurrentHashMap<>());
    Timer timer = byOutcome.get(outcome);
    if (timer == null) {
      timer = byOutcome.computeIfAbsent(outcome, o -> newTimer(route, o));
    }
    timer.record(nanos, TimeUnit.NANOSECONDS);
    if (bytesSent > 0) {
      Counter counter = bytes.get(route);
      if (counter == null) {
        counter =
            bytes.computeIfAbsent(
                route,
                r ->
                    Counter.builder("oversky.response.bytes")
                        .description("Response body bytes sent")
                        .baseUnit("bytes")
                        .tag("route", r)
                        .register(registry));
      }
      counter.increment(bytesSent);
    }
  }

  private Timer newTimer(String route, String outcome) {
    return Timer.builder("oversky.requests")
        .description("HTTP requests by route and outcome")
        .tag("route", route)
        .tag("outcome", outcome)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(50_000))
        .maximumExpectedValue(Duration.ofSeconds(60))
        .register(registry);
  }

  /** Counts one site request by its cache outcome (hit, stored, collapsed, revalidated, …). */
  public void cacheOutcome(String outcome) {
    Counter c = outcomes.get(outcome);
    if (c == null) {
      c =
          outcomes.computeIfAbsent(
              outcome,
              o ->
                  Counter.builder("oversky.cache.requests")
                      .description("Site requests by cache outcome (the Cache-Status of each)")
                      .tag("outcome", o)
                      .register(registry));
    }
    c.increment();
  }

  /** Requests finished so far, every route and outcome. */
  public long requestCount() {
    long n = 0;
    for (Map<String, Timer> byOutcome : timers.values()) {
      for (Timer t : byOutcome.values()) {
        n += t.count();
      }
    }
    return n;
  }

  /** Response body bytes sent so far, every route. */
  public long bytesSent() {
    long n = 0;
    for (Counter c : bytes.values()) {
      n += (long) c.count();
    }
    return n;
  }

  /** Site requests so far with this cache outcome. */
  public long outcomeCount(String outcome) {
    Counter c = outcomes.get(outcome);
    return c == null ? 0 : (long) c.count();
  }

  /** Site requests so far by cache outcome ({@code hit}, {@code stored}, {@code peer}, …). */
  public Map<String, Object> cacheOutcomes() {
    Map<String, Object> out = new java.util.TreeMap<>();
    outcomes.forEach((outcome, counter) -> out.put(outcome, (long) counter.count()));
    return out;
  }

  /** The Prometheus text exposition, or null when the meters live in a host's registry. */
  public String scrape() {
    return prometheus == null ? null : prometheus.scrape();
  }

  private static String outcome(int status) {
    if (status == 304) {
      return "not_modified";
    }
    return switch (status / 100) {
      case 2 -> "success";
      case 3 -> "redirect";
      case 4 -> "client_error";
      case 5 -> "server_error";
      default -> "other";
    };
  }
}
