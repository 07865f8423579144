package org.oversky.dht.rpc;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.HexFormat;
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
    return Ed25519.verifyRemembered(identity, signedBytes(publicKey), signature);
  }

  /** Remembers a binding made here as verified. */
  void verified(PublicKey identity) {
    Ed25519.remember(identity, signedBytes(publicKey), signature);
  }

  /** The public key as a read-only buffer, for comparing and keying without a copy. */
  ByteBuffer keyBuffer() {
    return ByteBuffer.wrap(publicKey).asReadOnlyBuffer();
  }

  @Override
  public byte[] publicKey() {
    return publicKey.clone();
  }

  @Override
  public byte[] signature() {
    return signature.clone();
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
