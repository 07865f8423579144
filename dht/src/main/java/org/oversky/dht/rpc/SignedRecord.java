package org.oversky.dht.rpc;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import org.oversky.dht.id.NodeId;

/**
 * A value record as {@code put_record} stores and {@code get_record} returns it: a value under a
 * key, with an expiry, signed by its publisher (not by the node that relays it).
 *
 * <p>The codec rejects a record whose signature does not verify; whether the publisher is
 * <em>trusted</em> for the key is the records layer's decision. The signature covers {@link
 * #signedBytes()}: the ASCII prefix {@code "oversky-dht-record/1\n"}, the 32 key bytes, the expiry
 * as 8 big-endian bytes, then the value.
 *
 * @param key where the record is stored
 * @param value at most {@link #MAX_VALUE_BYTES} bytes
 * @param expiresAt when the record expires, in epoch milliseconds
 * @param publisher the publisher's Ed25519 public key
 * @param signature the publisher's 64-byte Ed25519 signature over {@link #signedBytes()}
 */
public record SignedRecord(
    NodeId key, byte[] value, long expiresAt, PublicKey publisher, byte[] signature) {
  /** Largest value a record may hold. */
  public static final int MAX_VALUE_BYTES = 16 * 1024;

  private static final byte[] DOMAIN = "oversky-dht-record/1\n".getBytes(StandardCharsets.US_ASCII);

  public SignedRecord {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(publisher, "publisher");
    Objects.requireNonNull(signature, "signature");
    if (value.length > MAX_VALUE_BYTES) {
      throw new IllegalArgumentException(
          "a record's value has at most " + MAX_VALUE_BYTES + " bytes, got " + value.length);
    }
    if (expiresAt < 0) {
      throw new IllegalArgumentException("expiresAt is epoch milliseconds, got " + expiresAt);
    }
    NodeId.rawEd25519(publisher); // throws unless it is an Ed25519 key
    if (signature.length != Ed25519.SIGNATURE_BYTES) {
      throw new IllegalArgumentException(
          "an Ed25519 signature has 64 bytes, got " + signature.length);
    }
    value = value.clone();
    signature = signature.clone();
  }

  /** A record of {@code value} under {@code key}, signed by {@code publisher}. */
  public static SignedRecord sign(NodeId key, byte[] value, long expiresAt, KeyPair publisher) {
    byte[] toSign = signedBytes(key, value, expiresAt);
    SignedRecord record = new SignedRecord(
        key, value, expiresAt, publisher.getPublic(), Ed25519.sign(publisher.getPrivate(), toSign));
    // signed here: this node's own store takes it without verifying what it just signed
    Ed25519.remember(publisher.getPublic(), toSign, record.signature);
    return record;
  }

  /**
   * Whether the signature is the publisher's over this record's key, expiry and value (remembered
   * once it has verified: the same record comes back from every node a lookup asks).
   */
  public boolean verifies() {
    return Ed25519.verifyRemembered(publisher, signedBytes(), signature);
  }

  /** The publisher's node id (the SHA-256 of its key). */
  public NodeId publisherId() {
    return NodeId.ofPublicKey(publisher);
  }

  /** The bytes the publisher signs. */
  public byte[] signedBytes() {
    return signedBytes(key, value, expiresAt);
  }

  @Override
  public byte[] value() {
    return value.clone();
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SignedRecord r
        && key.equals(r.key)
        && Arrays.equals(value, r.value)
        && expiresAt == r.expiresAt
        && publisher.equals(r.publisher)
        && Arrays.equals(signature, r.signature);
  }

  @Override
  public int hashCode() {
    return Objects.hash(key, Arrays.hashCode(value), expiresAt, publisher, Arrays.hashCode(signature));
  }

  @Override
  public String toString() {
    return "SignedRecord[key=" + key + ", value=" + value.length + " bytes, expiresAt=" + expiresAt
        + ", publisher=" + publisherId() + ", signature=" + HexFormat.of().formatHex(signature) + "]";
  }

  private static byte[] signedBytes(NodeId key, byte[] value, long expiresAt) {
    return ByteBuffer.allocate(DOMAIN.length + NodeId.BYTES + Long.BYTES + value.length)
        .put(DOMAIN)
        .put(key.bytes())
        .putLong(expiresAt)
        .put(value)
        .array();
  }
}
