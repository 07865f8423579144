package org.oversky.routing.view;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class QuorumTest {
  @Test
  void threeObserversOrAMajorityWhereFewerWatch() {
    assertEquals(1, Quorum.of(1), "a node watched by one other only");
    assertEquals(2, Quorum.of(2));
    assertEquals(2, Quorum.of(3));
    assertEquals(3, Quorum.of(4));
    assertEquals(3, Quorum.of(5));
    assertEquals(3, Quorum.of(100));
    assertThrows(IllegalArgumentException.class, () -> Quorum.of(-1));
  }

  @Test
  void oneObserverAloneDoesNotTakeANodeOutOfALargerCluster() {
    assertFalse(Quorum.down(5, 1), "this node alone, cut off from the node or from the rest");
    assertFalse(Quorum.down(5, 2));
    assertTrue(Quorum.down(5, 3));
    assertTrue(Quorum.down(2, 2));
    assertFalse(Quorum.down(2, 1));
  }
}
