package org.oversky.dht.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RoutingConfigTest {
  @Test
  void defaultsAreKademliasKTwentyWithPrivateRangesExempt() {
    RoutingConfig config = RoutingConfig.defaults();

    assertEquals(20, config.k());
    assertEquals(20, config.replacementCacheSize());
    assertEquals(2, config.maxPerAddress());
    assertEquals(8, config.maxPerSubnet());
    assertTrue(config.exemptPrivateAddresses());
  }

  @Test
  void refusesValuesThatCannotWorkAndSaysWhich() {
    assertMessage("k (contacts per bucket)", () -> new RoutingConfig(0, 1, 1, 1, true));
    assertMessage("replacementCacheSize", () -> new RoutingConfig(1, 0, 1, 1, true));
    assertMessage("maxPerAddress", () -> new RoutingConfig(1, 1, 0, 1, true));
    assertMessage("maxPerSubnet", () -> new RoutingConfig(1, 1, 3, 2, true));
  }

  private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable executable) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, executable);
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }
}
