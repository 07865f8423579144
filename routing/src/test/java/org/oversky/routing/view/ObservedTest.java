package org.oversky.routing.view;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import org.junit.jupiter.api.Test;

class ObservedTest {
  private static final URI NODE = URI.create("http://127.0.1.2:8080");

  @Test
  void upAfterFiveAnswersInARowDownAfterThreeMissesAndOneAloneChangesNothing() {
    Observed o = Observed.joining(NODE, 0);
    for (int i = 1; i <= 4; i++) {
      o = o.after(true, "eu", i * 2_000L, 5, 3);
      assertEquals(NodeState.JOINING, o.state(), "answer " + i);
    }
    o = o.after(true, "eu", 10_000, 5, 3);
    assertEquals(NodeState.UP, o.state());
    assertEquals("eu", o.region());
    assertEquals(10_000, o.sinceMillis());

    o = o.after(false, "", 12_000, 5, 3).after(false, "", 14_000, 5, 3);
    assertEquals(NodeState.UP, o.state(), "two misses");
    o = o.after(true, "eu", 16_000, 5, 3); // an answer ends the run of misses
    o = o.after(false, "", 18_000, 5, 3).after(false, "", 20_000, 5, 3);
    assertEquals(NodeState.UP, o.state());
    o = o.after(false, "", 22_000, 5, 3);
    assertEquals(NodeState.DOWN, o.state());
    assertEquals(22_000, o.sinceMillis());
    assertEquals("eu", o.region(), "a miss keeps the region it last said");

    for (int i = 0; i < 4; i++) {
      o = o.after(true, "eu", 24_000 + i, 5, 3);
    }
    assertEquals(NodeState.DOWN, o.state(), "four answers after being down");
    assertEquals(NodeState.UP, o.after(true, "eu", 30_000, 5, 3).state());
  }

  @Test
  void aNodeThatNeverAnswersGoesFromJoiningToDown() {
    Observed o = Observed.joining(NODE, 0);
    o = o.after(false, "", 1, 5, 3).after(false, "", 2, 5, 3);
    assertEquals(NodeState.JOINING, o.state());
    assertEquals(NodeState.DOWN, o.after(false, "", 3, 5, 3).state());
  }
}
