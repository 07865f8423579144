package org.oversky.dht.records;

import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.oversky.dht.id.NodeId;
import org.oversky.dht.rpc.ProviderInfo;

/**
 * The provider records a node holds for the content keys it is among the closest to: for each key,
 * which nodes serve it, where, and until when.
 *
 * <p>Two bounds keep the store small under attack. A key holds at most {@code maxPerKey} providers
 * and, when it is full, a new provider is <em>rejected</em> rather than evicting one: a flood of
 * fake providers cannot push honest ones out, it can only wait for them to stop republishing. A
 * provider holds at most {@code maxPerProvider} keys, so one node cannot fill the store. Expired
 * entries never count against either bound. Re-adding a provider for a key it already serves only
 * refreshes its URL and expiry (the latest announcement wins, even with an earlier expiry).
 *
 * <p>The store trusts its caller on two points: that {@code provider} is the authenticated sender of
 * the announcement, and that {@code expiresAt} has been capped to the network's record lifetime.
 */
public final class ProviderStore {
  /** What {@link #add} did. */
  public enum AddOutcome {
    /** A new provider for the key. */
    ADDED,
    /** The provider was already live for the key: its URL and expiry were replaced. */
    REFRESHED,
    /** {@code expiresAt} is not after {@code now}: nothing was stored. */
    REJECTED_EXPIRED,
    /** The key already has {@code maxPerKey} live providers: nothing was stored or evicted. */
    REJECTED_KEY_FULL,
    /** The provider already serves {@code maxPerProvider} live keys: nothing was stored. */
    REJECTED_PROVIDER_FULL
  }

  private static final Comparator<ProviderInfo> NEWEST_FIRST =
      Comparator.comparingLong(ProviderInfo::expiresAt)
          .reversed()
          .thenComparing(ProviderInfo::providerId);

  private final int maxPerKey;
  private final int maxPerProvider;
  private final Object lock = new Object();
  // Guarded by lock. The two maps always describe the same entries.
  // In id order: the keys near an id (sharing a prefix with it) are one range of it.
  private final java.util.NavigableMap<NodeId, Map<NodeId, ProviderInfo>> byKey = new java.util.TreeMap<>();
  private final Map<NodeId, Set<NodeId>> keysByProvider = new HashMap<>();
  private int size;

  /**
   * @param maxPerKey most providers one key holds (Kademlia's k, 20, is a sensible value)
   * @param maxPerProvider most keys one provider may be stored for
   */
  public ProviderStore(int maxPerKey, int maxPerProvider) {
    if (maxPerKey < 1) {
      throw new IllegalArgumentException("maxPerKey must be at least 1, got " + maxPerKey);
    }
    if (maxPerProvider < 1) {
      throw new IllegalArgumentException("maxPerProvider must be at least 1, got " + maxPerProvider);
    }
    this.maxPerKey = maxPerKey;
    this.maxPerProvider = maxPerProvider;
  }

  /**
   * Stores or refreshes that {@code provider} serves {@code key} at {@code baseUrl} until {@code
   * expiresAt}.
   *
   * @throws IllegalArgumentException if {@code baseUrl} is not a URL a message may carry (as {@link
   *     ProviderInfo} checks) or {@code expiresAt} is negative
   */
  public AddOutcome add(NodeId key, NodeId provider, URI baseUrl, long expiresAt, long now) {
    Objects.requireNonNull(key, "key");
    ProviderInfo info = new ProviderInfo(provider, baseUrl, expiresAt);
    if (expiresAt <= now) {
      return AddOutcome.REJECTED_EXPIRED;
    }
    synchronized (lock) {
      dropExpiredOfKey(key, now);
      Map<NodeId, ProviderInfo> providers = byKey.get(key);
      if (providers != null && providers.containsKey(provider)) {
        providers.put(provider, info);
        return AddOutcome.REFRESHED;
      }
      if (providers != null && providers.size() >= maxPerKey) {
        return AddOutcome.REJECTED_KEY_FULL;
      }
      Set<NodeId> keys = keysByProvider.get(provider);
      if (keys != null && keys.size() >= maxPerProvider) {
        // Only a provider at its bound pays for a scan of its keys (each add did before: quadratic).
        dropExpiredOfProvider(provider, now);
        keys = keysByProvider.get(provider);
        if (keys != null && keys.size() >= maxPerProvider) {
          return AddOutcome.REJECTED_PROVIDER_FULL;
        }
      }
      byKey.computeIfAbsent(key, k -> new HashMap<>()).put(provider, info);
      keysByProvider.computeIfAbsent(provider, p -> new HashSet<>()).add(key);
      size++;
      return AddOutcome.ADDED;
    }
  }

  /** The live providers of {@code key}, the latest expiry first (ties by provider id). */
  public List<ProviderInfo> providers(NodeId key, long now) {
    Objects.requireNonNull(key, "key");
    List<ProviderInfo> live = new ArrayList<>();
    synchronized (lock) {
      Map<NodeId, ProviderInfo> providers = byKey.get(key);
      if (providers != null) {
        for (ProviderInfo info : providers.values()) {
          if (now < info.expiresAt()) {
            live.add(info);
          }
        }
      }
    }
    live.sort(NEWEST_FIRST);
    return live;
  }

  /** Whether a live entry says that {@code provider} serves {@code key} at {@code baseUrl}. */
  public boolean holds(NodeId key, NodeId provider, URI baseUrl, long now) {
    synchronized (lock) {
      Map<NodeId, ProviderInfo> providers = byKey.get(key);
      ProviderInfo info = providers == null ? null : providers.get(provider);
      return info != null && now < info.expiresAt() && info.baseUrl().equals(baseUrl);
    }
  }

  /**
   * The live entries of the keys {@code keys} takes, by key (to hand them over to a node that
   * joined). The keys are tested outside the lock.
   */
  public Map<NodeId, List<ProviderInfo>> matching(java.util.function.Predicate<NodeId> keys, long now) {
    List<NodeId> all;
    synchronized (lock) {
      all = List.copyOf(byKey.keySet());
    }
    return live(all, keys, now);
  }

  /**
   * As {@link #matching(java.util.function.Predicate, long)}, among the keys that share their first
   * {@code bits} bits with {@code near} only, found as one range of the keys in id order: a node
   * that holds many records looks at the few near a newcomer, not at all of them.
   */
  public Map<NodeId, List<ProviderInfo>> matching(NodeId near, int bits, java.util.function.Predicate<NodeId> keys, long now) {
    List<NodeId> all;
    synchronized (lock) {
      all = List.copyOf(byKey.subMap(near.lowestWithPrefix(bits), true, near.highestWithPrefix(bits), true).keySet());
    }
    return live(all, keys, now);
  }

  private Map<NodeId, List<ProviderInfo>> live(List<NodeId> all, java.util.function.Predicate<NodeId> keys, long now) {
    Map<NodeId, List<ProviderInfo>> out = new java.util.LinkedHashMap<>();
    for (NodeId key : all) {
      if (keys.test(key)) {
        List<ProviderInfo> live = providers(key, now);
        if (!live.isEmpty()) {
          out.put(key, live);
        }
      }
    }
    return out;
  }

  /** Drops every entry expired at {@code now}; returns how many. */
  public int expire(long now) {
    synchronized (lock) {
      int before = size;
      // one pass over the entries in place: each node runs this every maintenance round
      for (var it = byKey.entrySet().iterator(); it.hasNext(); ) {
        var entry = it.next();
        if (dropExpired(entry.getKey(), entry.getValue(), now)) {
          it.remove();
        }
      }
      return before - size;
    }
  }

  /** Drops every entry of {@code provider} (say, a node found to serve wrong bytes); returns how many. */
  public int remove(NodeId provider) {
    Objects.requireNonNull(provider, "provider");
    synchronized (lock) {
      Set<NodeId> keys = keysByProvider.remove(provider);
      if (keys == null) {
        return 0;
      }
      for (NodeId key : keys) {
        Map<NodeId, ProviderInfo> providers = byKey.get(key);
        providers.remove(provider);
        if (providers.isEmpty()) {
          byKey.remove(key);
        }
      }
      size -= keys.size();
      return keys.size();
    }
  }

  /** Drops the one entry of {@code provider} for {@code key}; returns whether there was one. */
  public boolean remove(NodeId key, NodeId provider) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(provider, "provider");
    synchronized (lock) {
      Map<NodeId, ProviderInfo> providers = byKey.get(key);
      if (providers == null || providers.remove(provider) == null) {
        return false;
      }
      if (providers.isEmpty()) {
        byKey.remove(key);
      }
      forgetKeyOfProvider(provider, key);
      size--;
      return true;
    }
  }

  /** How many keys have at least one entry (expired ones count until {@link #expire}). */
  public int keys() {
    synchronized (lock) {
      return byKey.size();
    }
  }

  /** How many entries the store holds (expired ones count until {@link #expire}). */
  public int size() {
    synchronized (lock) {
      return size;
    }
  }

  private void dropExpiredOfKey(NodeId key, long now) {
    Map<NodeId, ProviderInfo> providers = byKey.get(key);
    if (providers != null && dropExpired(key, providers, now)) {
      byKey.remove(key);
    }
  }

  /** Drops the expired entries of {@code key}'s {@code providers}; whether none is left (the caller removes the key). */
  private boolean dropExpired(NodeId key, Map<NodeId, ProviderInfo> providers, long now) {
    for (Iterator<ProviderInfo> it = providers.values().iterator(); it.hasNext(); ) {
      ProviderInfo info = it.next();
      if (info.expiresAt() <= now) {
        it.remove();
        forgetKeyOfProvider(info.providerId(), key);
        size--;
      }
    }
    return providers.isEmpty();
  }

  private void dropExpiredOfProvider(NodeId provider, long now) {
    Set<NodeId> keys = keysByProvider.get(provider);
    if (keys == null) {
      return;
    }
    for (NodeId key : List.copyOf(keys)) {
      Map<NodeId, ProviderInfo> providers = byKey.get(key);
      if (providers.get(provider).expiresAt() <= now) {
        providers.remove(provider);
        if (providers.isEmpty()) {
          byKey.remove(key);
        }
        forgetKeyOfProvider(provider, key);
        size--;
      }
    }
  }

  private void forgetKeyOfProvider(NodeId provider, NodeId key) {
    Set<NodeId> keys = keysByProvider.get(provider);
    keys.remove(key);
    if (keys.isEmpty()) {
      keysByProvider.remove(provider);
    }
  }
}
