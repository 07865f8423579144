package org.oversky.gateway.proxy;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.oversky.cache.StoredResponse;

/**
 * One origin fetch that other requests for the same URL wait on instead of fetching too
 * (request collapsing). The fetching request publishes the response head once it knows it is
 * storable, then the growing body (a temp file followers read while it is written), then the
 * outcome. Followers stream what is there and wait for more, so none waits for the whole body;
 * only a body small enough to live in the index is not shared as it arrives, but read from the
 * store once it is in.
 */
final class InFlight {
  /** What followers learn once the head is in. */
  record Head(int status, List<StoredResponse.Header> headers, String variant, long contentLength) {}

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private Head head;
  private FileChannel reader;
  private int readers;
  private boolean notShared;
  private long written;
  private boolean complete;
  private Throwable failure;

  /**
   * The head is in and the body will be shared through {@code bodyReader}, a channel on the
   * growing temp file. It is shared by all followers (positional reads) and closed when the
   * leader and every follower are done with it. Null for a small body kept in heap: followers
   * then wait for the fetch to be over and read the store.
   */
  void publish(Head h, FileChannel bodyReader) {
    signal(() -> {
      head = h;
      reader = bodyReader;
      readers = 1; // the leader's reference, given back by finish()
    });
  }

  /**
   * A follower's reference to the shared body channel; give it back with {@link #release}. Null
   * when every reference is already given back and the channel closed (the fetch finished
   * between the follower's wait for the head and this call): read the stored response instead.
   */
  FileChannel acquire() {
    lock.lock();
    try {
      if (reader == null || readers == 0) {
        return null;
      }
      readers++;
      return reader;
    } finally {
      lock.unlock();
    }
  }

  /** Gives back one reference; the channel closes with the last. */
  void release() {
    FileChannel toClose = null;
    lock.lock();
    try {
      if (reader != null && --readers == 0) {
        toClose = reader;
      }
    } finally {
      lock.unlock();
    }
    if (toClose != null) {
      try {
        toClose.close();
      } catch (IOException ignored) {
        // read-only
      }
    }
  }

  /** The response will not be shared (not storable, or failed before the head): followers fetch themselves. */
  void notShared() {
    signal(() -> notShared = true);
  }

  void advance(long bytes) {
    signal(() -> written += bytes);
  }

  void complete() {
    if (finish(() -> complete = true)) {
      release();
    }
  }

  void fail(Throwable t) {
    if (finish(() -> {
      failure = t;
      notShared = head == null;
    })) {
      release();
    }
  }

  /** Applies the final state once; true the first time (the leader then gives back its reference). */
  private boolean finish(Runnable change) {
    lock.lock();
    try {
      if (complete || failure != null) {
        return false;
      }
      change.run();
      changed.signalAll();
      return reader != null;
    } finally {
      lock.unlock();
    }
  }

  /** Whether the shared body is complete and stored. */
  boolean isComplete() {
    lock.lock();
    try {
      return complete;
    } finally {
      lock.unlock();
    }
  }

  /** Waits for the head; null when the response is not shared or the wait timed out. */
  Head awaitHead(long timeoutMillis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    lock.lock();
    try {
      while (head == null && !notShared) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return null;
        }
        changed.awaitNanos(left);
      }
      return head;
    } finally {
      lock.unlock();
    }
  }

  /** Waits until the fetch is over, stored or not; each wait for more bytes is bounded by {@code timeoutMillis}. */
  void awaitComplete(long timeoutMillis) throws InterruptedException {
    try {
      long position = 0;
      while (position >= 0) {
        position = awaitBytes(position, timeoutMillis);
      }
    } catch (IOException failedOrStalled) {
      // over without a stored response: the caller finds nothing stored
    }
  }

  /**
   * Waits until more than {@code position} bytes are written or the body is complete; the bytes
   * available, or -1 when complete and all read.
   *
   * @throws IOException when the fetch failed
   */
  long awaitBytes(long position, long timeoutMillis) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    lock.lock();
    try {
      while (true) {
        if (failure != null) {
          throw new IOException("the shared origin fetch failed: " + failure.getMessage(), failure);
        }
        if (written > position) {
          return written;
        }
        if (complete) {
          return -1;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new IOException("the shared origin fetch stalled");
        }
        changed.awaitNanos(left);
      }
    } finally {
      lock.unlock();
    }
  }

  private void signal(Runnable change) {
    lock.lock();
    try {
      change.run();
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }
}
