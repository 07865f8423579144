package org.oversky.gateway.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HistoryTest {
  @Test
  void countersKeepWhatTheyGrewByGaugesTheirValueAndOnlyTheLastSamplesAreKept() {
    AtomicLong requests = new AtomicLong();
    AtomicLong latency = new AtomicLong();
    AtomicLong now = new AtomicLong(1_000_000);
    InstantSource clock = () -> Instant.ofEpochMilli(now.get());
    History h = new History(List.of(new History.Series("requests", requests::get, true), new History.Series("latencyMs", latency::get, false)),
        clock, Duration.ofSeconds(10), 3, new Failures(new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), InstantSource.system(), 60_000));
    requests.set(100); // before the first sample: not counted
    h.sample();
    for (int i = 1; i <= 4; i++) {
      requests.addAndGet(10L * i);
      latency.set(5L * i);
      now.addAndGet(10_000);
      h.sample();
    }
    Map<String, Object> s = h.snapshot();
    assertEquals(10L, s.get("stepSeconds"));
    assertEquals(List.of(1_020_000L, 1_030_000L, 1_040_000L), s.get("times"), "the last 3 samples");
    @SuppressWarnings("unchecked")
    Map<String, List<Long>> series = (Map<String, List<Long>>) s.get("series");
    assertEquals(List.of(20L, 30L, 40L), series.get("requests"), "what the counter grew by in each step");
    assertEquals(List.of(10L, 15L, 20L), series.get("latencyMs"), "the gauge at each sample");
  }

  @Test
  void aCounterThatWentBackCountsNothingRatherThanANegativeRate() {
    AtomicLong c = new AtomicLong(50);
    History h = new History(List.of(new History.Series("c", c::get, true)), InstantSource.system(), Duration.ofSeconds(10), 10, new Failures(new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), InstantSource.system(), 60_000));
    h.sample();
    c.set(20);
    h.sample();
    @SuppressWarnings("unchecked")
    Map<String, List<Long>> series = (Map<String, List<Long>>) h.snapshot().get("series");
    assertEquals(List.of(0L), series.get("c"));
  }
}
