package org.oversky.dht.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oversky.dht.routing.Fixtures.address;
import static org.oversky.dht.routing.Fixtures.contact;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.oversky.dht.id.NodeId;
import org.oversky.dht.routing.OfferResult.Outcome;

class RoutingTableConcurrencyTest {
  private static final int THREADS = 8;
  private static final int OPERATIONS = 5_000;

  @Test
  void concurrentOffersPingsAndRemovalsKeepTheInvariants() throws Exception {
    NodeId self = NodeId.random(new SplittableRandom(1));
    RoutingConfig config = new RoutingConfig(8, 4, 2, 6, true);
    RoutingTable table = new RoutingTable(self, config);
    // 200 public addresses in 25 /24s, so both bounds are hit, plus loopback, which is exempt.
    List<InetAddress> pool = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      pool.add(address("198.51." + (i % 25) + "." + (1 + i / 25)));
    }
    pool.add(address("127.0.0.1"));

    CountDownLatch start = new CountDownLatch(1);
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicIntegerArray outcomes = new AtomicIntegerArray(Outcome.values().length);
    ExecutorService executor = Executors.newFixedThreadPool(THREADS + 1);
    try {
      List<Future<?>> writers = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        SplittableRandom random = new SplittableRandom(100 + t);
        writers.add(executor.submit(() -> {
          start.await();
          List<NodeId> mine = new ArrayList<>();
          List<Contact> pings = new ArrayList<>();
          for (int i = 0; i < OPERATIONS; i++) {
            if (!mine.isEmpty() && random.nextInt(10) == 0) {
              table.remove(mine.get(random.nextInt(mine.size())));
              continue;
            }
            // Reuse ids now and then, so the same contacts are offered again from several threads.
            NodeId id = !mine.isEmpty() && random.nextInt(4) == 0
                ? mine.get(random.nextInt(mine.size()))
                : NodeId.random(random);
            mine.add(id);
            Contact offered = contact(id, pool.get(random.nextInt(pool.size())));
            OfferResult result = table.offer(offered);
            outcomes.incrementAndGet(result.outcome().ordinal());
            if (result.outcome() == Outcome.PENDING_PING) {
              pings.add(result.toPing());
            }
            // Pings are answered a few operations later, as a network would, so buckets run out of
            // contacts to ping.
            if (pings.size() > 20) {
              table.pingResult(pings.removeFirst().seen(2_000 + i, 5), random.nextBoolean());
            }
          }
          for (Contact pinged : pings) {
            table.pingResult(pinged, random.nextBoolean());
          }
          return null;
        }));
      }
      Future<Integer> checker = executor.submit(() -> {
        start.await();
        int checks = 0;
        while (writing.get() || checks == 0) {
          assertInvariants(table, config, self);
          checks++;
        }
        return checks;
      });

      start.countDown();
      for (Future<?> writer : writers) {
        writer.get(60, TimeUnit.SECONDS);
      }
      writing.set(false);
      assertTrue(checker.get(60, TimeUnit.SECONDS) > 0);
    } finally {
      executor.shutdownNow();
    }

    assertInvariants(table, config, self);
    for (Outcome outcome : Outcome.values()) {
      assertTrue(outcomes.get(outcome.ordinal()) > 0, "the run exercised " + outcome + ": " + outcomes);
    }
    assertTrue(table.pendingPings().isEmpty(), "every ping asked for was answered");
    assertTrue(table.size() > config.k(), "the table filled and split: " + table.size());
  }

  /** Checks one consistent snapshot; each call takes the table's lock once per snapshot. */
  private static void assertInvariants(RoutingTable table, RoutingConfig config, NodeId self) {
    List<List<Contact>> buckets;
    List<List<Contact>> replacements;
    synchronized (table) {
      buckets = table.bucketSnapshot();
      replacements = table.replacementSnapshot();
      Set<NodeId> seen = new HashSet<>();
      Map<InetAddress, Integer> perAddress = new HashMap<>();
      Map<InetAddress, Integer> perSubnet = new HashMap<>();
      int total = 0;
      for (int i = 0; i < buckets.size(); i++) {
        List<Contact> bucket = buckets.get(i);
        assertTrue(bucket.size() <= config.k(), "bucket " + i + " holds " + bucket.size());
        assertTrue(replacements.get(i).size() <= config.replacementCacheSize(), "replacements of " + i);
        for (Contact c : bucket) {
          assertTrue(seen.add(c.id()), "duplicate " + c.id());
          assertEquals(Math.min(self.commonPrefixLength(c.id()), buckets.size() - 1), i, "bucket of " + c.id());
          if (!AddressBounds.isPrivate(c.address())) {
            perAddress.merge(c.address(), 1, Integer::sum);
            perSubnet.merge(AddressBounds.subnetOf(c.address()), 1, Integer::sum);
          }
          total++;
        }
      }
      for (int i = 0; i < replacements.size(); i++) {
        for (Contact c : replacements.get(i)) {
          assertTrue(!seen.contains(c.id()), "a replacement is also in a bucket: " + c.id());
          assertEquals(Math.min(self.commonPrefixLength(c.id()), buckets.size() - 1), i, "cache of " + c.id());
        }
      }
      assertEquals(total, table.size());
      perAddress.forEach((a, n) -> assertTrue(n <= config.maxPerAddress(), a + " holds " + n));
      perSubnet.forEach((s, n) -> assertTrue(n <= config.maxPerSubnet(), s + " holds " + n));
      for (List<Contact> bucket : buckets) {
        for (Contact c : bucket) {
          if (!AddressBounds.isPrivate(c.address())) {
            int[] counted = table.addressCounts(c);
            assertEquals(perAddress.get(c.address()), counted[0], "count of " + c.address());
            assertEquals(perSubnet.get(AddressBounds.subnetOf(c.address())), counted[1], "subnet count of " + c.address());
          }
        }
      }
    }
  }
}
