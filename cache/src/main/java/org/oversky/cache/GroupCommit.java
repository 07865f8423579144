package org.oversky.cache;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's one writer of durable state. Requests never wait for a disk sync: a new body file
 * is renamed into place and served at once, and every index change is made in memory; this
 * thread then, in batches, syncs the new body files and their directories, and only then writes
 * their index entries and commits the index file once for the whole batch. So the committed index
 * never names a body file that is not completely on disk, whatever moment the process is killed
 * at; a body renamed but not yet committed is an orphan that the next start deletes.
 */
final class GroupCommit implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GroupCommit.class);

  /** How the batch is made durable, under the caller's lock. */
  interface Target {
    /** Indexes the bodies now on disk (skipping any removed meanwhile) and commits the index file. */
    void commit(List<StoredBody> synced);
  }

  private final Target target;
  private final Object indexLock;
  private final long windowMillis;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition work = lock.newCondition();
  private final Condition committed = lock.newCondition();
  private final Map<ContentKey, Pending> pending = new LinkedHashMap<>();
  private List<Runnable> writes = new ArrayList<>();
  private boolean closed;
  /** Whether the committer is gathering a batch: a change then waits for it without waking it. */
  private boolean gathering;
  /** How often the committer woke while gathering (each a context switch): for tests. */
  private long gatherWakeups;
  private long requested;
  private long done;
  private final Thread thread;

  private record Pending(StoredBody meta, Path file) {}

  /**
   * @param indexLock held while the index is committed (the lock every index change takes)
   * @param windowMillis how long a batch gathers after its first change
   */
  GroupCommit(Target target, Object indexLock, long windowMillis) {
    this.target = target;
    this.indexLock = indexLock;
    this.windowMillis = windowMillis;
    this.thread = new Thread(this::run, "oversky-store-commit");
    thread.setDaemon(true);
    thread.start();
  }

  /** A body file renamed into place; it is synced and indexed with the next batch. */
  void addFile(StoredBody meta, Path file) {
    lock.lock();
    try {
      pending.put(meta.key(), new Pending(meta, file));
      requested++;
      wake();
    } finally {
      lock.unlock();
    }
  }

  /**
   * An index change to make with the next batch: {@code write} runs on the committer, under the
   * index lock, in the order given, before the batch's commit. Nobody else writes the index
   * file while the store serves, so no request waits on its commit.
   */
  void write(Runnable write) {
    lock.lock();
    try {
      writes.add(write);
      requested++;
      wake();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Wakes the committer for a change, unless it is gathering a batch, which the change joins when
   * the window ends (under load, a wake-up per stored body was a context switch each).
   */
  private void wake() {
    if (!gathering) {
      work.signal();
    }
  }

  /** Whether the committer is gathering a batch now. */
  boolean gathering() {
    lock.lock();
    try {
      return gathering;
    } finally {
      lock.unlock();
    }
  }

  /** How often the committer has woken while gathering a batch. */
  long gatherWakeups() {
    lock.lock();
    try {
      return gatherWakeups;
    } finally {
      lock.unlock();
    }
  }

  /** Forgets a pending body (it was removed before its batch). */
  void forget(ContentKey key) {
    lock.lock();
    try {
      pending.remove(key);
    } finally {
      lock.unlock();
    }
  }

  /** Makes everything changed so far durable before it returns. */
  void flush() throws InterruptedException {
    if (Thread.currentThread() == thread) {
      throw new IllegalStateException("flush from the committer itself");
    }
    lock.lock();
    try {
      long wanted = requested;
      work.signal();
      while (done < wanted && !closed) {
        committed.await(1, TimeUnit.SECONDS);
      }
    } finally {
      lock.unlock();
    }
  }

  private void run() {
    while (true) {
      List<Pending> files;
      List<Runnable> batchWrites;
      long upTo;
      lock.lock();
      try {
        while (!closed && pending.isEmpty() && writes.isEmpty()) {
          work.awaitUninterruptibly();
        }
        if (closed && pending.isEmpty() && writes.isEmpty()) {
          return;
        }
        if (!closed && windowMillis > 0) {
          // Gather: more bodies arrive within the window and share the batch's commit.
          long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(windowMillis);
          long left;
          gathering = true;
          try {
            while (!closed && (left = until - System.nanoTime()) > 0) {
              work.awaitNanos(left);
              gatherWakeups++;
            }
          } catch (InterruptedException e) {
            closed = true; // asked to stop: commit this batch and end
          } finally {
            gathering = false;
          }
        }
        files = new ArrayList<>(pending.values());
        batchWrites = writes;
        writes = new ArrayList<>();
        upTo = requested;
      } finally {
        lock.unlock();
      }
      List<StoredBody> synced = sync(files);
      synchronized (indexLock) {
        try {
          for (Runnable w : batchWrites) {
            try {
              w.run();
            } catch (RuntimeException | Error e) {
              LOG.error("an index write failed; the index goes on without it", e);
            }
          }
          target.commit(synced);
        } catch (RuntimeException | Error e) {
          // The committer must outlive a failed batch: without it nothing more is made durable.
          LOG.error("the index commit failed; the bodies of this batch will be orphans at the next start", e);
        }
      }
      lock.lock();
      try {
        for (Pending p : files) {
          pending.remove(p.meta().key(), p);
        }
        done = upTo;
        committed.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  /** Syncs each file and then each directory once; the bodies whose files are on disk. */
  private static List<StoredBody> sync(List<Pending> files) {
    List<StoredBody> synced = new ArrayList<>(files.size());
    Set<Path> dirs = new LinkedHashSet<>();
    for (Pending p : files) {
      try (FileChannel ch = FileChannel.open(p.file(), StandardOpenOption.READ)) {
        ch.force(true);
        synced.add(p.meta());
        dirs.add(p.file().getParent());
      } catch (NoSuchFileException removed) {
        // evicted before its batch: nothing to index
      } catch (IOException e) {
        LOG.warn("could not sync body file {} ({}); it is not indexed and goes at the next start", p.file(), e.toString());
      }
    }
    for (Path dir : dirs) {
      try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
        ch.force(true);
      } catch (IOException e) {
        // Some file systems cannot sync a directory; the rename is still atomic.
        LOG.debug("directory sync not supported for {}: {}", dir, e.toString());
      }
    }
    return synced;
  }

  /** Commits what is left, then stops the thread. */
  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      work.signalAll();
    } finally {
      lock.unlock();
    }
    try {
      thread.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
