package org.oversky.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CollapserTest {
  private static final String URL = "http://site.test/a";

  @Test
  void theFirstMissLeadsAndTheOthersFollowIt() {
    Collapser c = new Collapser();
    Collapser.Entry first = c.enter(URL);
    Collapser.Entry second = c.enter(URL);
    assertTrue(first.leader());
    assertFalse(second.leader());
    assertSame(first.flight(), second.flight());
    c.finished(URL, first.flight());
    assertTrue(c.enter(URL).leader(), "after the fetch, the next miss leads again");
  }

  @Test
  void aLeaderThatThrowsBeforeItsFetchLeavesNothingBehind() throws Exception {
    Collapser c = new Collapser();
    Collapser.Entry lead = c.enter(URL);
    Collapser.Entry follower = c.enter(URL);
    CompletableFuture<InFlight.Head> waiting = CompletableFuture.supplyAsync(() -> {
      try {
        return follower.flight().awaitHead(60_000);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    IllegalStateException thrown =
        assertThrows(IllegalStateException.class, () -> c.lead(URL, lead.flight(), () -> {
          throw new IllegalStateException("the cluster lookup blew up");
        }));
    assertEquals("the cluster lookup blew up", thrown.getMessage());
    assertNull(waiting.get(5, TimeUnit.SECONDS), "the follower is released at once, not after its wait");
    assertEquals(0, c.size());
    assertTrue(c.enter(URL).leader());
  }

  @Test
  void aLeaderThatHandsOffKeepsItsEntryForTheProxyToFinish() throws Exception {
    Collapser c = new Collapser();
    Collapser.Entry lead = c.enter(URL);
    c.lead(URL, lead.flight(), () -> {});
    assertEquals(1, c.size());
    assertFalse(c.enter(URL).leader());
    c.finished(URL, lead.flight());
    assertEquals(0, c.size());
  }
}
