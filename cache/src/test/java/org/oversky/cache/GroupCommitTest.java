package org.oversky.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The store's committer gathers a batch for its window without being woken by each change that
 * joins it: under a crawl, a wake-up per stored body was a context switch per miss.
 */
class GroupCommitTest {
  @Test
  void changesArrivingWhileABatchGathersJoinItWithoutWakingTheCommitter() {
    List<Integer> batches = new CopyOnWriteArrayList<>();
    AtomicInteger written = new AtomicInteger();
    GroupCommit commit = new GroupCommit(synced -> batches.add(written.getAndSet(0)), new Object(), 60_000);
    commit.write(written::incrementAndGet);
    while (!commit.gathering()) {
      Thread.onSpinWait(); // the committer took the first change and gathers for a minute
    }
    for (int i = 0; i < 50; i++) {
      commit.write(written::incrementAndGet);
    }
    assertTrue(commit.gathering(), "still within the window");

    commit.close(); // ends the window: the batch is committed now

    assertEquals(List.of(51), batches, "one batch, every change in it");
    assertTrue(commit.gatherWakeups() <= 1, "woken once, to close, not per change: " + commit.gatherWakeups());
  }
}
