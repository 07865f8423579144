package org.oversky.dht.rpc;

import java.net.URI;
import java.security.PublicKey;
import java.util.Objects;
import java.util.Optional;
import org.oversky.dht.id.NodeId;

/**
 * Who sent a message: its id, the Ed25519 key the id is the SHA-256 of, and its advertised base
 * URL. A sender whose id does not match its key cannot be made.
 *
 * @param id the sender's node id, {@code NodeId.ofPublicKey(publicKey)}
 * @param publicKey its Ed25519 public key, which signed the message
 * @param baseUrl where it takes requests (absolute http or https)
 * @param dh its X25519 key, signed by {@code publicKey}, when it takes and sends messages
 *     authenticated with a MAC (see {@link RpcCodec})
 */
public record Sender(NodeId id, PublicKey publicKey, URI baseUrl, Optional<DhKey> dh) {
  public Sender {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(publicKey, "publicKey");
    Objects.requireNonNull(dh, "dh");
    Urls.require(baseUrl, "a sender's base URL");
    NodeId keyId = NodeId.ofPublicKey(publicKey);
    if (!keyId.equals(id)) {
      throw new IllegalArgumentException(
          "a sender's id is the SHA-256 of its public key: " + keyId + ", not " + id);
    }
  }

  /** A sender without an X25519 key: its messages are all signed. */
  public Sender(NodeId id, PublicKey publicKey, URI baseUrl) {
    this(id, publicKey, baseUrl, Optional.empty());
  }

  /** The sender holding {@code publicKey}, with the id made from it. */
  public static Sender of(PublicKey publicKey, URI baseUrl) {
    return new Sender(NodeId.ofPublicKey(publicKey), publicKey, baseUrl);
  }

  /** The 32 raw bytes of the public key, as messages carry it. */
  public byte[] rawPublicKey() {
    return NodeId.rawEd25519(publicKey);
  }
}
