package org.oversky.gateway.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.InstantSource;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * Where a failure that the node survives is told: counted per kind ({@code
 * oversky_failures_total{kind=…}}) and logged at most once per interval per kind, with how many
 * were not logged since. Nothing the node catches and carries on from is dropped without a word.
 */
public final class Failures {
  /** Failures reported nowhere: for tests and tools. */
  public static final Failures NONE = new Failures(null, InstantSource.system(), 0);

  private final MeterRegistry registry;
  private final InstantSource clock;
  private final long intervalMillis;
  private final Map<String, Kind> kinds = new ConcurrentHashMap<>();

  private static final class Kind {
    final Counter counter;
    final AtomicLong nextLog = new AtomicLong();
    final AtomicLong unlogged = new AtomicLong();

    Kind(Counter counter) {
      this.counter = counter;
    }
  }

  /**
   * @param registry where the counters go (null: counted nowhere)
   * @param intervalMillis at most one log line per kind per this many ms
   */
  public Failures(MeterRegistry registry, InstantSource clock, long intervalMillis) {
    this.registry = registry;
    this.clock = clock;
    this.intervalMillis = intervalMillis;
  }

  /** Counts one failure of {@code kind} and logs {@code message} at WARN unless one was logged lately. */
  public void report(Logger log, String kind, String message, Throwable cause) {
    Kind k = kinds.computeIfAbsent(kind, this::newKind);
    if (k.counter != null) {
      k.counter.increment();
    }
    long now = clock.millis();
    long next = k.nextLog.get();
    if (now >= next && k.nextLog.compareAndSet(next, now + intervalMillis)) {
      long skipped = k.unlogged.getAndSet(0);
      String more = skipped == 0 ? "" : " (" + skipped + " more of this kind since the last line)";
      if (log.isDebugEnabled() && cause != null) {
        log.warn("{}: {}{}", kind, message, more, cause);
      } else {
        log.warn("{}: {}{}{}", kind, message, cause == null ? "" : ": " + cause, more);
      }
    } else {
      k.unlogged.incrementAndGet();
    }
  }

  /** How many failures of {@code kind} were reported. */
  public long count(String kind) {
    Kind k = kinds.get(kind);
    return k == null || k.counter == null ? 0 : (long) k.counter.count();
  }

  private Kind newKind(String kind) {
    return new Kind(
        registry == null
            ? null
            : Counter.builder("oversky.failures")
                .description("Failures the node carried on from, by kind")
                .tag("kind", kind)
                .register(registry));
  }
}
