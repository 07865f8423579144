package org.oversky.gateway.crypto;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;

/** SHA-256 of text, the digest the nodes derive keys, ranks and ACME answers from. */
public final class Sha256 {
  private Sha256() {}

  /** The 32-byte SHA-256 of {@code text} in UTF-8. */
  public static byte[] of(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
