package org.oversky.dht.id;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * A point in the DHT's 256-bit key space: a node's id (the SHA-256 of its Ed25519 public key) or a
 * content key (the SHA-256 of a body), which share the space so that providers of a key are stored
 * on the nodes whose ids are closest to it.
 *
 * <p>The 256 bits are held as four words, most significant first, so every value of the four
 * longs is a valid id and equality, hashing and the XOR metric need no allocation. Ids order as
 * unsigned 256-bit integers; since {@link #xor} of two ids is itself an id, distances compare the
 * same way.
 *
 * @param w0 bits 0-63 (the most significant)
 * @param w1 bits 64-127
 * @param w2 bits 128-191
 * @param w3 bits 192-255 (the least significant)
 */
public record NodeId(long w0, long w1, long w2, long w3) implements Comparable<NodeId> {
  /** Bits in an id. */
  public static final int BITS = 256;

  /** Bytes in an id. */
  public static final int BYTES = 32;

  /** The DER header the JDK puts before the 32 raw key bytes in an Ed25519 key's X.509 form. */
  private static final byte[] ED25519_X509_HEADER =
      HexFormat.of().parseHex("302a300506032b6570032100");

  private static final HexFormat HEX = HexFormat.of();

  /** Parses 64 lowercase hex digits, as printed by {@link #toString()} and used for content keys. */
  public static NodeId ofHex(String hex) {
    if (!isWellFormed(hex)) {
      throw new IllegalArgumentException(
          "a node id or content key is 64 lowercase hex digits (a SHA-256), got " + quote(hex));
    }
    return ofBytes(HEX.parseHex(hex));
  }

  /** Whether {@code text} is 64 lowercase hex digits. */
  public static boolean isWellFormed(String text) {
    if (text == null || text.length() != 2 * BYTES) {
      return false;
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }

  /** The id whose big-endian bytes are {@code bytes} (exactly 32, e.g. a SHA-256 digest). */
  public static NodeId ofBytes(byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes");
    if (bytes.length != BYTES) {
      throw new IllegalArgumentException("a node id has 32 bytes, got " + bytes.length);
    }
    return new NodeId(word(bytes, 0), word(bytes, 8), word(bytes, 16), word(bytes, 24));
  }

  /** The id of a node: the SHA-256 of its raw 32-byte Ed25519 public key. */
  public static NodeId ofRawPublicKey(byte[] rawEd25519Key) {
    Objects.requireNonNull(rawEd25519Key, "rawEd25519Key");
    if (rawEd25519Key.length != 32) {
      throw new IllegalArgumentException(
          "a raw Ed25519 public key has 32 bytes, got " + rawEd25519Key.length);
    }
    return ofBytes(sha256(rawEd25519Key));
  }

  /**
   * The id of a node holding {@code key}, an Ed25519 public key as the JDK makes them ({@code
   * KeyPairGenerator.getInstance("Ed25519")}): the SHA-256 of its raw 32 bytes, not of its X.509
   * encoding.
   */
  public static NodeId ofPublicKey(PublicKey key) {
    return ofRawPublicKey(rawEd25519(key));
  }

  /**
   * The raw 32 bytes of an Ed25519 public key, taken from its X.509 encoding (a fixed 12-byte header
   * and the key).
   */
  public static byte[] rawEd25519(PublicKey key) {
    Objects.requireNonNull(key, "key");
    byte[] encoded = key.getEncoded();
    boolean ed25519 =
        "X.509".equals(key.getFormat())
            && encoded != null
            && encoded.length == ED25519_X509_HEADER.length + 32
            && Arrays.equals(
                encoded, 0, ED25519_X509_HEADER.length,
                ED25519_X509_HEADER, 0, ED25519_X509_HEADER.length);
    if (!ed25519) {
      throw new IllegalArgumentException(
          "a node id is made from an Ed25519 public key (KeyPairGenerator.getInstance(\"Ed25519\")), got a "
              + key.getAlgorithm() + " key in " + key.getFormat() + " form");
    }
    return Arrays.copyOfRange(encoded, ED25519_X509_HEADER.length, encoded.length);
  }

  /** A uniformly random id, e.g. a lookup target for refreshing a bucket. */
  public static NodeId random(RandomGenerator random) {
    return new NodeId(random.nextLong(), random.nextLong(), random.nextLong(), random.nextLong());
  }

  /** The XOR distance to {@code other}: zero only for the same id, the same from either side. */
  public NodeId xor(NodeId other) {
    return new NodeId(w0 ^ other.w0, w1 ^ other.w1, w2 ^ other.w2, w3 ^ other.w3);
  }

  /**
   * Compares how far {@code a} and {@code b} are from this id: negative when {@code a} is closer,
   * zero only when {@code a} equals {@code b} (XOR distances from one point never tie).
   */
  public int compareDistance(NodeId a, NodeId b) {
    int c = Long.compareUnsigned(a.w0 ^ w0, b.w0 ^ w0);
    if (c != 0) {
      return c;
    }
    c = Long.compareUnsigned(a.w1 ^ w1, b.w1 ^ w1);
    if (c != 0) {
      return c;
    }
    c = Long.compareUnsigned(a.w2 ^ w2, b.w2 ^ w2);
    if (c != 0) {
      return c;
    }
    return Long.compareUnsigned(a.w3 ^ w3, b.w3 ^ w3);
  }

  /** Orders ids by their distance to this one, closest first. */
  public Comparator<NodeId> closestFirst() {
    return this::compareDistance;
  }

  /**
   * How many leading bits this id shares with {@code other}: 256 for the same id, otherwise the
   * index of the k-bucket {@code other} belongs to in this node's table.
   */
  public int commonPrefixLength(NodeId other) {
    long d = w0 ^ other.w0;
    if (d != 0) {
      return Long.numberOfLeadingZeros(d);
    }
    d = w1 ^ other.w1;
    if (d != 0) {
      return 64 + Long.numberOfLeadingZeros(d);
    }
    d = w2 ^ other.w2;
    if (d != 0) {
      return 128 + Long.numberOfLeadingZeros(d);
    }
    d = w3 ^ other.w3;
    return d != 0 ? 192 + Long.numberOfLeadingZeros(d) : BITS;
  }

  /**
   * The lowest id that shares its first {@code bits} bits with this one (the rest cleared): with
   * {@link #highestWithPrefix}, the range in {@link #compareTo} order of every id sharing them.
   */
  public NodeId lowestWithPrefix(int bits) {
    return new NodeId(w0 & keep(bits, 0), w1 & keep(bits, 1), w2 & keep(bits, 2), w3 & keep(bits, 3));
  }

  /** The highest id that shares its first {@code bits} bits with this one (the rest set). */
  public NodeId highestWithPrefix(int bits) {
    return new NodeId(w0 | ~keep(bits, 0), w1 | ~keep(bits, 1), w2 | ~keep(bits, 2), w3 | ~keep(bits, 3));
  }

  /** The mask of word {@code word} (0 the most significant) that keeps the first {@code bits} bits of the id. */
  private static long keep(int bits, int word) {
    if (bits < 0 || bits > BITS) {
      throw new IllegalArgumentException("a prefix has 0 to " + BITS + " bits, got " + bits);
    }
    int inWord = Math.clamp(bits - 64L * word, 0, 64);
    return inWord == 0 ? 0 : -1L << (64 - inWord);
  }

  /** Bit {@code index} of the id, 0 being the most significant. */
  public boolean testBit(int index) {
    Objects.checkIndex(index, BITS);
    long word =
        switch (index >>> 6) {
          case 0 -> w0;
          case 1 -> w1;
          case 2 -> w2;
          default -> w3;
        };
    return (word >>> (63 - (index & 63)) & 1) != 0;
  }

  /** The 32 big-endian bytes. */
  public byte[] bytes() {
    byte[] out = new byte[BYTES];
    put(out, 0, w0);
    put(out, 8, w1);
    put(out, 16, w2);
    put(out, 24, w3);
    return out;
  }

  /** The 64 lowercase hex digits. */
  public String hex() {
    return HEX.toHexDigits(w0) + HEX.toHexDigits(w1) + HEX.toHexDigits(w2) + HEX.toHexDigits(w3);
  }

  /** Unsigned numeric order of the 256-bit values. */
  @Override
  public int compareTo(NodeId other) {
    int c = Long.compareUnsigned(w0, other.w0);
    if (c != 0) {
      return c;
    }
    c = Long.compareUnsigned(w1, other.w1);
    if (c != 0) {
      return c;
    }
    c = Long.compareUnsigned(w2, other.w2);
    return c != 0 ? c : Long.compareUnsigned(w3, other.w3);
  }

  /** The 64 lowercase hex digits, so an id prints the way {@link #ofHex} reads it. */
  @Override
  public String toString() {
    return hex();
  }

  private static long word(byte[] bytes, int offset) {
    long w = 0;
    for (int i = 0; i < 8; i++) {
      w = (w << 8) | (bytes[offset + i] & 0xff);
    }
    return w;
  }

  private static void put(byte[] out, int offset, long w) {
    for (int i = 7; i >= 0; i--) {
      out[offset + i] = (byte) w;
      w >>>= 8;
    }
  }

  private static byte[] sha256(byte[] data) {
    try {
      // A clone of an unused digest: every message's sender is hashed, and looking the algorithm
      // up among the providers each time cost more than the hash.
      return ((MessageDigest) SHA256.clone()).digest(data);
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("the JDK's SHA-256 can be cloned", e);
    }
  }

  /** Never updated: only cloned. */
  private static final MessageDigest SHA256 = newSha256();

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JDK has no SHA-256, which every Java SE JDK must have", e);
    }
  }

  /** Quotes hostile input for an error message without letting it grow without bound. */
  private static String quote(String text) {
    if (text == null) {
      return "null";
    }
    return text.length() <= 80 ? "'" + text + "'" : "'" + text.substring(0, 80) + "...' (" + text.length() + " chars)";
  }
}
