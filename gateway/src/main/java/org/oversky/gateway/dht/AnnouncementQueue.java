package org.oversky.gateway.dht;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.oversky.dht.id.NodeId;

/**
 * Bodies stored and not announced yet, let out in batches: one batch at most every {@code
 * spacingMillis}, so that a node storing bodies steadily sends each other node one {@code
 * add_providers} per spacing, not one per body; a body stored after a quiet spell goes out at the
 * next look. Any thread adds; one thread takes batches.
 */
final class AnnouncementQueue {
  private final long spacingMillis;
  private final int maxBatch;
  private final ConcurrentLinkedQueue<NodeId> queued = new ConcurrentLinkedQueue<>();
  private long lastBatch = Long.MIN_VALUE; // only the taking thread reads and writes it

  AnnouncementQueue(long spacingMillis, int maxBatch) {
    if (spacingMillis < 0 || maxBatch < 1) {
      throw new IllegalArgumentException("spacing 0 ms or more and batches of 1 or more, got " + spacingMillis + " ms, " + maxBatch);
    }
    this.spacingMillis = spacingMillis;
    this.maxBatch = maxBatch;
  }

  void add(NodeId key) {
    queued.add(key);
  }

  /**
   * The keys to announce at {@code nowMillis}: none while the last batch is less than the spacing
   * ago or nothing waits, else the oldest waiting, at most the batch bound (the rest wait for the
   * next batch).
   */
  List<NodeId> due(long nowMillis) {
    if (queued.isEmpty() || (lastBatch != Long.MIN_VALUE && nowMillis - lastBatch < spacingMillis)) {
      return List.of();
    }
    List<NodeId> batch = new ArrayList<>();
    NodeId key;
    while (batch.size() < maxBatch && (key = queued.poll()) != null) {
      batch.add(key);
    }
    lastBatch = nowMillis;
    return batch;
  }
}
