package org.oversky.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.oversky.cache.StoreFixtures.TYPE;
import static org.oversky.cache.StoreFixtures.bodyFile;
import static org.oversky.cache.StoreFixtures.filesUnder;
import static org.oversky.cache.StoreFixtures.randomBytes;
import static org.oversky.cache.StoreFixtures.read;
import static org.oversky.cache.StoreFixtures.sha256;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oversky.conf.StoreConfig;

/** A followable writer ({@code newFollowableWriter}): readers follow the body while it is written. */
class BodyWriterFollowTest {
  private static final int KIB = 1024;
  private static final int INLINE_MAX = KIB;
  private static final StoreConfig CONFIG = new StoreConfig(1024 * KIB, 8 * KIB, INLINE_MAX, 64L * 1024 * KIB);

  @TempDir Path dir;
  private ContentStore store;

  @BeforeEach
  void open() throws IOException {
    store = ContentStore.open(dir, CONFIG);
  }

  @AfterEach
  void close() {
    store.close();
  }

  private BodyWriter followable() {
    return store.newFollowableWriter(TYPE, Long.MAX_VALUE, -1); // length not announced
  }

  /** Reads exactly {@code length} bytes at {@code position}; fails if the channel has fewer. */
  private static byte[] readExactly(FileChannel channel, long position, int length) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(length);
    while (buf.hasRemaining()) {
      int n = channel.read(buf, position + buf.position());
      if (n <= 0) {
        fail("expected " + length + " bytes at " + position + ", got " + buf.position());
      }
    }
    return buf.array();
  }

  private static void assertAtEnd(FileChannel channel, long position) throws IOException {
    assertEquals(-1, channel.read(ByteBuffer.allocate(1), position), "nothing beyond byte " + position);
  }

  @Test
  void readerOpenedBeforeAnyWriteFollowsEachChunkAsItIsWritten() throws IOException {
    byte[] data = randomBytes(64 * KIB, 1);
    int chunk = 4 * KIB + 7; // not a divisor of the size: the last chunk is short
    try (BodyWriter w = followable();
        FileChannel reader = w.newReader()) {
      assertEquals(0, reader.size());
      assertAtEnd(reader, 0);

      for (int pos = 0; pos < data.length; pos += chunk) {
        int len = Math.min(chunk, data.length - pos);
        w.write(data, pos, len);

        assertArrayEquals(Arrays.copyOfRange(data, pos, pos + len), readExactly(reader, pos, len), "chunk at " + pos);
        assertAtEnd(reader, pos + len);
      }

      StoredBody meta = w.commit(Optional.empty());

      assertFalse(meta.inline());
      assertArrayEquals(data, readExactly(reader, 0, data.length), "the reader still has the whole body after commit");
      assertAtEnd(reader, data.length);
    }
  }

  @Test
  void readerOpenedMidwaySeesTheBytesWrittenBeforeIt() throws IOException {
    byte[] data = randomBytes(10 * KIB, 2);
    try (BodyWriter w = followable()) {
      w.write(data, 0, 3 * KIB);
      try (FileChannel reader = w.newReader()) {
        assertArrayEquals(Arrays.copyOfRange(data, 0, 3 * KIB), readExactly(reader, 0, 3 * KIB));
        w.write(data, 3 * KIB, data.length - 3 * KIB);
        assertArrayEquals(data, readExactly(reader, 0, data.length));
        assertAtEnd(reader, data.length);
      }
      w.commit(Optional.empty());
    }
  }

  @Test
  void smallFollowableBodyIsStillStoredInlineUnderItsSha256() throws IOException {
    byte[] data = randomBytes(300, 3);
    StoredBody meta;
    try (BodyWriter w = followable();
        FileChannel reader = w.newReader()) {
      w.write(data);
      meta = w.commit(Optional.empty());

      assertArrayEquals(data, readExactly(reader, 0, data.length), "the reader still has the whole body after commit");
    }

    assertTrue(meta.inline());
    assertEquals(sha256(data), meta.key());
    assertEquals(data.length, meta.size());
    assertEquals(Optional.of(meta), store.info(meta.key()));
    assertArrayEquals(data, read(store, meta.key()));
    assertFalse(Files.exists(bodyFile(dir, meta.key())), "an inline body has no file");
    assertEquals(List.of(), filesUnder(dir.resolve("tmp")));
  }

  @Test
  void followableBodyOfExactlyTheInlineMaxIsInlineAndOneByteMoreIsAFile() throws IOException {
    byte[] atMax = randomBytes(INLINE_MAX, 4);
    byte[] overMax = randomBytes(INLINE_MAX + 1, 5);
    StoredBody inline;
    StoredBody file;
    try (BodyWriter w = followable()) {
      w.write(atMax);
      inline = w.commit(Optional.empty());
    }
    try (BodyWriter w = followable()) {
      w.write(overMax);
      file = w.commit(Optional.empty());
    }

    assertTrue(inline.inline());
    assertFalse(file.inline());
    assertArrayEquals(atMax, read(store, inline.key()));
    assertArrayEquals(overMax, read(store, file.key()));
    assertArrayEquals(overMax, Files.readAllBytes(bodyFile(dir, file.key())));
  }

  @Test
  void largeFollowableBodyIsStoredAsAFileUnderItsSha256() throws IOException {
    byte[] data = randomBytes(100 * KIB, 6);
    StoredBody meta;
    try (BodyWriter w = followable()) {
      for (int pos = 0; pos < data.length; pos += 8 * KIB) {
        w.write(data, pos, Math.min(8 * KIB, data.length - pos));
      }
      meta = w.commit(Optional.empty());
    }

    assertFalse(meta.inline());
    assertEquals(sha256(data), meta.key());
    assertEquals(data.length, meta.size());
    assertEquals(Optional.of(meta), store.info(meta.key()));
    assertArrayEquals(data, Files.readAllBytes(bodyFile(dir, meta.key())));
    assertArrayEquals(data, read(store, meta.key()));
    assertEquals(List.of(), filesUnder(dir.resolve("tmp")));
  }

  @Test
  void closingWithoutCommitStoresNothingAndEmptiesTheTempDir() throws IOException {
    byte[] data = randomBytes(20 * KIB, 7);
    try (BodyWriter w = followable();
        FileChannel reader = w.newReader()) {
      w.write(data);
      assertFalse(filesUnder(dir.resolve("tmp")).isEmpty(), "precondition: the body is being spilled");

      w.close();

      assertEquals(List.of(), filesUnder(dir.resolve("tmp")), "with a reader still open");
      assertTrue(reader.isOpen());
      assertThrows(IOException.class, () -> w.commit(Optional.empty()), "a discarded body cannot be committed");
    }
    assertEquals(List.of(), store.list());
    assertFalse(store.contains(sha256(data)));
    assertEquals(0, store.stats().bodies());
    assertEquals(0, store.stats().bytes());
    assertEquals(List.of(), filesUnder(dir.resolve("bodies")));
  }

  @Test
  void newReaderAfterCommitFails() throws IOException {
    try (BodyWriter w = followable()) {
      w.write(randomBytes(5 * KIB, 8));
      w.commit(Optional.empty());

      assertThrows(IOException.class, w::newReader);
    }
  }

  @Test
  void newReaderOnANonFollowableWriterIsRefused() throws IOException {
    try (BodyWriter w = store.newWriter(TYPE, Long.MAX_VALUE)) {
      assertThrows(IllegalStateException.class, w::newReader, "before any write");
      w.write(randomBytes(20 * KIB, 9)); // past the inline size: spilled to a temp file
      assertThrows(IllegalStateException.class, w::newReader, "after spilling");
    }
    try (BodyWriter w = store.newFollowableWriter(TYPE, Long.MAX_VALUE, INLINE_MAX)) {
      assertFalse(w.followable(), "a body announced as inline-size is kept in heap");
      assertThrows(IllegalStateException.class, w::newReader);
    }
  }

  @Test
  void bodyAnnouncedAsInlineSizeNeverMakesATempFile() throws IOException {
    // A temp file made and deleted for every small body is costly: on ext4 without a journal,
    // each new file then skips past the recently deleted inodes.
    byte[] data = randomBytes(INLINE_MAX, 6);
    StoredBody meta;
    try (BodyWriter w = store.newFollowableWriter(TYPE, Long.MAX_VALUE, data.length)) {
      w.write(Arrays.copyOfRange(data, 0, 100));
      w.write(Arrays.copyOfRange(data, 100, data.length));
      assertEquals(List.of(), filesUnder(dir.resolve("tmp")), "nothing written to disk while the body arrives");
      meta = w.commit(Optional.empty());
    }
    assertTrue(meta.inline());
    assertArrayEquals(data, read(store, meta.key()));
  }

  @Test
  void bodyAnnouncedLargerThanInlineIsFollowableFromItsFirstByte() throws IOException {
    byte[] data = randomBytes(INLINE_MAX + 1, 7);
    try (BodyWriter w = store.newFollowableWriter(TYPE, Long.MAX_VALUE, data.length);
        FileChannel reader = w.newReader()) {
      assertTrue(w.followable());
      w.write(Arrays.copyOfRange(data, 0, 10));
      assertArrayEquals(Arrays.copyOfRange(data, 0, 10), readExactly(reader, 0, 10));
      w.write(Arrays.copyOfRange(data, 10, data.length));
      w.commit(Optional.empty());
    }
  }
}
