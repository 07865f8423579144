package org.oversky.dns;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.xbill.DNS.Name;

/**
 * Response rate limiting over UDP, against reflection: at most {@code perSecond} answers a second
 * for one (source prefix, name, type), the prefix being the source's /24 (IPv4) or /56 (IPv6),
 * as BIND's RRL counts. Past that, answers are dropped, but every {@code slip}-th one goes out as
 * an empty truncated answer (TC), so that a real resolver behind a spoofed flood retries over TCP,
 * which is never limited. Thread-safe; time comes from the clock given.
 */
public final class RateLimit {
  /** What to do with one UDP answer. */
  public enum Verdict {
    /** Send it. */
    SEND,
    /** Send nothing. */
    DROP,
    /** Send an empty answer with TC set. */
    SLIP
  }

  /** The most (prefix, name, type) entries remembered; the oldest go first. */
  static final int MAX_ENTRIES = 100_000;

  private final int perSecond;
  private final int slip;
  private final InstantSource clock;
  private final Map<Key, Bucket> buckets = new LinkedHashMap<>(1024, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Key, Bucket> eldest) {
      return size() > MAX_ENTRIES;
    }
  };

  private record Key(byte[] prefix, Name name, int type) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && Arrays.equals(prefix, k.prefix) && name.equals(k.name) && type == k.type;
    }

    @Override
    public int hashCode() {
      return Objects.hash(Arrays.hashCode(prefix), name, type);
    }
  }

  private static final class Bucket {
    long second;
    int sent;
    long dropped;
  }

  /**
   * @param perSecond answers a second per (prefix, name, type), at least 1
   * @param slip every how many dropped answers one goes out truncated (0: none)
   */
  public RateLimit(int perSecond, int slip, InstantSource clock) {
    if (perSecond < 1 || slip < 0) {
      throw new IllegalArgumentException("perSecond is at least 1 and slip at least 0, got " + perSecond + " and " + slip);
    }
    this.perSecond = perSecond;
    this.slip = slip;
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The verdict for one more UDP answer to {@code source} about {@code name} and {@code type}. */
  public synchronized Verdict check(InetAddress source, Name name, int type) {
    byte[] raw = source.getAddress();
    byte[] prefix = Arrays.copyOf(raw, source instanceof Inet4Address ? 3 : 7);
    Bucket b = buckets.computeIfAbsent(new Key(prefix, name.canonicalize(), type), k -> new Bucket());
    long second = clock.millis() / 1000;
    if (b.second != second) {
      b.second = second;
      b.sent = 0;
    }
    if (b.sent < perSecond) {
      b.sent++;
      return Verdict.SEND;
    }
    b.dropped++;
    return slip > 0 && b.dropped % slip == 0 ? Verdict.SLIP : Verdict.DROP;
  }
}
