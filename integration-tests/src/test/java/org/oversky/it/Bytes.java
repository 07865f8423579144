package org.oversky.it;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;

/** Test bodies and their keys. */
final class Bytes {
  private Bytes() {}

  static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < size; i++) {
      b[i] = (byte) r.nextInt(256);
    }
    return b;
  }

  static String sha256(byte[] data) {
    return HexFormat.of().formatHex(digest().digest(data));
  }

  static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A deterministic stream of pseudo-random bytes, produced chunk by chunk so that gigabytes can
   * be generated (and hashed) without holding them.
   */
  static final class Stream {
    private final SplittableRandom random;
    private long left;

    Stream(long size, long seed) {
      this.random = new SplittableRandom(seed);
      this.left = size;
    }

    /** Fills {@code buf} with the next bytes; the count, or -1 at the end. */
    int next(byte[] buf) {
      if (left == 0) {
        return -1;
      }
      int n = (int) Math.min(buf.length, left);
      int i = 0;
      for (; i + 8 <= n; i += 8) {
        long v = random.nextLong();
        for (int j = 0; j < 8; j++) {
          buf[i + j] = (byte) (v >>> (j * 8));
        }
      }
      for (; i < n; i++) {
        buf[i] = (byte) random.nextInt(256);
      }
      left -= n;
      return n;
    }

    /** The SHA-256 of a whole stream of this size and seed. */
    static String sha256(long size, long seed) {
      MessageDigest d = digest();
      Stream s = new Stream(size, seed);
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = s.next(buf)) > 0) {
        d.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(d.digest());
    }
  }
}
