package org.oversky.dht.rpc;

import java.net.URI;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/**
 * This node's signing identity: its Ed25519 key pair and the base URL it advertises. The private
 * key never leaves this object except to sign.
 *
 * @param keyPair an Ed25519 key pair ({@code KeyPairGenerator.getInstance("Ed25519")})
 * @param baseUrl where this node takes requests (absolute http or https)
 */
public record NodeIdentity(KeyPair keyPair, URI baseUrl) {
  public NodeIdentity {
    Objects.requireNonNull(keyPair, "keyPair");
    Objects.requireNonNull(keyPair.getPrivate(), "keyPair.getPrivate()");
    Sender.of(keyPair.getPublic(), baseUrl); // checks the key is Ed25519 and the URL
  }

  /** An identity with a new random key pair. */
  public static NodeIdentity generate(URI baseUrl) {
    try {
      return new NodeIdentity(KeyPairGenerator.getInstance("Ed25519").generateKeyPair(), baseUrl);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JDK has no Ed25519, which Java 15 and later all have", e);
    }
  }

  /** The sender field of this node's messages. */
  public Sender sender() {
    return Sender.of(keyPair.getPublic(), baseUrl);
  }

  byte[] sign(byte[] data) {
    return Ed25519.sign(keyPair.getPrivate(), data);
  }

  /** Does not print the private key. */
  @Override
  public String toString() {
    return "NodeIdentity[id=" + sender().id() + ", baseUrl=" + baseUrl + "]";
  }
}
