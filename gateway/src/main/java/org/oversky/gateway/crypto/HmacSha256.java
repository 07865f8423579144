package org.oversky.gateway.crypto;

import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HMAC-SHA256, the MAC the nodes of a cluster put on what they tell each other. */
public final class HmacSha256 {
  private HmacSha256() {}

  /** The 32-byte HMAC-SHA256 of {@code data} under {@code key}. */
  public static byte[] of(byte[] key, byte[] data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JDK has HmacSHA256", e);
    }
  }
}
