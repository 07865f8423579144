package org.oversky.cache;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;

/**
 * A readable stored body: small ones as bytes in heap, large ones as an open file channel that
 * the reader closes. A body stays readable until closed even if it is evicted meanwhile.
 */
public sealed interface Body extends Closeable {
  /** The body's metadata. */
  StoredBody meta();

  /** A body held in heap; the array must not be modified. */
  record Heap(StoredBody meta, byte[] bytes) implements Body {
    @Override
    public void close() {}
  }

  /** A body in its own file, opened for reading. */
  record Disk(StoredBody meta, FileChannel channel) implements Body {
    @Override
    public void close() throws IOException {
      channel.close();
    }
  }
}
