package org.oversky.dht.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RttEstimatorTest {
  private final RttEstimator rtt = new RttEstimator(Duration.ofMillis(100), Duration.ofSeconds(5));

  @Test
  void theFirstRequestGetsTheMaximum() {
    assertEquals(Duration.ofSeconds(5), rtt.timeout());
  }

  @Test
  void steadyRoundTripsBringTheTimeoutDownToTheMinimum() {
    for (int i = 0; i < 50; i++) {
      rtt.sample(10);
    }
    assertEquals(Duration.ofMillis(100), rtt.timeout());
  }

  @Test
  void slowAndVaryingRoundTripsGiveMoreTime() {
    for (int i = 0; i < 50; i++) {
      rtt.sample(i % 2 == 0 ? 200 : 600);
    }
    long t = rtt.timeout().toMillis();
    assertTrue(t > 600 && t < 5000, "timeout " + t);
  }

  @Test
  void timeoutsDoubleUntilTheNextAnswer() {
    for (int i = 0; i < 50; i++) {
      rtt.sample(10);
    }
    rtt.timedOut();
    assertEquals(Duration.ofMillis(200), rtt.timeout());
    rtt.timedOut();
    assertEquals(Duration.ofMillis(400), rtt.timeout());
    for (int i = 0; i < 10; i++) {
      rtt.timedOut();
    }
    assertEquals(Duration.ofSeconds(5), rtt.timeout(), "capped");
    rtt.sample(10);
    assertEquals(Duration.ofMillis(100), rtt.timeout());
  }
}
