package org.oversky.dht.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Comparator;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class EventQueueTest {
  /**
   * Events added up front and by events as they run (at once, soon, near the end of the wheel's
   * window, past it), taken in chunks of simulated time: each runs at its time (or at the
   * millisecond the queue stood at when it was added, if that was later), and they run in the
   * order a binary heap by (time, order added) gave them.
   */
  @Test
  void runsEachEventAtItsTimeInTheOrderOfTimeThenOfAdding() {
    long start = 1_800_000_000_000L;
    SplittableRandom random = new SplittableRandom(7);
    EventQueue queue = new EventQueue(start);
    List<long[]> ran = new ArrayList<>(); // {id, when it ran}
    List<Long> due = new ArrayList<>(); // by id
    class Adder {
      void add(long at, int depth) {
        int id = due.size();
        due.add(Math.max(at, queue.cursor()));
        queue.add(at, () -> {
          ran.add(new long[] {id, queue.cursor()});
          for (int i = depth < 3 ? random.nextInt(3) : 0; i > 0; i--) {
            add(queue.cursor() + delay(random), depth + 1);
          }
        });
      }
    }
    Adder adder = new Adder();
    for (int i = 0; i < 2_000; i++) {
      adder.add(start + delay(random), 0);
    }
    long until = start;
    while (queue.size() > 0) {
      until += random.nextInt(200_000);
      ranUntil(queue, until);
      assertEquals(until, queue.cursor(), "a queue with nothing left due stands at the end it was given");
      assertNull(queue.poll(until - 1), "nothing is taken from before where the queue stands");
    }
    assertEquals(due.size(), ran.size(), "every event ran once");
    assertTrue(due.size() > 3_000, "events added while others ran: " + due.size());
    for (long[] r : ran) {
      assertEquals(due.get((int) r[0]), r[1], "event " + r[0] + " ran at its time");
    }
    List<long[]> heapOrder = new ArrayList<>(ran);
    heapOrder.sort(Comparator.<long[]>comparingLong(r -> r[1]).thenComparingLong(r -> r[0]));
    assertEquals(heapOrder.stream().map(r -> r[0]).toList(), ran.stream().map(r -> r[0]).toList());
  }

  @Test
  void anEventAddedForTheMillisecondTheQueueStandsAtRunsNextTime() {
    EventQueue queue = new EventQueue(1_000);
    List<Integer> ran = new ArrayList<>();
    queue.add(1_000 + 5, () -> ran.add(1));
    assertEquals(1, ranUntil(queue, 1_010));
    queue.add(900, () -> ran.add(2)); // in the past: at the millisecond the queue stands at
    queue.add(1_010, () -> ran.add(3));
    assertEquals(2, ranUntil(queue, 1_010));
    assertEquals(List.of(1, 2, 3), ran);
    queue.add(1_010 + 10L * EventQueue.WINDOW_MILLIS, () -> ran.add(4));
    queue.add(1_011, () -> ran.add(5));
    assertEquals(1, ranUntil(queue, 1_010 + 10L * EventQueue.WINDOW_MILLIS - 1));
    assertEquals(1, ranUntil(queue, 1_010 + 10L * EventQueue.WINDOW_MILLIS));
    assertEquals(List.of(1, 2, 3, 5, 4), ran);
  }

  private static int ranUntil(EventQueue queue, long until) {
    int n = 0;
    for (Runnable task; (task = queue.poll(until)) != null; ) {
      task.run();
      n++;
    }
    return n;
  }

  private static long delay(SplittableRandom random) {
    return switch (random.nextInt(5)) {
      case 0 -> 0;
      case 1 -> random.nextInt(50);
      case 2 -> random.nextInt(5_000);
      case 3 -> EventQueue.WINDOW_MILLIS - 2 + random.nextInt(4);
      default -> random.nextLong(4L * EventQueue.WINDOW_MILLIS);
    };
  }
}
