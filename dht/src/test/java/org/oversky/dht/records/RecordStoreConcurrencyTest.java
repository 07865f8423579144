package org.oversky.dht.records;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.oversky.dht.id.NodeId;
import org.oversky.dht.records.RecordStore.PutOutcome;
import org.oversky.dht.rpc.SignedRecord;

class RecordStoreConcurrencyTest {
  private static final int THREADS = 8;
  private static final int KEYS = 30;
  private static final int VERSIONS = 20;
  private static final int MAX_RECORDS = 20;
  private static final long NOW = RecordStoreTest.NOW;

  @Test
  void concurrentPutsKeepTheBoundAndTheLatestExpiryWins() throws Exception {
    // 30 keys x 20 versions, signed up front; every thread puts all of them in its own order.
    List<SignedRecord> records = new ArrayList<>();
    for (int k = 0; k < KEYS; k++) {
      for (int v = 1; v <= VERSIONS; v++) {
        records.add(RecordStoreTest.record(key(k), "v" + v, NOW + v * 1_000L, RecordStoreTest.ALICE));
      }
    }
    RecordStore store = new RecordStore(MAX_RECORDS);
    AtomicIntegerArray outcomes = new AtomicIntegerArray(PutOutcome.values().length);
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService executor = Executors.newFixedThreadPool(THREADS);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        List<SignedRecord> mine = new ArrayList<>(records);
        Collections.shuffle(mine, new Random(t));
        futures.add(executor.submit(() -> {
          start.await();
          for (SignedRecord record : mine) {
            outcomes.incrementAndGet(store.put(record, NOW).ordinal());
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

    assertEquals(MAX_RECORDS, store.size());
    assertEquals(MAX_RECORDS, outcomes.get(PutOutcome.STORED.ordinal()), "one STORED per admitted key");
    int held = 0;
    for (int k = 0; k < KEYS; k++) {
      Optional<SignedRecord> record = store.get(key(k), NOW);
      if (record.isPresent()) {
        held++;
        // Whatever the interleaving, the latest version reaches every admitted key and nothing replaces it.
        assertEquals(NOW + VERSIONS * 1_000L, record.get().expiresAt(), "key " + k);
      }
    }
    assertEquals(MAX_RECORDS, held);
    assertEquals(0, outcomes.get(PutOutcome.REJECTED_BAD_SIGNATURE.ordinal()));
  }

  private static NodeId key(int k) {
    return ProviderStoreTest.id(50_000 + k);
  }
}
