package org.oversky.dht.routing;

/**
 * The routing table's parameters.
 *
 * <p>The address bounds count the entries of the whole table, so a single host (or a /24 it can
 * draw addresses from) cannot fill the buckets around a key and eclipse it. As BEP 42 does,
 * loopback, private (RFC 1918, IPv6 unique-local) and link-local addresses are exempt by default,
 * so that a whole cluster on one machine or one LAN still works.
 *
 * @param k contacts per bucket (Kademlia's k; also how many contacts a lookup converges on)
 * @param replacementCacheSize candidates kept per full bucket, to take the place of contacts that
 *     fail
 * @param maxPerAddress table entries one IP address may hold
 * @param maxPerSubnet table entries one IPv4 /24 (or IPv6 /64) may hold
 * @param exemptPrivateAddresses whether loopback, private and link-local addresses escape both
 *     bounds
 */
public record RoutingConfig(
    int k, int replacementCacheSize, int maxPerAddress, int maxPerSubnet, boolean exemptPrivateAddresses) {
  /** Kademlia's usual bucket size. */
  public static final int DEFAULT_K = 20;

  public RoutingConfig {
    if (k < 1 || k > 10_000) {
      throw new IllegalArgumentException("k (contacts per bucket) is between 1 and 10000, got " + k);
    }
    if (replacementCacheSize < 1 || replacementCacheSize > 10_000) {
      throw new IllegalArgumentException(
          "replacementCacheSize is between 1 and 10000 (a full bucket keeps newcomers there while it"
              + " pings its oldest contact), got " + replacementCacheSize);
    }
    if (maxPerAddress < 1) {
      throw new IllegalArgumentException("maxPerAddress is at least 1, got " + maxPerAddress);
    }
    if (maxPerSubnet < maxPerAddress) {
      throw new IllegalArgumentException(
          "maxPerSubnet is at least maxPerAddress (" + maxPerAddress + "), got " + maxPerSubnet);
    }
  }

  /** k = 20, as many replacements, 2 entries per address and 8 per subnet, private ranges exempt. */
  public static RoutingConfig defaults() {
    return withK(DEFAULT_K);
  }

  /** The defaults with bucket size {@code k} (and a replacement cache as large). */
  public static RoutingConfig withK(int k) {
    return new RoutingConfig(k, k, 2, 8, true);
  }
}
