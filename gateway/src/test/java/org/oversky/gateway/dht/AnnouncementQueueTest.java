package org.oversky.gateway.dht;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.oversky.dht.id.NodeId;

class AnnouncementQueueTest {
  private final SplittableRandom random = new SplittableRandom(5);

  @Test
  void aBodyAfterAQuietSpellGoesAtOnceAndBodiesStoredSteadilyGoTogether() {
    AnnouncementQueue q = new AnnouncementQueue(2_000, 5, 10_000, 512);
    assertEquals(List.of(), q.due(0, 9), "nothing waits");
    NodeId first = NodeId.random(random);
    q.add(first);
    assertEquals(List.of(first), q.due(100, 9), "the first after a quiet spell: no wait");

    NodeId second = NodeId.random(random);
    NodeId third = NodeId.random(random);
    q.add(second);
    assertEquals(List.of(), q.due(350, 9), "a batch went 250 ms ago");
    q.add(third);
    assertEquals(List.of(), q.due(2_099, 9));
    assertEquals(List.of(second, third), q.due(2_100, 9), "one batch, one message per node, for both");
    assertEquals(List.of(), q.due(10_000, 9), "nothing left");
  }

  @Test
  void aBatchIsBoundedAndTheRestWaitForTheNext() {
    AnnouncementQueue q = new AnnouncementQueue(1_000, 5, 10_000, 3);
    for (int i = 0; i < 5; i++) {
      q.add(NodeId.random(random));
    }
    assertEquals(3, q.due(0, 9).size());
    assertEquals(0, q.due(999, 3).size());
    assertEquals(2, q.due(1_000, 3).size());
  }

  @Test
  void batchesGoFurtherApartWithTheNodesTheyReachUpToTheMaximum() {
    AnnouncementQueue q = new AnnouncementQueue(2_000, 5, 10_000, 512);
    assertEquals(2_000, q.spacingMillis(9), "9 nodes: 4.5 messages a second at the least spacing");
    assertEquals(5_800, q.spacingMillis(29), "29 nodes: 5 messages a second");
    assertEquals(10_000, q.spacingMillis(400), "a large network: at most the maximum");
    q.add(NodeId.random(random));
    assertEquals(1, q.due(0, 29).size());
    q.add(NodeId.random(random));
    assertEquals(0, q.due(5_799, 29).size(), "a batch to 29 nodes went 5.8 s ago");
    assertEquals(1, q.due(5_800, 29).size());
  }

  @Test
  void boundsAreChecked() {
    assertThrows(IllegalArgumentException.class, () -> new AnnouncementQueue(-1, 5, 10, 3));
    assertThrows(IllegalArgumentException.class, () -> new AnnouncementQueue(10, 5, 10, 0));
    assertThrows(IllegalArgumentException.class, () -> new AnnouncementQueue(10, 0, 10, 3));
    assertThrows(IllegalArgumentException.class, () -> new AnnouncementQueue(10, 5, 9, 3));
  }
}
