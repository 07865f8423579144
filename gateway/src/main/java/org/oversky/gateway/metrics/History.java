package org.oversky.gateway.metrics;

import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's figures over the last hour, for the dashboard's charts: every {@code step} one
 * sample of each series, kept for {@code keep} samples. A counter series (requests, bytes) keeps
 * what it grew by in the step; a gauge series (a latency) keeps its value at the sample. One
 * thread samples ({@link #sample}, also called by tests with their own clock); readers get a copy.
 */
public final class History extends AbstractLifeCycle {
  /** One series: a name, where its figure comes from, and whether that figure only grows. */
  public record Series(String name, LongSupplier source, boolean counter) {}

  private static final Logger LOG = LoggerFactory.getLogger(History.class);

  private final List<Series> series;
  private final InstantSource clock;
  private final Duration step;
  private final int keep;
  private final Failures failures;
  // Written by the sampling thread only; read under the lock.
  private final long[] last;
  private final ArrayList<long[]> samples = new ArrayList<>();
  private final ArrayList<Long> times = new ArrayList<>();
  private boolean primed;
  private ScheduledExecutorService sampler;

  public History(List<Series> series, InstantSource clock, Duration step, int keep, Failures failures) {
    this.series = List.copyOf(series);
    this.clock = clock;
    this.step = step;
    this.keep = keep;
    this.failures = failures;
    this.last = new long[series.size()];
  }

  /** The dashboard's history: a sample every 10 s for an hour. */
  public static History lastHour(List<Series> series, InstantSource clock, Failures failures) {
    return new History(series, clock, Duration.ofSeconds(10), 360, failures);
  }

  @Override
  protected void doStart() {
    sample(); // the counters' starting point
    sampler = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("oversky-history").daemon(true).factory());
    sampler.scheduleAtFixedRate(() -> {
      try {
        sample();
      } catch (RuntimeException e) {
        failures.report(LOG, "history-sample-failed", "a dashboard sample failed; the next one comes in " + step.toSeconds() + " s", e);
      }
    }, step.toMillis(), step.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  protected void doStop() {
    sampler.shutdownNow();
  }

  /** Takes one sample now: the first only notes where the counters start. */
  public void sample() {
    long[] row = new long[series.size()];
    for (int i = 0; i < row.length; i++) {
      Series s = series.get(i);
      long v = s.source().getAsLong();
      row[i] = s.counter() ? Math.max(0, v - last[i]) : v;
      last[i] = v;
    }
    synchronized (this) {
      if (!primed) {
        primed = true;
        return;
      }
      samples.add(row);
      times.add(clock.millis());
      if (samples.size() > keep) {
        samples.remove(0);
        times.remove(0);
      }
    }
  }

  /** The samples, oldest first: {@code {"stepSeconds", "times": [epoch ms…], "series": {name: [values…]}}}. */
  public synchronized Map<String, Object> snapshot() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("stepSeconds", step.toSeconds());
    out.put("times", List.copyOf(times));
    Map<String, Object> values = new LinkedHashMap<>();
    for (int i = 0; i < series.size(); i++) {
      List<Long> column = new ArrayList<>(samples.size());
      for (long[] row : samples) {
        column.add(row[i]);
      }
      values.put(series.get(i).name(), column);
    }
    out.put("series", values);
    return out;
  }
}
