package org.oversky.dht.rpc;

import com.github.benmanes.caffeine.cache.Caffeine;
import java.nio.ByteBuffer;
import java.security.KeyFactory;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.X509EncodedKeySpec;
import java.util.HexFormat;
import java.util.Map;
import org.oversky.dht.id.NodeId;

/**
 * Ed25519 (RFC 8032) for messages and records: keys are the JDK's ({@code KeyPairGenerator
 * "Ed25519"}), the arithmetic is Bouncy Castle's, which is several times faster than the JDK's
 * and matters because every DHT message is signed and checked. Decoded public keys (the costly
 * point decompression) are kept for the most recent senders.
 */
final class Ed25519 {
  static final int KEY_BYTES = 32;
  static final int SIGNATURE_BYTES = 64;
  private static final int CACHED_KEYS = 10_000;

  /** The DER header before the 32 raw key bytes in an Ed25519 key's X.509 form. */
  private static final byte[] X509_HEADER = HexFormat.of().parseHex("302a300506032b6570032100");

  private static final Map<ByteBuffer, PublicKey> KEYS = bounded(CACHED_KEYS);
  private static final Map<ByteBuffer, org.bouncycastle.math.ec.rfc8032.Ed25519.PublicPoint> POINTS = bounded(CACHED_KEYS);
  private static final Map<PrivateKey, byte[][]> SIGNERS = bounded(64);
  /** A SHA-256 digest per thread: looking one up costs more than the digest of a short message. */
  private static final ThreadLocal<java.security.MessageDigest> SHA256 =
      ThreadLocal.withInitial(() -> {
        try {
          return java.security.MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
          throw new IllegalStateException("this JDK has no SHA-256, which every Java SE JDK must have", e);
        }
      });
  /** Signatures that verified (records, X25519 keys), by {@link #fingerprint}. */
  private static final Map<ByteBuffer, Boolean> VERIFIED = bounded(16_384);

  static {
    org.bouncycastle.math.ec.rfc8032.Ed25519.precompute();
  }

  private Ed25519() {}

  /**
   * A thread-safe map of at most about {@code max} entries (Caffeine: reads take no lock, which
   * matters as every message reads these), evicting on the caller's thread.
   */
  static <K, V> Map<K, V> bounded(int max) {
    return Caffeine.newBuilder().maximumSize(max).executor(Runnable::run).<K, V>build().asMap();
  }

  /** The public key whose raw form is {@code raw}; throws when it is not a valid Ed25519 key. */
  static PublicKey publicKey(byte[] raw) throws InvalidKeySpecException {
    if (raw.length != KEY_BYTES) {
      throw new InvalidKeySpecException("a raw Ed25519 public key has 32 bytes, got " + raw.length);
    }
    ByteBuffer id = ByteBuffer.wrap(raw.clone());
    PublicKey known = KEYS.get(id);
    if (known != null) {
      return known;
    }
    byte[] x509 = new byte[X509_HEADER.length + KEY_BYTES];
    System.arraycopy(X509_HEADER, 0, x509, 0, X509_HEADER.length);
    System.arraycopy(raw, 0, x509, X509_HEADER.length, KEY_BYTES);
    try {
      PublicKey key = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(x509));
      KEYS.put(id, key);
      return key;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JDK has no Ed25519, which Java 15 and later all have", e);
    }
  }

  static byte[] sign(PrivateKey key, byte[] data) {
    byte[][] signer = SIGNERS.computeIfAbsent(key, Ed25519::signer);
    byte[] signature = new byte[SIGNATURE_BYTES];
    org.bouncycastle.math.ec.rfc8032.Ed25519.sign(signer[0], 0, signer[1], 0, data, 0, data.length, signature, 0);
    return signature;
  }

  /** The seed and public key of a private key, so that signing need not derive the public key. */
  private static byte[][] signer(PrivateKey key) {
    if (!(key instanceof EdECPrivateKey ed) || ed.getBytes().isEmpty()) {
      throw new IllegalArgumentException(
          "signing needs an Ed25519 private key (KeyPairGenerator.getInstance(\"Ed25519\")), got a "
              + key.getAlgorithm() + " key");
    }
    byte[] seed = ed.getBytes().get();
    byte[] pk = new byte[KEY_BYTES];
    org.bouncycastle.math.ec.rfc8032.Ed25519.generatePublicKey(seed, 0, pk, 0);
    return new byte[][] {seed, pk};
  }

  /**
   * {@link #verify}, remembering signatures that verified by the SHA-256 of everything checked
   * (data, signature, key): a value record comes back from every node a lookup asks, and a peer's
   * X25519 key with each of its messages. Only good signatures are remembered.
   */
  static boolean verifyRemembered(PublicKey key, byte[] data, byte[] signature) {
    ByteBuffer id = ByteBuffer.wrap(fingerprint(key, data, signature));
    if (VERIFIED.containsKey(id)) {
      return true;
    }
    boolean ok = verify(key, data, signature);
    if (ok) {
      VERIFIED.put(id, Boolean.TRUE);
    }
    return ok;
  }

  /** Remembers a signature made here as verified, so that this node does not check it again. */
  static void remember(PublicKey key, byte[] data, byte[] signature) {
    VERIFIED.put(ByteBuffer.wrap(fingerprint(key, data, signature)), Boolean.TRUE);
  }

  private static byte[] fingerprint(PublicKey key, byte[] data, byte[] signature) {
    java.security.MessageDigest sha = SHA256.get(); // digest() below leaves it reset
    sha.update(data);
    sha.update(signature);
    sha.update(key.getEncoded());
    return sha.digest();
  }

  /** Whether {@code signature} is {@code key}'s over exactly {@code data}; false for any bad input. */
  static boolean verify(PublicKey key, byte[] data, byte[] signature) {
    if (signature.length != SIGNATURE_BYTES) {
      return false;
    }
    byte[] raw;
    try {
      raw = NodeId.rawEd25519(key);
    } catch (IllegalArgumentException e) {
      return false;
    }
    ByteBuffer id = ByteBuffer.wrap(raw);
    var point = POINTS.get(id);
    if (point == null) {
      point = org.bouncycastle.math.ec.rfc8032.Ed25519.validatePublicKeyPartialExport(raw, 0);
      if (point == null) {
        return false;
      }
      POINTS.put(id, point);
    }
    return org.bouncycastle.math.ec.rfc8032.Ed25519.verify(signature, 0, point, data, 0, data.length);
  }
}
