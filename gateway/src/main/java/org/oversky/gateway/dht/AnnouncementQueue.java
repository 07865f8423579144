package org.oversky.gateway.dht;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.oversky.dht.id.NodeId;

/**
 * Bodies stored and not announced yet, let out in batches: one batch at most every spacing, so
 * that a node storing bodies steadily sends each other node one {@code add_providers} per
 * spacing, not one per body; a body stored after a quiet spell goes out at the next look. The
 * spacing grows with the nodes a batch may reach: each batch is a message to each node closest to
 * its keys, every known node in a network smaller than k, so a node that knows n nodes waits at
 * least n / {@code messagesPerSecond} seconds between batches (between {@code minSpacingMillis} and
 * {@code maxSpacingMillis}). Any thread adds; one thread takes batches.
 */
final class AnnouncementQueue {
  private final long minSpacingMillis;
  private final int messagesPerSecond;
  private final long maxSpacingMillis;
  private final int maxBatch;
  private final ConcurrentLinkedQueue<NodeId> queued = new ConcurrentLinkedQueue<>();
  private long lastBatch = Long.MIN_VALUE; // only the taking thread reads and writes it

  AnnouncementQueue(long minSpacingMillis, int messagesPerSecond, long maxSpacingMillis, int maxBatch) {
    if (minSpacingMillis < 0 || maxSpacingMillis < minSpacingMillis || messagesPerSecond < 1 || maxBatch < 1) {
      throw new IllegalArgumentException("spacing from 0 ms up, at most its maximum, 1 or more messages a second and batches of 1 or more, got "
          + minSpacingMillis + " to " + maxSpacingMillis + " ms, " + messagesPerSecond + " a second, " + maxBatch);
    }
    this.minSpacingMillis = minSpacingMillis;
    this.messagesPerSecond = messagesPerSecond;
    this.maxSpacingMillis = maxSpacingMillis;
    this.maxBatch = maxBatch;
  }

  /** The least time between two batches for a node that knows {@code nodesKnown} others. */
  long spacingMillis(int nodesKnown) {
    return Math.clamp(nodesKnown * 1000L / messagesPerSecond, minSpacingMillis, maxSpacingMillis);
  }

  void add(NodeId key) {
    queued.add(key);
  }

  /**
   * The keys to announce at {@code nowMillis} for a node that knows {@code nodesKnown} others: none
   * while the last batch is less than the spacing ago or nothing waits, else the oldest waiting,
   * at most the batch bound (the rest wait for the next batch).
   */
  List<NodeId> due(long nowMillis, int nodesKnown) {
    if (queued.isEmpty() || (lastBatch != Long.MIN_VALUE && nowMillis - lastBatch < spacingMillis(nodesKnown))) {
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
