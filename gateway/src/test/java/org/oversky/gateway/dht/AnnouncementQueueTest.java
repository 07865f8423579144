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
    AnnouncementQueue q = new AnnouncementQueue(2_000, 512);
    assertEquals(List.of(), q.due(0), "nothing waits");
    NodeId first = NodeId.random(random);
    q.add(first);
    assertEquals(List.of(first), q.due(100), "the first after a quiet spell: no wait");

    NodeId second = NodeId.random(random);
    NodeId third = NodeId.random(random);
    q.add(second);
    assertEquals(List.of(), q.due(350), "a batch went 250 ms ago");
    q.add(third);
    assertEquals(List.of(), q.due(2_099));
    assertEquals(List.of(second, third), q.due(2_100), "one batch, one message per node, for both");
    assertEquals(List.of(), q.due(10_000), "nothing left");
  }

  @Test
  void aBatchIsBoundedAndTheRestWaitForTheNext() {
    AnnouncementQueue q = new AnnouncementQueue(1_000, 3);
    for (int i = 0; i < 5; i++) {
      q.add(NodeId.random(random));
    }
    assertEquals(3, q.due(0).size());
    assertEquals(0, q.due(999).size());
    assertEquals(2, q.due(1_000).size());
  }

  @Test
  void boundsAreChecked() {
    assertThrows(IllegalArgumentException.class, () -> new AnnouncementQueue(-1, 3));
    assertThrows(IllegalArgumentException.class, () -> new AnnouncementQueue(10, 0));
  }
}
