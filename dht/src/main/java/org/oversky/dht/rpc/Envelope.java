package org.oversky.dht.rpc;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A whole signed message: who sent it, when, what it says, and the sender's signature over the
 * rest. {@link RpcCodec} makes and checks these; an envelope that came out of {@link
 * RpcCodec#decode} has been verified.
 *
 * @param version the message format version ({@link RpcCodec#VERSION})
 * @param sender the sending node
 * @param timestampMillis when it was signed, in epoch milliseconds
 * @param payload the request or answer
 * @param signature the sender's 64-byte Ed25519 signature over the message's signed bytes
 */
public record Envelope(
    int version, Sender sender, long timestampMillis, Payload payload, byte[] signature) {
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
    if (signature.length != Ed25519.SIGNATURE_BYTES) {
      throw new IllegalArgumentException(
          "an Ed25519 signature has 64 bytes, got " + signature.length);
    }
    signature = signature.clone();
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
        && Arrays.equals(signature, e.signature);
  }

  @Override
  public int hashCode() {
    return Objects.hash(version, sender, timestampMillis, payload, Arrays.hashCode(signature));
  }

  @Override
  public String toString() {
    return "Envelope[version=" + version + ", sender=" + sender.id() + " at " + sender.baseUrl()
        + ", timestampMillis=" + timestampMillis + ", payload=" + payload
        + ", signature=" + HexFormat.of().formatHex(signature) + "]";
  }
}
