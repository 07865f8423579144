package org.oversky.cache;

import java.util.Base64;
import java.util.HexFormat;
import org.apache.commons.codec.binary.Hex;

/**
 * The identity of a stored body: the SHA-256 of its bytes, as 64 lowercase hex digits. A key can
 * only be made from a well-formed digest, so a malformed key never reaches the store.
 */
public record ContentKey(String hex) {
  public ContentKey {
    if (!isWellFormed(hex)) {
      throw new IllegalArgumentException("a content key is 64 lowercase hex digits (a SHA-256), got '" + hex + "'");
    }
  }

  /** Whether {@code text} is 64 lowercase hex digits. */
  public static boolean isWellFormed(String text) {
    if (text == null || text.length() != 64) {
      return false;
    }
    for (int i = 0; i < 64; i++) {
      char c = text.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }

  /** The key of a finished SHA-256 digest. */
  public static ContentKey ofDigest(byte[] sha256) {
    if (sha256.length != 32) {
      throw new IllegalArgumentException("a SHA-256 digest has 32 bytes, got " + sha256.length);
    }
    return new ContentKey(Hex.encodeHexString(sha256));
  }

  /** The 32 digest bytes. */
  public byte[] digest() {
    return HexFormat.of().parseHex(hex);
  }

  /** The digest in standard base64, as used in {@code Repr-Digest} and SRI strings. */
  public String base64() {
    return Base64.getEncoder().encodeToString(digest());
  }

  @Override
  public String toString() {
    return hex;
  }
}
