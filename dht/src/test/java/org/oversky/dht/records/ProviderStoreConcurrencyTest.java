package org.oversky.dht.records;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.oversky.dht.id.NodeId;
import org.oversky.dht.records.ProviderStore.AddOutcome;
import org.oversky.dht.rpc.ProviderInfo;

class ProviderStoreConcurrencyTest {
  private static final int THREADS = 8;
  private static final int OPERATIONS = 20_000;
  private static final int KEYS = 40;
  private static final int PROVIDERS = 60;
  private static final int MAX_PER_KEY = 5;
  private static final int MAX_PER_PROVIDER = 4;
  private static final long NOW = ProviderStoreTest.NOW;

  @Test
  void concurrentAddsFromSeveralThreadsKeepBothBoundsAndCountEachEntryOnce() throws Exception {
    ProviderStore store = new ProviderStore(MAX_PER_KEY, MAX_PER_PROVIDER);
    AtomicIntegerArray outcomes = new AtomicIntegerArray(AddOutcome.values().length);
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService executor = Executors.newFixedThreadPool(THREADS);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        SplittableRandom random = new SplittableRandom(7 + t);
        futures.add(executor.submit(() -> {
          start.await();
          for (int i = 0; i < OPERATIONS; i++) {
            // Every thread draws from the same small pools, so they race on the same keys,
            // the same providers and the same (key, provider) pairs; nothing expires.
            long p = random.nextInt(PROVIDERS);
            AddOutcome outcome =
                store.add(
                    ProviderStoreTest.id(10_000 + random.nextInt(KEYS)),
                    ProviderStoreTest.id(p),
                    ProviderStoreTest.url(p),
                    NOW + 1 + random.nextInt(1_000_000),
                    NOW);
            outcomes.incrementAndGet(outcome.ordinal());
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      executor.shutdownNow();
    }

    int total = 0;
    Map<NodeId, Integer> perProvider = new HashMap<>();
    for (int k = 0; k < KEYS; k++) {
      List<ProviderInfo> providers = store.providers(ProviderStoreTest.id(10_000 + k), NOW);
      assertTrue(providers.size() <= MAX_PER_KEY, "key " + k + " holds " + providers.size());
      for (ProviderInfo info : providers) {
        perProvider.merge(info.providerId(), 1, Integer::sum);
      }
      total += providers.size();
    }
    perProvider.forEach(
        (provider, n) -> assertTrue(n <= MAX_PER_PROVIDER, provider + " holds " + n + " keys"));
    assertEquals(total, store.size());
    // An entry is ADDED exactly once, however many threads raced to add it; the rest refresh.
    assertEquals(outcomes.get(AddOutcome.ADDED.ordinal()), store.size());
    assertTrue(outcomes.get(AddOutcome.REFRESHED.ordinal()) > 0);
    assertTrue(outcomes.get(AddOutcome.REJECTED_KEY_FULL.ordinal()) > 0);
    assertTrue(outcomes.get(AddOutcome.REJECTED_PROVIDER_FULL.ordinal()) > 0);
    assertEquals(0, outcomes.get(AddOutcome.REJECTED_EXPIRED.ordinal()));
  }
}
