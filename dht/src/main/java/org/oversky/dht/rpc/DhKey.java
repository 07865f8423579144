package org.oversky.dht.rpc;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;

/**
 * A node's X25519 key for authenticating messages with a MAC instead of a signature, with its
 * identity's Ed25519 signature binding the key to the node: a message sender carries it, so that
 * its peer can derive the key they share (see {@link NodeIdentity#macKey}). Each node makes a new
 * one when it starts.
 *
 * @param publicKey the 32-byte X25519 public key (RFC 7748, little-endian u)
 * @param signature the node's Ed25519 signature over {@link #CONTEXT} followed by {@code publicKey}
 */
public record DhKey(byte[] publicKey, byte[] signature) {
  /** The bytes signed before the key: a signature over a key means nothing else. */
  static final byte[] CONTEXT = "oversky dht x25519 key v1:".getBytes(StandardCharsets.US_ASCII);
  /** The length of an X25519 public key. */
  public static final int KEY_BYTES = 32;

  public DhKey {
    Objects.requireNonNull(publicKey, "publicKey");
    Objects.requireNonNull(signature, "signature");
    if (publicKey.length != KEY_BYTES || signature.length != Ed25519.SIGNATURE_BYTES) {
      throw new IllegalArgumentException("an X25519 key has 32 bytes and its signature 64, got " + publicKey.length + " and " + signature.length);
    }
    publicKey = publicKey.clone();
    signature = signature.clone();
  }

  /** The bytes the node's identity signs. */
  static byte[] signedBytes(byte[] publicKey) {
    byte[] out = Arrays.copyOf(CONTEXT, CONTEXT.length + publicKey.length);
    System.arraycopy(publicKey, 0, out, CONTEXT.length, publicKey.length);
    return out;
  }

  /**
   * Whether {@code identity} signed this key. A binding that verified is remembered, so a peer's
   * key costs one Ed25519 verification while it is in use, not one a message.
   */
  public boolean verifies(PublicKey identity) {
    ByteBuffer id = ByteBuffer.wrap(fingerprint(identity));
    if (VERIFIED.containsKey(id)) {
      return true;
    }
    boolean ok = Ed25519.verify(identity, signedBytes(publicKey), signature);
    if (ok) {
      VERIFIED.put(id, Boolean.TRUE);
    }
    return ok;
  }

  /** Bindings that verified, by the SHA-256 of identity, key and signature. */
  private static final Map<ByteBuffer, Boolean> VERIFIED = Ed25519.lru(8192);

  /** Remembers a binding made here as verified. */
  void verified(PublicKey identity) {
    VERIFIED.put(ByteBuffer.wrap(fingerprint(identity)), Boolean.TRUE);
  }

  private byte[] fingerprint(PublicKey identity) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(identity.getEncoded());
      sha.update(publicKey);
      sha.update(signature);
      return sha.digest();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  @Override
  public byte[] publicKey() {
    return publicKey.clone();
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  /** The public key as a buffer, for comparing and keying without a copy. */
  ByteBuffer keyBuffer() {
    return ByteBuffer.wrap(publicKey).asReadOnlyBuffer();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DhKey k && Arrays.equals(publicKey, k.publicKey) && Arrays.equals(signature, k.signature);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(publicKey) + Arrays.hashCode(signature);
  }

  @Override
  public String toString() {
    return "DhKey[" + HexFormat.of().formatHex(publicKey) + "]";
  }
}
