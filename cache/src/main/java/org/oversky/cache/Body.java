package org.oversky.cache;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * A readable stored body: small ones in memory, large ones as an open file channel that the
 * reader closes. A body stays readable until closed even if it is evicted meanwhile.
 */
public sealed interface Body extends Closeable {
  /** The body's metadata. */
  StoredBody meta();

  /**
   * A body held in memory, as a read-only buffer (direct when it comes from the hot tier, so a
   * socket write needs no copy). Use {@code data().duplicate()} or slices: the buffer is shared.
   */
  record InMemory(StoredBody meta, ByteBuffer data) implements Body {
    public InMemory {
      if (!data.isReadOnly()) {
        throw new IllegalArgumentException("an in-memory body is shared and must be read-only");
      }
    }

    /** A copy of the bytes. */
    public byte[] toByteArray() {
      byte[] out = new byte[data.remaining()];
      data.duplicate().get(out);
      return out;
    }

    @Override
    public void close() {}
  }

  /**
   * A body in its own file, opened for reading, with the store's mapped windows of that file
   * ({@link MappedBody#window}: a reader writes slices of them, mapped once for every reader).
   */
  record Disk(StoredBody meta, FileChannel channel, MappedBody mapped) implements Body {
    @Override
    public void close() throws IOException {
      channel.close();
    }
  }
}
