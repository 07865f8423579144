package org.oversky.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oversky.cache.StoreFixtures.bodyFile;
import static org.oversky.cache.StoreFixtures.filesUnder;
import static org.oversky.cache.StoreFixtures.put;
import static org.oversky.cache.StoreFixtures.randomBytes;
import static org.oversky.cache.StoreFixtures.read;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oversky.conf.StoreConfig;

class ContentStoreEvictionTest {
  private static final int KIB = 1024;
  private static final long BUDGET = 1024 * KIB;
  private static final StoreConfig CONFIG = new StoreConfig(64 * KIB, 8 * KIB, KIB, BUDGET);

  @TempDir Path dir;

  @Test
  void storingPastTheDiskBudgetEvictsBodiesAndTheirFiles() throws IOException {
    RecordingListener listener = new RecordingListener();
    Map<ContentKey, byte[]> written = new LinkedHashMap<>();
    try (ContentStore store = ContentStore.open(dir, CONFIG)) {
      store.addListener(listener);
      for (int i = 0; i < 40; i++) { // 40 x 64 KiB = 2.5 MiB, over the 1 MiB budget
        byte[] data = randomBytes(64 * KIB, 100 + i);
        written.put(put(store, data).key(), data);
      }

      StoreStats stats = store.stats();
      assertTrue(stats.bytes() <= BUDGET, "stored " + stats.bytes() + " bytes, budget " + BUDGET);
      assertTrue(stats.evictions() > 0, "nothing was evicted");
      assertEquals(listener.evicted.size(), stats.evictions());
      assertEquals(0, listener.deleted.size());

      Set<ContentKey> kept = new HashSet<>();
      long keptBytes = 0;
      for (Map.Entry<ContentKey, byte[]> e : written.entrySet()) {
        ContentKey key = e.getKey();
        if (store.contains(key)) {
          kept.add(key);
          keptBytes += e.getValue().length;
          assertTrue(Files.isRegularFile(bodyFile(dir, key)), "kept body " + key + " has its file");
          assertArrayEquals(e.getValue(), read(store, key));
        } else {
          assertFalse(Files.exists(bodyFile(dir, key)), "evicted body " + key + " left its file");
          assertEquals(Optional.empty(), store.open(key));
        }
      }
      Set<ContentKey> evicted = listener.evicted.stream().map(StoredBody::key).collect(Collectors.toSet());
      Set<ContentKey> gone = new HashSet<>(written.keySet());
      gone.removeAll(kept);
      assertEquals(gone, evicted, "the listener is told of exactly the bodies that left");
      assertEquals(kept.size(), stats.bodies());
      assertEquals(keptBytes, stats.bytes());
      assertEquals(kept.size(), filesUnder(dir.resolve("bodies")).size());
    }
  }

  @Test
  void evictedBodiesStayGoneAfterReopening() throws IOException {
    Set<ContentKey> all = new HashSet<>();
    Set<ContentKey> kept;
    try (ContentStore store = ContentStore.open(dir, CONFIG)) {
      for (int i = 0; i < 40; i++) {
        all.add(put(store, randomBytes(64 * KIB, 200 + i)).key());
      }
      kept = all.stream().filter(store::contains).collect(Collectors.toSet());
      assertTrue(kept.size() < all.size(), "precondition: something was evicted");
    }

    try (ContentStore store = ContentStore.open(dir, CONFIG)) {
      assertEquals(kept, all.stream().filter(store::contains).collect(Collectors.toSet()));
      assertTrue(store.stats().bytes() <= BUDGET);
    }
  }

  @Test
  void reopeningWithASmallerBudgetEvictsDownToIt() throws IOException {
    Set<ContentKey> all = new HashSet<>();
    try (ContentStore store = ContentStore.open(dir, new StoreConfig(64 * KIB, 8 * KIB, KIB, 4 * BUDGET))) {
      for (int i = 0; i < 40; i++) {
        all.add(put(store, randomBytes(64 * KIB, 300 + i)).key());
      }
      assertEquals(40, store.stats().bodies(), "precondition: everything fits the larger budget");
    }

    try (ContentStore store = ContentStore.open(dir, CONFIG)) {
      assertTrue(store.stats().bytes() <= BUDGET, store.stats().toString());
      for (ContentKey key : all) {
        assertEquals(store.contains(key), Files.exists(bodyFile(dir, key)), "file of " + key);
      }
    }
  }
}
