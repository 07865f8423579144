package org.oversky.dht.node;

import java.time.Duration;
import java.util.Objects;

/**
 * A DHT node's parameters. Every interval is a setting so that tests can run republish, refresh and
 * expiry in seconds.
 *
 * @param k contacts per bucket, and how many nodes a lookup converges on and a record is stored at
 * @param alpha requests a lookup keeps in flight, on each of its paths
 * @param minRpcTimeout the shortest time a request is given, however fast peers have answered
 * @param maxRpcTimeout the longest time a request is given (and the first, before any RTT is known)
 * @param lookupTimeout the bound on a whole lookup
 * @param providerTtl how long a provider record lives (an announcement's expiry is capped to it)
 * @param republishInterval how often a node announces again what it provides
 * @param refreshInterval a bucket no lookup went through for this long is refreshed
 * @param maxFailures consecutive failed requests after which a contact leaves the table
 * @param maxProvidersPerKey providers held per content key
 * @param maxKeysPerProvider keys held per provider
 * @param maxRecords value records held
 * @param handOver whether records are handed to the nodes that join closer to their keys
 *     (Kademlia section 2.5); off only to measure what it is worth
 * @param paths disjoint paths a provider or record lookup takes (S/Kademlia): 1 is plain
 *     Kademlia; more keep a lookup going where hostile nodes lead one path astray (node lookups,
 *     for announcements and the table, take one)
 */
public record DhtConfig(
    int k,
    int alpha,
    Duration minRpcTimeout,
    Duration maxRpcTimeout,
    Duration lookupTimeout,
    Duration providerTtl,
    Duration republishInterval,
    Duration refreshInterval,
    int maxFailures,
    int maxProvidersPerKey,
    int maxKeysPerProvider,
    int maxRecords,
    boolean handOver,
    int paths) {
  public DhtConfig {
    if (k < 1 || k > 20) {
      throw new IllegalArgumentException("k is between 1 and 20 (an answer lists at most 20 contacts), got " + k);
    }
    if (alpha < 1 || alpha > k) {
      throw new IllegalArgumentException("alpha is between 1 and k (" + k + "), got " + alpha);
    }
    positive(minRpcTimeout, "minRpcTimeout");
    positive(maxRpcTimeout, "maxRpcTimeout");
    positive(lookupTimeout, "lookupTimeout");
    positive(providerTtl, "providerTtl");
    positive(republishInterval, "republishInterval");
    positive(refreshInterval, "refreshInterval");
    if (maxRpcTimeout.compareTo(minRpcTimeout) < 0) {
      throw new IllegalArgumentException(
          "maxRpcTimeout (" + maxRpcTimeout + ") is at least minRpcTimeout (" + minRpcTimeout + ")");
    }
    if (republishInterval.compareTo(providerTtl) >= 0) {
      throw new IllegalArgumentException(
          "republishInterval (" + republishInterval + ") must be shorter than providerTtl (" + providerTtl
              + "), or provider records expire before they are renewed");
    }
    if (paths < 1 || paths > k) {
      throw new IllegalArgumentException("paths is between 1 and k (" + k + "), got " + paths);
    }
    if (maxFailures < 1 || maxProvidersPerKey < 1 || maxKeysPerProvider < 1 || maxRecords < 1) {
      throw new IllegalArgumentException("maxFailures and the store bounds are at least 1");
    }
  }

  /**
   * Disjoint paths of a provider or record lookup by default. Three halved the p99 of provider
   * lookups (about 1.6 s to 0.7 s) with a fifth of the nodes hostile, when they shared α
   * (1,000 simulated nodes under churn, docs/benchmarks.md); with α each (see Lookup), a
   * provider lookup sends about three times the requests (p50 11 to 15 instead of 4 to 5), for a
   * p50 about a quarter lower. Node lookups take one path: with three they cost 1.8 times the
   * requests.
   */
  static final int PATHS = 3;

  /**
   * k = 20, α = 3, requests 250 ms to 5 s, lookups up to 15 s, providers live 48 h and are
   * republished every 22 h, buckets refreshed hourly, contacts dropped after 2 failures, 3
   * disjoint paths for provider and record lookups.
   */
  public static DhtConfig defaults() {
    return new DhtConfig(
        20,
        3,
        Duration.ofMillis(250),
        Duration.ofSeconds(5),
        Duration.ofSeconds(15),
        Duration.ofHours(48),
        Duration.ofHours(22),
        Duration.ofHours(1),
        2,
        20,
        200_000,
        100_000,
        true,
        PATHS);
  }

  /** A copy with other record lifetimes and intervals (tests run them in seconds). */
  public DhtConfig withIntervals(Duration newProviderTtl, Duration newRepublish, Duration newRefresh) {
    return new DhtConfig(
        k, alpha, minRpcTimeout, maxRpcTimeout, lookupTimeout, newProviderTtl, newRepublish, newRefresh,
        maxFailures, maxProvidersPerKey, maxKeysPerProvider, maxRecords, handOver, paths);
  }

  /** A copy with other request and lookup time bounds. */
  public DhtConfig withTimeouts(Duration newMinRpc, Duration newMaxRpc, Duration newLookup) {
    return new DhtConfig(
        k, alpha, newMinRpc, newMaxRpc, newLookup, providerTtl, republishInterval, refreshInterval,
        maxFailures, maxProvidersPerKey, maxKeysPerProvider, maxRecords, handOver, paths);
  }

  /** A copy that hands records over to nodes that join, or not. */
  public DhtConfig withHandOver(boolean on) {
    return new DhtConfig(
        k, alpha, minRpcTimeout, maxRpcTimeout, lookupTimeout, providerTtl, republishInterval, refreshInterval,
        maxFailures, maxProvidersPerKey, maxKeysPerProvider, maxRecords, on, paths);
  }

  /** A copy whose lookups take {@code d} disjoint paths. */
  public DhtConfig withPaths(int d) {
    return new DhtConfig(
        k, alpha, minRpcTimeout, maxRpcTimeout, lookupTimeout, providerTtl, republishInterval, refreshInterval,
        maxFailures, maxProvidersPerKey, maxKeysPerProvider, maxRecords, handOver, d);
  }

  private static void positive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, got " + d);
    }
  }
}
