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
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oversky.conf.StoreConfig;

/** Closing and reopening a store on the same directory, and repairing what a crash can leave behind. */
class ContentStoreRecoveryTest {
  private static final int KIB = 1024;
  private static final StoreConfig CONFIG = new StoreConfig(1024 * KIB, 8 * KIB, KIB, 64L * 1024 * KIB);

  @TempDir Path dir;
  private final byte[] small = randomBytes(200, 1);
  private final byte[] large = randomBytes(100 * KIB, 2);
  private StoredBody inline;
  private StoredBody file;

  @BeforeEach
  void storeOneInlineAndOneFileBody() throws IOException {
    try (ContentStore store = ContentStore.open(dir, CONFIG)) {
      inline = put(store, small);
      file = put(store, large);
    }
    assertTrue(inline.inline() && !file.inline(), "precondition");
  }

  @Test
  void bodiesAndTheirMetadataSurviveARestart() throws IOException {
    try (ContentStore store = ContentStore.open(dir, CONFIG)) {
      assertEquals(Optional.of(inline), store.info(inline.key()));
      assertEquals(Optional.of(file), store.info(file.key()));
      assertArrayEquals(small, read(store, inline.key()));
      assertArrayEquals(large, read(store, file.key()));
      assertEquals(2, store.stats().bodies());
      assertEquals(small.length + large.length, store.stats().bytes());
    }
  }

  @Test
  void anUnreadableIndexIsSetAsideAndTheBodyFilesAreVerifiedAndKept() throws IOException {
    byte[] other = randomBytes(50 * KIB, 4);
    StoredBody tampered;
    try (ContentStore store = ContentStore.open(dir, CONFIG)) {
      tampered = put(store, other);
    }
    Files.write(bodyFile(dir, tampered.key()), randomBytes(50 * KIB, 5)); // same size, other bytes
    // An index file whose start is damaged: no record in it can be trusted.
    Files.write(dir.resolve(ContentStore.INDEX_FILE), randomBytes(64 * KIB, 6));

    try (ContentStore store = ContentStore.open(dir, CONFIG)) {
      assertArrayEquals(large, read(store, file.key()), "a file body is verified and kept");
      assertFalse(store.contains(tampered.key()), "a body file whose bytes do not hash to its name is dropped");
      assertFalse(Files.exists(bodyFile(dir, tampered.key())));
      assertFalse(store.contains(inline.key()), "inline bodies were in the lost index");
      try (var aside = Files.list(dir)) {
        assertTrue(aside.anyMatch(p -> p.getFileName().toString().startsWith("index.log.broken-")), "the broken index is kept aside");
      }
      assertEquals(1, store.stats().bodies());
    }
    try (ContentStore again = ContentStore.open(dir, CONFIG)) {
      assertArrayEquals(large, read(again, file.key()), "the rebuilt index is committed");
    }
  }

  /** A store of an earlier version: its MapDB index file, as that version wrote it. */
  private void writeLegacyIndex(StoredResponse response) {
    org.mapdb.DB db = org.mapdb.DBMaker.fileDB(dir.resolve("index.db").toFile()).fileChannelEnable().transactionEnable().make();
    try {
      var meta = db.hashMap("meta", org.mapdb.Serializer.STRING, org.mapdb.Serializer.BYTE_ARRAY).createOrOpen();
      meta.put(inline.key().hex(), inline.encode());
      meta.put(file.key().hex(), file.encode());
      db.hashMap("inline", org.mapdb.Serializer.STRING, org.mapdb.Serializer.BYTE_ARRAY).createOrOpen().put(inline.key().hex(), small);
      db.treeMap("responses", org.mapdb.Serializer.STRING, org.mapdb.Serializer.BYTE_ARRAY).createOrOpen()
          .put(response.indexKey(), response.encode());
      db.treeMap("body-refs", org.mapdb.Serializer.STRING, org.mapdb.Serializer.BOOLEAN).createOrOpen()
          .put(response.body().hex() + '\u0000' + response.indexKey(), true);
      db.commit();
    } finally {
      db.close();
    }
  }

  @Test
  void theMapDbIndexOfAnEarlierVersionIsMovedIntoTheIndexFileWithNothingLost() throws IOException {
    StoredResponse response = new StoredResponse("http://a/x", "", 200, List.of(new StoredResponse.Header("Content-Type", "text/plain")), inline.key(), 1, 2);
    Files.delete(dir.resolve(ContentStore.INDEX_FILE));
    writeLegacyIndex(response);
    try (ContentStore store = ContentStore.open(dir, CONFIG)) {
      assertArrayEquals(small, read(store, inline.key()), "an inline body, from the old file");
      assertArrayEquals(large, read(store, file.key()));
      assertEquals(List.of(response), store.responses().variants("http://a/x"));
      assertEquals(List.of("http://a/x"), store.responses().urlsOf(inline.key()));
      assertFalse(Files.exists(dir.resolve("index.db")), "the old file goes once moved");
    }
    try (ContentStore again = ContentStore.open(dir, CONFIG)) {
      assertEquals(List.of(response), again.responses().variants("http://a/x"), "and the move is durable");
      assertEquals(2, again.stats().bodies());
    }
  }

  @Test
  void anUnreadableMapDbIndexOfAnEarlierVersionIsSetAsideAndTheFilesReindexed() throws IOException {
    Files.delete(dir.resolve(ContentStore.INDEX_FILE));
    Files.write(dir.resolve("index.db"), randomBytes(64 * KIB, 6)); // as MapDB's write-ahead log can leave it after a crash
    try (ContentStore store = ContentStore.open(dir, CONFIG)) {
      assertArrayEquals(large, read(store, file.key()), "a file body is verified and kept");
      assertFalse(store.contains(inline.key()), "inline bodies were in the lost index");
      try (var aside = Files.list(dir)) {
        assertTrue(aside.anyMatch(p -> p.getFileName().toString().startsWith("index.db.broken-")), "the broken index is kept aside");
      }
    }
  }

  @Test
  void aStoreOpenElsewhereIsRefusedAndLeftAlone() throws IOException {
    try (ContentStore first = ContentStore.open(dir, CONFIG)) {
      IOException refused = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> ContentStore.open(dir, CONFIG));
      assertTrue(refused.getMessage().contains("open in another process"), refused.getMessage());
      assertArrayEquals(large, read(first, file.key()), "the open store keeps its index");
      try (var files = Files.list(dir)) {
        assertFalse(files.anyMatch(p -> p.getFileName().toString().contains(".broken-")), "nothing was set aside");
      }
    }
  }

  @Test
  void strayTempFileIsRemovedOnOpen() throws IOException {
    Path stray = Files.write(dir.resolve("tmp").resolve("crashed-upload.part"), randomBytes(5000, 3));

    try (ContentStore store = ContentStore.open(dir, CONFIG)) {
      assertFalse(Files.exists(stray));
      assertEquals(List.of(), filesUnder(dir.resolve("tmp")));
      assertArrayEquals(large, read(store, file.key()));
    }
  }

  @Test
  void indexedBodyWhoseFileIsGoneIsDroppedOnOpen() throws IOException {
    Files.delete(bodyFile(dir, file.key()));

    try (ContentStore store = ContentStore.open(dir, CONFIG)) {
      assertFalse(store.contains(file.key()));
      assertEquals(Optional.empty(), store.open(file.key()));
      assertEquals(small.length, store.stats().bytes());
      assertArrayEquals(small, read(store, inline.key()), "the other body is untouched");
    }
    try (ContentStore store = ContentStore.open(dir, CONFIG)) {
      assertFalse(store.contains(file.key()), "the dropped entry stays dropped");
      assertEquals(1, store.stats().bodies());
    }
  }

  @Test
  void indexedBodyWhoseFileHasTheWrongSizeIsDroppedAndItsFileRemovedOnOpen() throws IOException {
    Path body = bodyFile(dir, file.key());
    Files.write(body, randomBytes(10 * KIB, 4)); // a torn write

    try (ContentStore store = ContentStore.open(dir, CONFIG)) {
      assertFalse(store.contains(file.key()));
      assertFalse(Files.exists(body), "a file no entry points to is an orphan");
      assertTrue(store.contains(inline.key()));
    }
  }

  @Test
  void unindexedBodyFileIsRemovedOnOpen() throws IOException {
    ContentKey unknown = StoreFixtures.sha256("never indexed".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    Path orphan = bodyFile(dir, unknown);
    Files.createDirectories(orphan.getParent());
    Files.write(orphan, "never indexed".getBytes(java.nio.charset.StandardCharsets.UTF_8));

    try (ContentStore store = ContentStore.open(dir, CONFIG)) {
      assertFalse(Files.exists(orphan));
      assertFalse(store.contains(unknown));
      assertEquals(List.of(bodyFile(dir, file.key())), filesUnder(dir.resolve("bodies")), "the indexed file stays");
      assertArrayEquals(large, read(store, file.key()));
    }
  }

  @Test
  void fileUnderBodiesThatIsNotNamedLikeAKeyIsRemovedOnOpen() throws IOException {
    Path badlyNamed = Files.createDirectories(dir.resolve("bodies").resolve("zz")).resolve("not-a-key");
    Files.writeString(badlyNamed, "x");
    Path atTop = Files.writeString(dir.resolve("bodies").resolve("loose"), "y");

    try (ContentStore store = ContentStore.open(dir, CONFIG)) {
      assertFalse(Files.exists(badlyNamed));
      assertFalse(Files.exists(atTop));
      assertTrue(store.contains(file.key()));
    }
  }
}
