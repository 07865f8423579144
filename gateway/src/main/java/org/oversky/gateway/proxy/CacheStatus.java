package org.oversky.gateway.proxy;

/**
 * The {@code Cache-Status} response header (RFC 9211) this node adds to site responses, and the
 * outcome label it is counted under in the metrics.
 */
record CacheStatus(String value, String outcome) {
  static final String HEADER = "Cache-Status";
  private static final String NAME = "oversky";

  static CacheStatus hit(long ttl) {
    return new CacheStatus(NAME + "; hit; ttl=" + ttl, "hit");
  }

  static CacheStatus staleHit(long ttl, String detail) {
    return new CacheStatus(NAME + "; hit; ttl=" + ttl + "; detail=" + detail, "stale");
  }

  static CacheStatus forward(String fwd, boolean stored) {
    return new CacheStatus(NAME + "; fwd=" + fwd + (stored ? "; stored" : ""), stored ? "stored" : fwd);
  }

  /** Filled from another node of the cluster (a verified copy), not the origin. */
  static CacheStatus peer() {
    return new CacheStatus(NAME + "; fwd=peer; stored", "peer");
  }

  /**
   * Filled through the region's shield, which had the response stored (or took it from the
   * cluster): a peer's copy, not the origin's answer.
   */
  static CacheStatus fromShield(boolean stored) {
    return new CacheStatus(NAME + "; fwd=peer" + (stored ? "; stored" : "") + "; detail=shield", "peer");
  }

  /**
   * Whether another oversky node's {@code Cache-Status} (a shield's) says it answered from a
   * stored copy, its own or a peer's, rather than from the origin.
   */
  static boolean servedByCache(String upstream) {
    if (upstream == null || !upstream.startsWith(NAME + ";")) {
      return false;
    }
    return upstream.startsWith(NAME + "; hit") || upstream.contains("; fwd=peer");
  }

  /** The origin failed and a peer's copy (fresh, or stale within stale-if-error) was served. */
  static CacheStatus peerOnError(long ttl) {
    return new CacheStatus(NAME + "; fwd=peer; stored; ttl=" + ttl + "; detail=origin-error", "peer");
  }

  static CacheStatus collapsed() {
    return new CacheStatus(NAME + "; fwd=uri-miss; collapsed", "collapsed");
  }

  static CacheStatus revalidated(int fwdStatus, boolean stored) {
    return new CacheStatus(
        NAME + "; fwd=stale; fwd-status=" + fwdStatus + (stored ? "; stored" : ""), "revalidated");
  }

  static CacheStatus staleOnError(int fwdStatus, long ttl) {
    return new CacheStatus(
        NAME + "; fwd=stale; fwd-status=" + fwdStatus + "; ttl=" + ttl + "; detail=stale-if-error", "stale-if-error");
  }

  /** The origin could not be reached (or answered with no usable response) and a stale copy was served. */
  static CacheStatus staleOnDisconnect(String why, long ttl) {
    return new CacheStatus(NAME + "; fwd=stale; ttl=" + ttl + "; detail=" + why, "stale-on-disconnect");
  }

  static CacheStatus onlyIfCached() {
    return new CacheStatus(NAME + "; fwd=miss; detail=only-if-cached", "only-if-cached");
  }
}
