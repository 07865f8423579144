package org.oversky.gateway.acme;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.oversky.dht.id.NodeId;
import org.oversky.gateway.crypto.HmacSha256;

/**
 * What the nodes of one cluster share about certificates through the DHT, readable by them alone:
 * a value sealed with AES-256-GCM under a key derived from the cluster secret, the record's DHT key
 * as associated data (a sealed value moved under another key does not open). The DHT keys
 * themselves mix in a tag derived from the secret, so that another cluster ordering for the same
 * name writes elsewhere.
 *
 * <p>A sealed value is one version byte, a 12-byte random nonce, then the ciphertext and its
 * 16-byte tag.
 */
final class ClusterSeal {
  static final byte VERSION = 1;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;

  private final SecretKeySpec key;
  private final String tag;
  private final SecureRandom random = new SecureRandom();

  /** @param secret the cluster secret, not empty */
  ClusterSeal(String secret) {
    if (secret.isEmpty()) {
      throw new IllegalArgumentException("sealing needs the cluster secret");
    }
    byte[] s = secret.getBytes(StandardCharsets.UTF_8);
    this.key = new SecretKeySpec(HmacSha256.of(s, "oversky-acme-seal".getBytes(StandardCharsets.US_ASCII)), "AES");
    this.tag = HexFormat.of().formatHex(HmacSha256.of(s, "oversky-acme-tag".getBytes(StandardCharsets.US_ASCII)), 0, 16);
  }

  /** The DHT key of what the cluster shares of {@code kind} (such as a challenge token or a host) named {@code name}. */
  NodeId key(String kind, String name) {
    return NodeId.ofBytes(org.oversky.gateway.crypto.Sha256.of("oversky-acme:" + tag + ":" + kind + ":" + name));
  }

  /** {@code plain} sealed for the record under {@code at}. */
  byte[] seal(NodeId at, byte[] plain) {
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      c.updateAAD(at.bytes());
      byte[] sealed = c.doFinal(plain);
      return ByteBuffer.allocate(1 + NONCE_BYTES + sealed.length).put(VERSION).put(nonce).put(sealed).array();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JDK has AES-GCM", e);
    }
  }

  /** What {@code value}, found under {@code at}, holds; empty when it was not sealed by this cluster for that key. */
  Optional<byte[]> open(NodeId at, byte[] value) {
    if (value.length < 1 + NONCE_BYTES + TAG_BITS / 8 || value[0] != VERSION) {
      return Optional.empty();
    }
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, Arrays.copyOfRange(value, 1, 1 + NONCE_BYTES)));
      c.updateAAD(at.bytes());
      return Optional.of(c.doFinal(value, 1 + NONCE_BYTES, value.length - 1 - NONCE_BYTES));
    } catch (javax.crypto.AEADBadTagException e) {
      return Optional.empty(); // another cluster's, or altered on the way
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JDK has AES-GCM", e);
    }
  }
}
