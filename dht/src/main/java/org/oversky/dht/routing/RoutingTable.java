package org.oversky.dht.routing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.oversky.dht.id.NodeId;

/**
 * A node's Kademlia routing table: k-buckets of contacts by XOR distance from its own id.
 *
 * <p>Only the bucket that covers the node's own id splits, so the table knows many nodes near
 * itself and a few far away. A full bucket keeps its old contacts while they answer (long-lived
 * nodes tend to stay): a newcomer waits in the bucket's replacement cache while the caller pings
 * the least-recently-seen contact, and gets its place only if that contact fails. The table does
 * no I/O itself: {@link #offer} names whom to ping and {@link #pingResult} takes the answer, so
 * every {@link OfferResult.Outcome#PENDING_PING} must be followed by exactly one {@code
 * pingResult} (with {@code alive = false} on a timeout).
 *
 * <p>"Least recently seen" is the order of offers, not of {@link Contact#lastSeen()}. Callers
 * should offer only contacts that answered one of their own requests. Thread-safe.
 */
public final class RoutingTable {
  private final NodeId self;
  private final RoutingConfig config;
  private final AddressBounds bounds;
  /** Bucket i holds contacts sharing exactly i leading bits with self; the last one, at least i. */
  private final List<Bucket> buckets = new ArrayList<>();
  /** Contacts named by a PENDING_PING whose pingResult has not come yet. */
  private final Set<NodeId> pinging = new HashSet<>();
  private int size;

  public RoutingTable(NodeId self, RoutingConfig config) {
    this.self = Objects.requireNonNull(self, "self");
    this.config = Objects.requireNonNull(config, "config");
    this.bounds = new AddressBounds(config);
    buckets.add(new Bucket());
  }

  /** A table with {@link RoutingConfig#defaults()}. */
  public RoutingTable(NodeId self) {
    this(self, RoutingConfig.defaults());
  }

  public NodeId self() {
    return self;
  }

  public RoutingConfig config() {
    return config;
  }

  /**
   * Offers a contact that has just answered: adds it, refreshes it, or (when its bucket is full)
   * caches it and names the contact to ping. See {@link OfferResult.Outcome}.
   */
  public synchronized OfferResult offer(Contact contact) {
    Objects.requireNonNull(contact, "contact");
    NodeId id = contact.id();
    if (id.equals(self)) {
      return OfferResult.rejected("a node does not put its own id " + self + " in its table");
    }
    Bucket bucket = bucketFor(id);
    Contact known = bucket.entries.get(id);
    if (known != null) {
      String refusal = refresh(bucket, known, contact);
      return refusal == null ? OfferResult.UPDATED : OfferResult.rejected(refusal);
    }
    String refusal = bounds.refusal(contact.address());
    if (refusal != null) {
      return OfferResult.rejected(refusal);
    }
    while (bucket.entries.size() >= config.k() && canSplit(bucket)) {
      split();
      bucket = bucketFor(id);
    }
    if (bucket.entries.size() < config.k()) {
      bucket.replacements.remove(id);
      insert(bucket, contact);
      return OfferResult.ADDED;
    }
    bucket.replacements.remove(id);
    bucket.replacements.put(id, contact);
    if (bucket.replacements.size() > config.replacementCacheSize()) {
      bucket.replacements.pollFirstEntry();
    }
    for (Contact old : bucket.entries.values()) {
      if (pinging.add(old.id())) {
        return OfferResult.pendingPing(old);
      }
    }
    return OfferResult.CACHED;
  }

  /**
   * Takes the answer to a ping that {@link #offer} asked for. An alive contact keeps its place and
   * becomes the most recently seen (with the details of {@code pinged}, e.g. a fresh {@code
   * lastSeen} and RTT); a dead one is evicted and the freshest replacement that fits the address
   * bounds takes its place.
   *
   * @return the contact that took the place of a dead one, if any
   */
  public synchronized Optional<Contact> pingResult(Contact pinged, boolean alive) {
    Objects.requireNonNull(pinged, "pinged");
    pinging.remove(pinged.id());
    Bucket bucket = bucketFor(pinged.id());
    Contact current = bucket.entries.get(pinged.id());
    if (current == null) {
      return Optional.empty();
    }
    if (alive) {
      if (refresh(bucket, current, pinged) != null) {
        refresh(bucket, current, current);
      }
      return Optional.empty();
    }
    evict(bucket, current);
    return promote(bucket);
  }

  /**
   * Forgets a contact that failed (or its place in a replacement cache); the freshest replacement
   * that fits takes its place in the bucket.
   *
   * @return whether the table knew the contact
   */
  public synchronized boolean remove(NodeId id) {
    Objects.requireNonNull(id, "id");
    pinging.remove(id);
    Bucket bucket = bucketFor(id);
    Contact current = bucket.entries.get(id);
    if (current == null) {
      return bucket.replacements.remove(id) != null;
    }
    evict(bucket, current);
    promote(bucket);
    return true;
  }

  /** Whether the bucket that covers {@code id} has a replacement waiting for a place. */
  public synchronized boolean hasReplacement(NodeId id) {
    return !bucketFor(Objects.requireNonNull(id, "id")).replacements.isEmpty();
  }

  /** The contact with this id, if it is in a bucket (replacements do not count). */
  public synchronized Optional<Contact> get(NodeId id) {
    return Optional.ofNullable(bucketFor(id).entries.get(id));
  }

  /** Up to {@code n} contacts closest to {@code target} by XOR distance, closest first. */
  public synchronized List<Contact> closest(NodeId target, int n) {
    Objects.requireNonNull(target, "target");
    if (n < 0) {
      throw new IllegalArgumentException("closest() takes a count of at least 0, got " + n);
    }
    // Bucket by bucket, not a sort of the whole table: with i the bucket target falls in, bucket i's
    // contacts share more leading bits with target than any other's; every bucket after i shares
    // exactly i; bucket j before i shares exactly j. So the order is i, then the buckets after it
    // together, then i-1 down to 0, each in distance order on its own (the last bucket holds every prefix
    // length from its own on, so target falling in it has no buckets after).
    int last = buckets.size() - 1;
    int i = Math.min(self.commonPrefixLength(target), last);
    Closest out = new Closest(target, Math.min(n, size));
    out.take(i, i);
    if (out.size < n && i < last) {
      out.take(i + 1, last); // together: each shares exactly i bits with the target
    }
    for (int j = i - 1; j >= 0 && out.size < n; j--) {
      out.take(j, j);
    }
    return out.list();
  }

  /**
   * How many contacts are closer to {@code key} than this node, counted up to {@code atMost}:
   * whether this node is among the k closest to a key it knows of is {@code closerThanSelf(key,
   * k) < k}, with no list of the closest made. Every contact of the bucket {@code key} falls in
   * is closer (it shares exactly as many leading bits with this node as the key does, so it
   * agrees with the key on the first bit where this node does not), every contact of a bucket
   * before it farther; those of the buckets after it are compared one by one.
   */
  public synchronized int closerThanSelf(NodeId key, int atMost) {
    Objects.requireNonNull(key, "key");
    int last = buckets.size() - 1;
    int i = Math.min(self.commonPrefixLength(key), last);
    int closer = i < last ? buckets.get(i).entries.size() : 0;
    for (int j = i < last ? i + 1 : last; j <= last && closer < atMost; j++) {
      for (Contact c : buckets.get(j).entries.values()) {
        if (key.compareDistance(c.id(), self) < 0 && ++closer >= atMost) {
          break;
        }
      }
    }
    return Math.min(closer, atMost);
  }

  /**
   * The closest contacts found so far, at most {@code n}, kept in distance order by insertion
   * on the first 64 bits of each one's distance (ties, which take ids sharing 64 leading bits,
   * go to the full comparison): no comparator, no heap, and each contact's id read once.
   */
  private final class Closest {
    private final NodeId target;
    private final int n;
    private final Contact[] contacts;
    private final long[] keys;
    private int size;

    Closest(NodeId target, int n) {
      this.target = target;
      this.n = n;
      this.contacts = new Contact[n];
      this.keys = new long[n];
    }

    /** Adds the closest of buckets {@code from} to {@code to} (together) after those taken, until there are n. */
    void take(int from, int to) {
      int base = size;
      int limit = n; // entries [base, limit) are this group's; earlier groups' are all closer
      for (int j = from; j <= to && base < limit; j++) {
        for (Contact c : buckets.get(j).entries.values()) {
          long key = target.w0() ^ c.id().w0(); // the distance's first 64 bits
          int at = size;
          if (at == limit) {
            if (!closer(key, c, keys[at - 1], contacts[at - 1])) {
              continue;
            }
            at--; // the farthest of the group makes room
          } else {
            size++;
          }
          while (at > base && closer(key, c, keys[at - 1], contacts[at - 1])) {
            keys[at] = keys[at - 1];
            contacts[at] = contacts[at - 1];
            at--;
          }
          keys[at] = key;
          contacts[at] = c;
        }
      }
    }

    private boolean closer(long key, Contact c, long otherKey, Contact other) {
      int byHigh = Long.compareUnsigned(key, otherKey);
      return byHigh != 0 ? byHigh < 0 : target.compareDistance(c.id(), other.id()) < 0;
    }

    List<Contact> list() {
      return List.of(Arrays.copyOf(contacts, size));
    }
  }

  /** How many contacts the buckets hold (replacements not counted). */
  public synchronized int size() {
    return size;
  }

  /** Every contact in the buckets, farthest bucket first, each bucket least recently seen first. */
  public synchronized List<Contact> contacts() {
    List<Contact> all = new ArrayList<>(size);
    for (Bucket bucket : buckets) {
      all.addAll(bucket.entries.values());
    }
    return all;
  }

  /** How many buckets the table has split into. */
  public synchronized int bucketCount() {
    return buckets.size();
  }

  /** The contacts of each bucket, in order; for tests. */
  synchronized List<List<Contact>> bucketSnapshot() {
    return buckets.stream().map(b -> List.copyOf(b.entries.values())).toList();
  }

  /** The replacement cache of each bucket, oldest first; for tests. */
  synchronized List<List<Contact>> replacementSnapshot() {
    return buckets.stream().map(b -> List.copyOf(b.replacements.values())).toList();
  }

  /** The ids awaiting a {@link #pingResult}; for tests. */
  synchronized Set<NodeId> pendingPings() {
    return Set.copyOf(pinging);
  }

  /** Entries counted against {@code contact}'s address and subnet; for tests. */
  synchronized int[] addressCounts(Contact contact) {
    return new int[] {bounds.countOnAddress(contact.address()), bounds.countOnSubnet(contact.address())};
  }

  /** The index of the bucket that covers {@code id}. */
  synchronized int bucketIndex(NodeId id) {
    return Math.min(self.commonPrefixLength(id), buckets.size() - 1);
  }

  private Bucket bucketFor(NodeId id) {
    return buckets.get(bucketIndex(id));
  }

  /** Only the last bucket covers the own id, so only it splits; 256 buckets cover every prefix. */
  private boolean canSplit(Bucket bucket) {
    return bucket == buckets.getLast() && buckets.size() < NodeId.BITS;
  }

  /** Moves the contacts of the last bucket that share one more bit with self into a new bucket. */
  private void split() {
    int depth = buckets.size();
    Bucket old = buckets.getLast();
    Bucket next = new Bucket();
    moveDeeper(old.entries, next.entries, depth);
    moveDeeper(old.replacements, next.replacements, depth);
    buckets.add(next);
  }

  private void moveDeeper(LinkedHashMap<NodeId, Contact> from, LinkedHashMap<NodeId, Contact> to, int depth) {
    var it = from.entrySet().iterator();
    while (it.hasNext()) {
      var entry = it.next();
      if (self.commonPrefixLength(entry.getKey()) >= depth) {
        to.put(entry.getKey(), entry.getValue());
        it.remove();
      }
    }
  }

  /**
   * Replaces {@code known} by {@code fresh} (same id) at the most-recently-seen end, unless a new
   * address would break the bounds.
   *
   * @return why it was refused, or null
   */
  private String refresh(Bucket bucket, Contact known, Contact fresh) {
    if (!known.address().equals(fresh.address())) {
      bounds.remove(known.address());
      String refusal = bounds.refusal(fresh.address());
      if (refusal != null) {
        bounds.add(known.address());
        return refusal;
      }
      bounds.add(fresh.address());
    }
    bucket.entries.remove(known.id());
    bucket.entries.put(fresh.id(), fresh);
    return null;
  }

  private void insert(Bucket bucket, Contact contact) {
    bucket.entries.put(contact.id(), contact);
    bounds.add(contact.address());
    size++;
  }

  private void evict(Bucket bucket, Contact contact) {
    bucket.entries.remove(contact.id());
    bounds.remove(contact.address());
    size--;
  }

  /** Moves the freshest replacement that fits the address bounds into the bucket, if any. */
  private Optional<Contact> promote(Bucket bucket) {
    if (bucket.entries.size() >= config.k()) {
      return Optional.empty();
    }
    for (Contact candidate : bucket.replacements.sequencedValues().reversed()) {
      if (bounds.refusal(candidate.address()) == null) {
        bucket.replacements.remove(candidate.id());
        insert(bucket, candidate);
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  private static final class Bucket {
    /** Least recently seen first. */
    final LinkedHashMap<NodeId, Contact> entries = new LinkedHashMap<>();
    /** Newcomers that found the bucket full, oldest first. */
    final LinkedHashMap<NodeId, Contact> replacements = new LinkedHashMap<>();
  }
}
