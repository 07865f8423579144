package org.oversky.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oversky.cache.StoreFixtures.TYPE;
import static org.oversky.cache.StoreFixtures.bodyFile;
import static org.oversky.cache.StoreFixtures.filesUnder;
import static org.oversky.cache.StoreFixtures.put;
import static org.oversky.cache.StoreFixtures.randomBytes;
import static org.oversky.cache.StoreFixtures.read;
import static org.oversky.cache.StoreFixtures.readAll;
import static org.oversky.cache.StoreFixtures.sha256;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.oversky.conf.StoreConfig;

class ContentStoreTest {
  private static final int KIB = 1024;
  private static final int INLINE_MAX = 1 * KIB;
  private static final int HOT_MAX_OBJECT = 8 * KIB;
  private static final StoreConfig CONFIG = new StoreConfig(1024 * KIB, HOT_MAX_OBJECT, INLINE_MAX, 64L * 1024 * KIB);

  @TempDir Path dir;
  private ContentStore store;
  private final RecordingListener listener = new RecordingListener();

  @BeforeEach
  void open() throws IOException {
    store = ContentStore.open(dir, CONFIG);
    store.addListener(listener);
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void smallBodyIsKeptInlineUnderItsSha256AndReadBackFromHeap() throws IOException {
    byte[] data = randomBytes(100, 1);

    StoredBody meta = put(store, data);

    assertEquals(sha256(data), meta.key());
    assertEquals(100, meta.size());
    assertEquals(TYPE, meta.contentType());
    assertTrue(meta.inline());
    assertTrue(store.contains(meta.key()));
    assertEquals(Optional.of(meta), store.info(meta.key()));
    Body body = store.open(meta.key()).orElseThrow();
    assertInstanceOf(Body.InMemory.class, body);
    assertEquals(meta, body.meta());
    assertArrayEquals(data, readAll(body));
    assertEquals(List.of(), filesUnder(dir.resolve("bodies")), "an inline body has no file");
    assertEquals(List.of(meta), listener.stored);
  }

  @Test
  void largeBodyIsKeptInItsOwnFileAndReadBackFromDisk() throws IOException {
    byte[] data = randomBytes(100 * KIB, 2);

    StoredBody meta = put(store, data);

    assertEquals(sha256(data), meta.key());
    assertEquals(data.length, meta.size());
    assertFalse(meta.inline());
    assertEquals(data.length, Files.size(bodyFile(dir, meta.key())));
    Body body = store.open(meta.key()).orElseThrow();
    assertInstanceOf(Body.Disk.class, body, "larger than the hot tier's largest object");
    assertEquals(meta, body.meta());
    assertArrayEquals(data, readAll(body));
    assertEquals(List.of(), filesUnder(dir.resolve("tmp")));
  }

  @Test
  void fileBodyNoLargerThanTheHotMaximumIsServedFromHeap() throws IOException {
    byte[] data = randomBytes(HOT_MAX_OBJECT, 3);

    StoredBody meta = put(store, data);

    assertFalse(meta.inline());
    Body body = store.open(meta.key()).orElseThrow();
    assertInstanceOf(Body.InMemory.class, body);
    assertArrayEquals(data, readAll(body));
    assertArrayEquals(data, read(store, meta.key()), "read again, from the hot tier");
  }

  @Test
  void bodyOfExactlyTheInlineMaximumIsInlineAndOneByteMoreIsAFile() throws IOException {
    byte[] atMax = randomBytes(INLINE_MAX, 4);
    byte[] overMax = randomBytes(INLINE_MAX + 1, 5);

    StoredBody inline = put(store, atMax);
    StoredBody file = put(store, overMax);

    assertTrue(inline.inline());
    assertFalse(file.inline());
    assertTrue(Files.isRegularFile(bodyFile(dir, file.key())));
    assertArrayEquals(atMax, read(store, inline.key()));
    assertArrayEquals(overMax, read(store, file.key()));
  }

  @Test
  void bodyWrittenInPiecesAcrossTheSpillPointHashesAndReadsLikeOneWrite() throws IOException {
    byte[] data = randomBytes(20 * KIB + 17, 6);

    StoredBody meta;
    try (BodyWriter w = store.newWriter(TYPE, Long.MAX_VALUE)) {
      w.write(data[0]);
      w.write(data, 1, 700);
      w.write(ByteBuffer.wrap(data, 701, 600)); // crosses the inline maximum: spills to a file
      w.write(data, 1301, data.length - 1301 - 1);
      w.write(data[data.length - 1]);
      assertEquals(data.length, w.size());
      meta = w.commit(Optional.empty());
    }

    assertEquals(sha256(data), meta.key());
    assertArrayEquals(data, read(store, meta.key()));
  }

  /**
   * A writer told the body's length receives a small body into an array of that size; the length
   * is a hint, so a body that turns out shorter, longer, or past the inline maximum is stored
   * whole all the same, under the hash of what came.
   */
  @ParameterizedTest
  @CsvSource({"600, 600", "600, 400", "600, 1024", "600, 1500", "2000, 600", "-1, 800"})
  void aLengthAnnouncedIsAHintAndTheBodyAsItCameIsStored(long announced, int actual) throws IOException {
    byte[] data = randomBytes(actual, 8);

    StoredBody meta;
    try (BodyWriter w = store.newWriter(TYPE, Long.MAX_VALUE, announced)) {
      w.write(data, 0, actual / 2);
      w.write(data, actual / 2, actual - actual / 2);
      meta = w.commit(Optional.empty());
    }

    assertEquals(sha256(data), meta.key());
    assertEquals(actual, meta.size());
    assertArrayEquals(data, read(store, meta.key()));
  }

  @Test
  void emptyBodyIsStoredUnderTheHashOfNothing() throws IOException {
    StoredBody meta = put(store, new byte[0]);

    assertEquals(sha256(new byte[0]), meta.key());
    assertArrayEquals(new byte[0], read(store, meta.key()));
  }

  @Test
  void commitWithTheMatchingExpectedKeyStores() throws IOException {
    byte[] data = randomBytes(50 * KIB, 7);

    StoredBody meta;
    try (BodyWriter w = store.newWriter(TYPE, Long.MAX_VALUE)) {
      w.write(data);
      meta = w.commit(Optional.of(sha256(data)));
    }

    assertEquals(sha256(data), meta.key());
    assertArrayEquals(data, read(store, meta.key()));
  }

  @ParameterizedTest(name = "{0} bytes")
  @ValueSource(ints = {100, 100 * 1024})
  void commitWithADifferentExpectedKeyThrowsAndStoresNothing(int size) throws IOException {
    byte[] data = randomBytes(size, 8);
    ContentKey expected = sha256("something else".getBytes(java.nio.charset.StandardCharsets.UTF_8));

    try (BodyWriter w = store.newWriter(TYPE, Long.MAX_VALUE)) {
      w.write(data);
      assertEquals(size > INLINE_MAX ? 1 : 0, filesUnder(dir.resolve("tmp")).size(), "precondition: spilled or not");
      ContentMismatchException e = assertThrows(ContentMismatchException.class, () -> w.commit(Optional.of(expected)));
      assertTrue(e.getMessage().contains(expected.hex()), e.getMessage());
      assertTrue(e.getMessage().contains(sha256(data).hex()), e.getMessage());
      assertEquals(List.of(), filesUnder(dir.resolve("tmp")), "discarded when refused, before the writer is closed");
    }

    assertFalse(store.contains(sha256(data)));
    assertFalse(store.contains(expected));
    assertEquals(List.of(), store.list());
    assertEquals(0, store.stats().bytes());
    assertEquals(List.of(), filesUnder(dir.resolve("tmp")));
    assertEquals(List.of(), filesUnder(dir.resolve("bodies")));
    assertEquals(List.of(), listener.stored);
  }

  @Test
  void bodyOverTheWriterLimitThrowsAndLeavesNoTempFile() throws IOException {
    try (BodyWriter w = store.newWriter(TYPE, 10 * KIB)) {
      w.write(randomBytes(4 * KIB, 9));
      assertEquals(1, filesUnder(dir.resolve("tmp")).size(), "precondition: the body spilled to a temp file");

      BodyTooLargeException e = assertThrows(BodyTooLargeException.class, () -> w.write(randomBytes(7 * KIB, 10)));

      assertEquals(10 * KIB, e.limit());
      assertEquals(List.of(), filesUnder(dir.resolve("tmp")), "discarded when refused, before the writer is closed");
      assertThrows(IOException.class, () -> w.commit(Optional.empty()), "a refused body cannot be committed");
    }
    assertEquals(List.of(), filesUnder(dir.resolve("tmp")));
    assertEquals(List.of(), filesUnder(dir.resolve("bodies")));
    assertEquals(List.of(), store.list());
  }

  @Test
  void bodyOfExactlyTheWriterLimitIsStored() throws IOException {
    byte[] data = randomBytes(10 * KIB, 11);

    StoredBody meta;
    try (BodyWriter w = store.newWriter(TYPE, data.length)) {
      w.write(data);
      meta = w.commit(Optional.empty());
    }

    assertArrayEquals(data, read(store, meta.key()));
  }

  @Test
  void writerLimitIsCappedByTheDiskBudget(@TempDir Path otherDir) throws IOException {
    try (ContentStore small = ContentStore.open(otherDir, new StoreConfig(KIB, KIB, KIB, 64 * KIB));
        BodyWriter w = small.newWriter(TYPE, Long.MAX_VALUE)) {
      BodyTooLargeException e =
          assertThrows(BodyTooLargeException.class, () -> w.write(randomBytes(64 * KIB + 1, 12)));

      assertEquals(64 * KIB, e.limit());
    }
    assertEquals(List.of(), filesUnder(otherDir.resolve("tmp")));
  }

  @Test
  void closingAWriterWithoutCommitStoresNothing() throws IOException {
    byte[] data = randomBytes(30 * KIB, 13);

    try (BodyWriter w = store.newWriter(TYPE, Long.MAX_VALUE)) {
      w.write(data);
    }

    assertFalse(store.contains(sha256(data)));
    assertEquals(List.of(), filesUnder(dir.resolve("tmp")));
    assertEquals(List.of(), filesUnder(dir.resolve("bodies")));
  }

  @ParameterizedTest(name = "{0} bytes")
  @ValueSource(ints = {100, 100 * 1024})
  void storingTheSameBytesTwiceKeepsOneEntryCountedOnce(int size) throws IOException {
    byte[] data = randomBytes(size, 14);

    StoredBody first = put(store, data);
    StoredBody second;
    try (BodyWriter w = store.newWriter(TYPE, Long.MAX_VALUE)) {
      w.write(data);
      second = w.commit(Optional.empty());
      assertEquals(List.of(), filesUnder(dir.resolve("tmp")), "the duplicate's temp file is discarded at commit");
    }

    assertEquals(first, second, "the second commit returns the existing entry");
    assertEquals(List.of(first), store.list());
    assertEquals(1, store.stats().bodies());
    assertEquals(size, store.stats().bytes());
    assertEquals(List.of(first), listener.stored, "stored is told once");
    assertArrayEquals(data, read(store, first.key()));
  }

  @Test
  void statsCountBodiesAndBytes() throws IOException {
    put(store, randomBytes(100, 15));
    put(store, randomBytes(20 * KIB, 16));

    StoreStats stats = store.stats();

    assertEquals(2, stats.bodies());
    assertEquals(100 + 20 * KIB, stats.bytes());
    assertEquals(CONFIG.diskBytes(), stats.diskBudget());
    assertEquals(0, stats.evictions());
  }

  @Test
  void deleteRemovesAFileBodyAndItsFile() throws IOException {
    byte[] data = randomBytes(100 * KIB, 17);
    StoredBody meta = put(store, data);
    Path file = bodyFile(dir, meta.key());
    assertTrue(Files.isRegularFile(file), "precondition");

    assertTrue(store.delete(meta.key()));

    assertFalse(store.contains(meta.key()));
    assertEquals(Optional.empty(), store.open(meta.key()));
    assertEquals(Optional.empty(), store.info(meta.key()));
    assertFalse(Files.exists(file));
    assertEquals(0, store.stats().bytes());
    assertEquals(0, store.stats().evictions());
    assertEquals(List.of(meta), listener.deleted);
    assertEquals(List.of(), listener.evicted);
    assertFalse(store.delete(meta.key()), "nothing left to delete");
  }

  @Test
  void deletedInlineBodyStaysGoneAfterReopening() throws IOException {
    StoredBody meta = put(store, randomBytes(100, 18));

    assertTrue(store.delete(meta.key()));
    assertEquals(Optional.empty(), store.open(meta.key()), "not served from the hot tier either");
    store.close();
    store = ContentStore.open(dir, CONFIG);

    assertFalse(store.contains(meta.key()));
    assertEquals(0, store.stats().bodies());
  }

  @Test
  void theWindowsOfADiskBodyAreMappedOnceForEveryReaderAndHoldItsBytes() throws IOException {
    int size = (int) (2 * MappedBody.WINDOW + 12_345); // three windows, the last one short
    byte[] data = randomBytes(size, 31);
    StoredBody meta = put(store, data);

    Body.Disk first = (Body.Disk) store.open(meta.key()).orElseThrow();
    Body.Disk second = (Body.Disk) store.open(meta.key()).orElseThrow();
    assertSame(first.mapped(), second.mapped(), "the readers share the mapped windows");
    ByteBuffer out = ByteBuffer.allocate(size);
    for (int i = 0; i < 3; i++) {
      ByteBuffer window = first.mapped().window(i, first.channel());
      assertEquals(i < 2 ? MappedBody.WINDOW : 12_345, window.remaining(), "window " + i);
      out.put(window);
    }
    assertArrayEquals(data, out.array());
    // a window is its reader's own buffer: reading one moves no other reader's position
    assertEquals(MappedBody.WINDOW, second.mapped().window(0, second.channel()).remaining());
    first.close();
    second.close();

    store.delete(meta.key());
    put(store, data);
    try (Body.Disk again = (Body.Disk) store.open(meta.key()).orElseThrow()) {
      assertNotSame(first.mapped(), again.mapped(), "a body stored again is mapped again, from its new file");
    }
  }

  @Test
  void aBodyOfOneMappedWindowIsInMemoryOnceItsPagesAreResident() throws IOException {
    byte[] data = randomBytes(300 * KIB, 33); // above the hot tier's largest: a file
    StoredBody meta = put(store, data);
    assertEquals(Optional.empty(), store.openInMemory(meta.key()), "not mapped yet");

    try (Body.Disk disk = (Body.Disk) store.open(meta.key()).orElseThrow()) {
      ByteBuffer window = disk.mapped().window(0, disk.channel());
      window.get(new byte[window.remaining()]); // every page read, so resident
    }

    Body body = store.openInMemory(meta.key()).orElseThrow();
    assertInstanceOf(Body.InMemory.class, body);
    assertArrayEquals(data, readAll(body));
    store.delete(meta.key());
    assertEquals(Optional.empty(), store.openInMemory(meta.key()), "a removed body is not served from its mapping");
  }

  @Test
  void aWindowOfABodyFileShorterThanItsEntryIsRefused() throws IOException {
    byte[] data = randomBytes(100 * KIB, 32);
    StoredBody meta = put(store, data);
    try (java.nio.channels.FileChannel f = java.nio.channels.FileChannel.open(bodyFile(dir, meta.key()), java.nio.file.StandardOpenOption.WRITE)) {
      f.truncate(50 * KIB);
    }
    try (Body.Disk body = (Body.Disk) store.open(meta.key()).orElseThrow()) {
      IOException e = assertThrows(IOException.class, () -> body.mapped().window(0, body.channel()));
      assertTrue(e.getMessage().contains("shorter than its index entry"), e.getMessage());
    }
  }

  @Test
  void diskBodyOpenedBeforeADeleteStaysReadableUntilClosed() throws IOException {
    byte[] data = randomBytes(100 * KIB, 19);
    StoredBody meta = put(store, data);
    Body body = store.open(meta.key()).orElseThrow();
    assertInstanceOf(Body.Disk.class, body, "precondition");

    store.delete(meta.key());

    assertArrayEquals(data, readAll(body));
  }

  @Test
  void bodyFileRemovedWhileOpenIsDroppedFromTheIndexOnRead() throws IOException {
    StoredBody meta = put(store, randomBytes(100 * KIB, 20));
    Files.delete(bodyFile(dir, meta.key()));

    assertEquals(Optional.empty(), store.open(meta.key()));

    assertFalse(store.contains(meta.key()));
    assertEquals(0, store.stats().bytes());
  }
}
