package org.oversky.dht.rpc;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A whole message: who sent it, when, what it says, and the proof that the sender sent it: its
 * Ed25519 signature over the rest, or a MAC under the key the sender shares with the receiver
 * (see {@link NodeIdentity#macKey}), with the receiver's X25519 key it was made for. {@link
 * RpcCodec} makes and checks these; an envelope that came out of {@link RpcCodec#decode} has been
 * verified.
 *
 * @param version the message format version ({@link RpcCodec#VERSION})
 * @param sender the sending node
 * @param timestampMillis when it was signed, in epoch milliseconds
 * @param payload the request or answer
 * @param signature the sender's 64-byte Ed25519 signature over the message's signed bytes, or
 *     when {@code macTo} is there, the 32-byte HMAC-SHA256 over them
 * @param macTo the receiver's X25519 public key the MAC was made with; null for a signed message
 */
public record Envelope(
    int version, Sender sender, long timestampMillis, Payload payload, byte[] signature, byte[] macTo) {
  /** A signed message. */
  public Envelope(int version, Sender sender, long timestampMillis, Payload payload, byte[] signature) {
    this(version, sender, timestampMillis, payload, signature, null);
  }

  public Envelope {
    if (version < 1) {
      throw new IllegalArgumentException("a message version is at least 1, got " + version);
    }
    Objects.requireNonNull(sender, "sender");
    Objects.requireNonNull(payload, "payload");
    Objects.requireNonNull(signature, "signature");
    if (timestampMillis < 0) {
      throw new IllegalArgumentException(
          "timestampMillis is epoch milliseconds, got " + timestampMillis);
    }
    if (macTo == null && signature.length != Ed25519.SIGNATURE_BYTES) {
      throw new IllegalArgumentException(
          "an Ed25519 signature has 64 bytes, got " + signature.length);
    }
    if (macTo != null && (signature.length != RpcCodec.MAC_BYTES || macTo.length != DhKey.KEY_BYTES)) {
      throw new IllegalArgumentException(
          "a MAC has 32 bytes and the key it is for 32, got " + signature.length + " and " + macTo.length);
    }
    signature = signature.clone();
    macTo = macTo == null ? null : macTo.clone();
  }

  /** Whether a MAC, not a signature, proves who sent it. */
  public boolean isMac() {
    return macTo != null;
  }

  @Override
  public byte[] macTo() {
    return macTo == null ? null : macTo.clone();
  }

  /** The RPC this message belongs to. */
  public Rpc rpc() {
    return payload.rpc();
  }

  /** Whether this message is a request (rather than an answer). */
  public boolean isRequest() {
    return payload.isRequest();
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Envelope e
        && version == e.version
        && sender.equals(e.sender)
        && timestampMillis == e.timestampMillis
        && payload.equals(e.payload)
        && Arrays.equals(signature, e.signature)
        && Arrays.equals(macTo, e.macTo);
  }

  @Override
  public int hashCode() {
    return Objects.hash(version, sender, timestampMillis, payload, Arrays.hashCode(signature), Arrays.hashCode(macTo));
  }

  @Override
  public String toString() {
    return "Envelope[version=" + version + ", sender=" + sender.id() + " at " + sender.baseUrl()
        + ", timestampMillis=" + timestampMillis + ", payload=" + payload
        + (macTo == null ? ", signature=" : ", mac=") + HexFormat.of().formatHex(signature) + "]";
  }
}
