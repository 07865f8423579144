package org.oversky.cache;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Optional;
import org.apache.commons.codec.digest.DigestUtils;

/**
 * Receives one body as it streams in, hashing every byte. Small bodies stay in heap; once a body
 * passes the inline size it spills to a temp file. Nothing is visible in the store until {@link
 * #commit} has checked the hash; {@link #close} without a commit throws everything away.
 */
public final class BodyWriter extends OutputStream {
  private final ContentStore store;
  private final String contentType;
  private final long limit;
  private final int inlineMax;
  private final boolean spill;
  private final MessageDigest digest = DigestUtils.getSha256Digest();
  /** The bytes of a body small enough to stay in heap: sized as announced, else grown by doubling. */
  private byte[] buffer;
  private int buffered;
  private Path tempFile;
  private FileChannel channel;
  private long size;
  private boolean done;

  /**
   * @param expectedLength the length the body was announced with, -1 when unknown: a body that
   *     will stay in heap is received into an array of that size (an announced length is a hint,
   *     bounded by {@code inlineMax}; a body of another length is still received whole)
   */
  BodyWriter(ContentStore store, String contentType, long limit, int inlineMax, boolean spill, long expectedLength) {
    this.spill = spill;
    this.store = store;
    this.contentType = contentType;
    this.limit = limit;
    this.inlineMax = inlineMax;
    this.buffer = new byte[!spill && expectedLength > 0 && expectedLength <= Math.min(inlineMax, limit) ? (int) expectedLength : 256];
  }

  /** Bytes received so far. */
  public long size() {
    return size;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    write(ByteBuffer.wrap(b, off, len));
  }

  /** Appends the remaining bytes of {@code src}, consuming them. */
  public void write(ByteBuffer src) throws IOException {
    if (done) {
      throw new IOException("this body was already committed or discarded");
    }
    int len = src.remaining();
    if (size + len > limit) {
      close();
      throw new BodyTooLargeException(limit);
    }
    digest.update(src.duplicate());
    size += len;
    if (channel == null && !spill && buffered + len <= inlineMax) {
      if (buffered + len > buffer.length) {
        buffer = Arrays.copyOf(buffer, Math.min(inlineMax, Math.max(buffered + len, buffer.length * 2)));
      }
      src.get(buffer, buffered, len);
      buffered += len;
      return;
    }
    if (channel == null) {
      openTemp();
    }
    while (src.hasRemaining()) {
      channel.write(src);
    }
  }

  private void openTemp() throws IOException {
    tempFile = store.newTempFile();
    channel =
        FileChannel.open(tempFile, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW);
    ByteBuffer head = ByteBuffer.wrap(buffer, 0, buffered);
    while (head.hasRemaining()) {
      channel.write(head);
    }
    buffer = null;
  }

  /** Whether readers can follow this body as it arrives ({@link #newReader}). */
  public boolean followable() {
    return spill;
  }

  /**
   * A new channel reading what has been written so far (and what is written later), for readers
   * that follow the body while it arrives. Only for writers made to spill; the caller closes it.
   * It stays readable after the commit or discard.
   */
  public FileChannel newReader() throws IOException {
    if (!spill) {
      throw new IllegalStateException("only a spilling writer can be followed");
    }
    if (channel == null && !done) {
      openTemp();
    }
    if (tempFile == null) {
      throw new IOException("this body was already committed or discarded");
    }
    return FileChannel.open(tempFile, StandardOpenOption.READ);
  }

  /**
   * Stores the body under the SHA-256 of what was written.
   *
   * @param expected the key the caller expects, if any; a different hash stores nothing
   * @return the stored body's metadata (an existing entry's when the body was already stored)
   * @throws ContentMismatchException when the bytes do not hash to {@code expected}
   */
  public StoredBody commit(Optional<ContentKey> expected) throws IOException {
    if (done) {
      throw new IOException("this body was already committed or discarded");
    }
    ContentKey key = ContentKey.ofDigest(digest.digest());
    if (expected.isPresent() && !expected.get().equals(key)) {
      close();
      throw new ContentMismatchException(expected.get(), key);
    }
    done = true;
    try {
      if (channel == null) {
        // an array filled exactly (the announced length) is handed over as it is: no one writes it after this
        return store.commitInline(key, contentType, buffered == buffer.length ? buffer : Arrays.copyOf(buffer, buffered));
      }
      if (size <= inlineMax) {
        byte[] small = new byte[(int) size];
        ByteBuffer in = ByteBuffer.wrap(small);
        while (in.hasRemaining() && channel.read(in, in.position()) >= 0) {
          // reads the whole temp file
        }
        return store.commitInline(key, contentType, small);
      }
      channel.close(); // synced later, in a batch, before the index names it (GroupCommit)
      channel = null;
      return store.commitFile(key, contentType, size, tempFile);
    } finally {
      discardTemp();
    }
  }

  /** Discards the body unless it was committed. */
  @Override
  public void close() throws IOException {
    done = true;
    discardTemp();
  }

  private void discardTemp() throws IOException {
    if (channel != null) {
      channel.close();
      channel = null;
    }
    if (tempFile != null) {
      Files.deleteIfExists(tempFile);
      tempFile = null;
    }
    buffer = null;
  }
}
