package org.oversky.cache;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A Bloom filter of the URLs the response index holds, so that a miss for a URL never stored
 * (most misses of a crawl) reads no index file: "no" is certain, "maybe" means look. URLs are
 * only added; one whose responses are gone still answers "maybe" (a wasted read, never a wrong
 * answer). Thread-safe without locks.
 */
final class UrlFilter {
  private static final int HASHES = 7;
  private final AtomicLongArray bits;
  private final long mask;

  /** A filter of {@code 2^log2Bits} bits (2^24 bits, 2 MiB, hold about 1.7 million URLs at 1 % false "maybe"s). */
  UrlFilter(int log2Bits) {
    if (log2Bits < 6 || log2Bits > 34) {
      throw new IllegalArgumentException("log2Bits out of range: " + log2Bits);
    }
    this.bits = new AtomicLongArray(1 << (log2Bits - 6));
    this.mask = (1L << log2Bits) - 1;
  }

  void add(String url) {
    long h1 = hash(url, 0x9E3779B97F4A7C15L);
    long h2 = hash(url, 0xC2B2AE3D27D4EB4FL) | 1;
    for (int i = 0; i < HASHES; i++) {
      long bit = (h1 + i * h2) & mask;
      int word = (int) (bit >>> 6);
      long m = 1L << (bit & 63);
      long old;
      do {
        old = bits.get(word);
      } while ((old & m) == 0 && !bits.compareAndSet(word, old, old | m));
    }
  }

  /** False when {@code url} was certainly never added. */
  boolean mightContain(String url) {
    long h1 = hash(url, 0x9E3779B97F4A7C15L);
    long h2 = hash(url, 0xC2B2AE3D27D4EB4FL) | 1;
    for (int i = 0; i < HASHES; i++) {
      long bit = (h1 + i * h2) & mask;
      if ((bits.get((int) (bit >>> 6)) & (1L << (bit & 63))) == 0) {
        return false;
      }
    }
    return true;
  }

  /** 64-bit FNV-1a over the UTF-8 bytes, mixed with a seed and finished (murmur3's fmix64). */
  private static long hash(String s, long seed) {
    long h = 0xcbf29ce484222325L ^ seed;
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      h ^= b;
      h *= 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }
}
