package org.oversky.dht.records;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.oversky.dht.id.NodeId;
import org.oversky.dht.rpc.SignedRecord;

/**
 * The signed value records a node holds for others ({@code put_record}/{@code get_record}): one
 * record per key, at most {@code maxRecords} in all.
 *
 * <p>A record is accepted only when its publisher's signature verifies and it has not expired. It
 * replaces the record already held for its key only when it expires <em>later</em>; the same
 * record put again is a no-op, and any other record with the same or an earlier expiry is refused,
 * so a replayed old record can never roll a key back. When the store is full of live records a
 * record for a new key is refused; nothing live is evicted to make room.
 *
 * <p>The store checks signatures, not trust: any valid publisher may write any key, so whoever
 * reads a record decides whether its publisher is trusted for it.
 */
public final class RecordStore {
  /** What {@link #put} did. */
  public enum PutOutcome {
    /** The key had no live record: this one is stored. */
    STORED,
    /** It expires later than the key's record, which it replaced. */
    REPLACED,
    /** The very same record is already held: nothing changed. */
    UNCHANGED,
    /** The publisher's signature does not cover this key, expiry and value. */
    REJECTED_BAD_SIGNATURE,
    /** {@code expiresAt} is not after {@code now}. */
    REJECTED_EXPIRED,
    /** The key's record expires at the same time or later: the held one stays. */
    REJECTED_NOT_NEWER,
    /** The store holds {@code maxRecords} live records and this key is not one of them. */
    REJECTED_FULL;

    /** Whether the record is held after the put. */
    public boolean stored() {
      return this == STORED || this == REPLACED || this == UNCHANGED;
    }
  }

  private final int maxRecords;
  private final Object lock = new Object();
  private final java.util.NavigableMap<NodeId, SignedRecord> records = new java.util.TreeMap<>(); // guarded by lock; in id order

  /** @param maxRecords most records the store holds, across all keys */
  public RecordStore(int maxRecords) {
    if (maxRecords < 1) {
      throw new IllegalArgumentException("maxRecords must be at least 1, got " + maxRecords);
    }
    this.maxRecords = maxRecords;
  }

  /** Stores {@code record} if it verifies, is live at {@code now} and is newer than the key's. */
  public PutOutcome put(SignedRecord record, long now) {
    Objects.requireNonNull(record, "record");
    if (record.expiresAt() <= now) {
      return PutOutcome.REJECTED_EXPIRED;
    }
    if (!record.verifies()) { // outside the lock: the one costly step
      return PutOutcome.REJECTED_BAD_SIGNATURE;
    }
    synchronized (lock) {
      SignedRecord held = records.get(record.key());
      if (held != null && held.expiresAt() > now) {
        if (held.equals(record)) {
          return PutOutcome.UNCHANGED;
        }
        if (record.expiresAt() <= held.expiresAt()) {
          return PutOutcome.REJECTED_NOT_NEWER;
        }
        records.put(record.key(), record);
        return PutOutcome.REPLACED;
      }
      if (held == null && records.size() >= maxRecords) {
        expireLocked(now);
        if (records.size() >= maxRecords) {
          return PutOutcome.REJECTED_FULL;
        }
      }
      records.put(record.key(), record); // over an expired one, if any: the count does not change
      return PutOutcome.STORED;
    }
  }

  /** The live record under {@code key}, if any. */
  public Optional<SignedRecord> get(NodeId key, long now) {
    Objects.requireNonNull(key, "key");
    synchronized (lock) {
      SignedRecord record = records.get(key);
      return record != null && now < record.expiresAt() ? Optional.of(record) : Optional.empty();
    }
  }

  /**
   * Stores {@code claim} only if its key holds no live record, and returns the live record held
   * afterwards: the claim when it was stored, the record already there otherwise, or empty when
   * the claim was refused (its signature, its expiry, or a full store; see {@link #put}).
   */
  public Optional<SignedRecord> claim(SignedRecord claim, long now) {
    Objects.requireNonNull(claim, "claim");
    synchronized (lock) {
      Optional<SignedRecord> held = get(claim.key(), now);
      if (held.isPresent()) {
        return held;
      }
      // put verifies under the lock here: a claim is rare next to gets, and the check and the
      // store must be one step for two claims at once to find one winner
      return put(claim, now).stored() ? Optional.of(claim) : get(claim.key(), now);
    }
  }

  /**
   * The live records whose key shares its first {@code bits} bits with {@code near} and that
   * {@code keys} takes (to hand them over to a node that joined): one range of the keys in id order.
   */
  public java.util.List<SignedRecord> matching(NodeId near, int bits, java.util.function.Predicate<NodeId> keys, long now) {
    java.util.List<SignedRecord> out = new java.util.ArrayList<>();
    synchronized (lock) {
      for (SignedRecord r : records.subMap(near.lowestWithPrefix(bits), true, near.highestWithPrefix(bits), true).values()) {
        if (now < r.expiresAt() && keys.test(r.key())) {
          out.add(r);
        }
      }
    }
    return out;
  }

  /** Drops every record expired at {@code now}; returns how many. */
  public int expire(long now) {
    synchronized (lock) {
      return expireLocked(now);
    }
  }

  /** How many records the store holds (expired ones count until {@link #expire}). */
  public int size() {
    synchronized (lock) {
      return records.size();
    }
  }

  private int expireLocked(long now) {
    int before = records.size();
    records.values().removeIf(record -> record.expiresAt() <= now);
    return before - records.size();
  }
}
