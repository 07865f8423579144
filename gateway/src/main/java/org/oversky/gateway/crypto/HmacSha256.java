package org.oversky.gateway.crypto;

import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HMAC-SHA256, the MAC the nodes of a cluster put on what they tell each other. */
public final class HmacSha256 {
  private HmacSha256() {}

  /** The 32-byte HMAC-SHA256 of {@code data} under {@code key}. */
  public static byte[] of(byte[] key, byte[] data) {
    return newMac(key).doFinal(data);
  }

  /**
   * A key keyed once, for a key that MACs many messages (a claim, an answer, a cluster message on
   * every miss): each MAC copies a keyed prototype instead of finding a provider and keying a new
   * {@link Mac}. Safe for any number of threads.
   */
  public static final class Key {
    private final byte[] key;
    /** Never updated: only copied. */
    private final Mac keyed;

    public Key(byte[] key) {
      this.key = key.clone();
      this.keyed = newMac(this.key);
    }

    /** The 32-byte HMAC-SHA256 of {@code data} under this key. */
    public byte[] of(byte[] data) {
      Mac mac;
      try {
        mac = (Mac) keyed.clone();
      } catch (CloneNotSupportedException e) {
        mac = newMac(key); // a provider whose HMAC cannot be copied
      }
      return mac.doFinal(data);
    }
  }

  private static Mac newMac(byte[] key) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JDK has HmacSHA256", e);
    }
  }
}
