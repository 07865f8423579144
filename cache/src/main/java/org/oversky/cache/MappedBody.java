package org.oversky.cache;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A body file's windows, each mapped once and shared by every reader of the body: a hit is a
 * slice of pages already mapped, with no {@code mmap}, no page faults and nothing left for the
 * collector to unmap (a mapping a request made 4,000 mappings a second of 1 MiB hits, each
 * faulted page by page and unmapped only when the collector ran). Body files never change once
 * stored (a copy replaces a file whole), so a window mapped once stays right; a body deleted
 * meanwhile stays readable through its windows until they are dropped.
 */
public final class MappedBody {
  /** The bytes of one window (a mapping is at most 2 GiB; a body bigger than a window has several). */
  public static final long WINDOW = 8L << 20;

  private final StoredBody meta;
  private final AtomicReferenceArray<MappedByteBuffer> windows;

  MappedBody(StoredBody meta) {
    this.meta = meta;
    this.windows = new AtomicReferenceArray<>((int) Math.max(1, (meta.size() + WINDOW - 1) / WINDOW));
  }

  /** The body's size in bytes. */
  public long size() {
    return meta.size();
  }

  /**
   * The whole body as a read-only buffer of its own, when it is one window, already mapped, and
   * every page of it is in memory ({@link MappedByteBuffer#isLoaded}, a {@code mincore} call that
   * reads no disk): then it can be written like a body in memory, on the thread that parsed the
   * request, with no file to open. Null otherwise.
   */
  public ByteBuffer residentWhole() {
    MappedByteBuffer only = windows.length() == 1 ? windows.get(0) : null;
    return only != null && only.isLoaded() ? only.duplicate() : null;
  }

  /**
   * The window {@code index} (bytes {@code index * WINDOW} up to the next window or the end), as a
   * buffer of its own positioned at 0, mapped through {@code channel} on first use.
   *
   * @throws IOException if the file is shorter than the body's size, or cannot be mapped
   */
  public ByteBuffer window(int index, FileChannel channel) throws IOException {
    MappedByteBuffer mapped = windows.get(index);
    if (mapped == null) {
      long pos = index * WINDOW;
      long n = Math.min(WINDOW, meta.size() - pos);
      if (pos + n > channel.size()) {
        throw new IOException("stored body " + meta.key() + " is shorter than its index entry");
      }
      windows.compareAndSet(index, null, channel.map(FileChannel.MapMode.READ_ONLY, pos, n));
      mapped = windows.get(index);
    }
    return mapped.duplicate();
  }
}
