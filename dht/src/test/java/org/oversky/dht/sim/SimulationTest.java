package org.oversky.dht.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The bar for lookups, on a network of 1,000 simulated nodes running the real node code. */
class SimulationTest {
  @Test
  void everyLookupSucceedsWhenNoNodeIsGone() {
    Simulation.Report r = Simulation.run(Simulation.Params.of(1000, 0, 300, 1));
    assertEquals(r.lookups(), r.succeeded(), r.toString());
    assertTrue(r.hopsMedian() <= 4, r.toString());
  }

  @Test
  void atLeast99PercentSucceedWithThirtyPercentGone() {
    Simulation.Report r = Simulation.run(Simulation.Params.of(1000, 0.3, 300, 2));
    assertTrue(r.successRate() >= 0.99, r.toString());
  }
}
