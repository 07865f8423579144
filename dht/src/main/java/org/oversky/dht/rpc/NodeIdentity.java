package org.oversky.dht.rpc;

import java.net.URI;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/**
 * This node's signing identity: its Ed25519 key pair and the base URL it advertises. The private
 * key never leaves this object except to sign. The sender field of its messages is made once.
 */
public final class NodeIdentity {
  private final KeyPair keyPair;
  private final URI baseUrl;
  private final Sender sender;

  /**
   * @param keyPair an Ed25519 key pair ({@code KeyPairGenerator.getInstance("Ed25519")})
   * @param baseUrl where this node takes requests (absolute http or https)
   */
  public NodeIdentity(KeyPair keyPair, URI baseUrl) {
    Objects.requireNonNull(keyPair, "keyPair");
    Objects.requireNonNull(keyPair.getPrivate(), "keyPair.getPrivate()");
    this.sender = Sender.of(keyPair.getPublic(), baseUrl); // checks the key is Ed25519 and the URL
    this.keyPair = keyPair;
    this.baseUrl = baseUrl;
  }

  /** An identity with a new random key pair. */
  public static NodeIdentity generate(URI baseUrl) {
    try {
      return new NodeIdentity(KeyPairGenerator.getInstance("Ed25519").generateKeyPair(), baseUrl);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JDK has no Ed25519, which Java 15 and later all have", e);
    }
  }

  /** The Ed25519 key pair. */
  public KeyPair keyPair() {
    return keyPair;
  }

  /** Where this node takes requests. */
  public URI baseUrl() {
    return baseUrl;
  }

  /** The sender field of this node's messages. */
  public Sender sender() {
    return sender;
  }

  byte[] sign(byte[] data) {
    return Ed25519.sign(keyPair.getPrivate(), data);
  }

  /** Does not print the private key. */
  @Override
  public String toString() {
    return "NodeIdentity[id=" + sender.id() + ", baseUrl=" + baseUrl + "]";
  }
}
