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
 * outcome. Followers stream what is there and wait for more, so none waits for the whole body.
 */
final class InFlight {
  /** What followers learn once the head is in. */
  record Head(int status, List<StoredResponse.Header> headers, String variant, long contentLength, FileChannel reader) {}

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private Head head;
  private boolean notShared;
  private long written;
  private boolean complete;
  private Throwable failure;

  /** The head is in and the body will be shared; {@code reader} follows the temp file. */
  void publish(Head h) {
    signal(() -> head = h);
  }

  /** The response will not be shared (not storable, or failed before the head): followers fetch themselves. */
  void notShared() {
    signal(() -> notShared = true);
  }

  void advance(long bytes) {
    signal(() -> written += bytes);
  }

  void complete() {
    signal(() -> complete = true);
  }

  void fail(Throwable t) {
    signal(() -> {
      failure = t;
      notShared = head == null;
    });
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
