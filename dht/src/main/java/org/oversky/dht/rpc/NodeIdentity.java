package org.oversky.dht.rpc;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.interfaces.XECPublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPublicKeySpec;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.oversky.dht.id.NodeId;

/**
 * This node's signing identity: its Ed25519 key pair and the base URL it advertises, and an
 * X25519 key pair made when it starts, signed by the Ed25519 key, from which it shares a MAC key
 * with each peer that has one too (the peer's X25519 public key and this one's private key: the
 * static-static agreement of the Noise protocol's KK pattern). The private keys never leave this
 * object. The sender field of its messages is made once.
 */
public final class NodeIdentity {
  /** What a MAC key is derived for, with the two node ids after it. */
  private static final byte[] MAC_CONTEXT = "oversky dht mac v1:".getBytes(StandardCharsets.US_ASCII);

  private final KeyPair keyPair;
  private final URI baseUrl;
  private final Sender sender;
  private final KeyPair dhPair;
  /** MAC keys shared with peers, by the peer's X25519 public key (and its id: {@link #macKey}). */
  private final Map<Peer, SessionMac> macKeys = Ed25519.bounded(4096);

  private record Peer(ByteBuffer dhKey, NodeId id) {}

  /**
   * @param keyPair an Ed25519 key pair ({@code KeyPairGenerator.getInstance("Ed25519")})
   * @param baseUrl where this node takes requests (absolute http or https)
   */
  public NodeIdentity(KeyPair keyPair, URI baseUrl) {
    Objects.requireNonNull(keyPair, "keyPair");
    Objects.requireNonNull(keyPair.getPrivate(), "keyPair.getPrivate()");
    Sender.of(keyPair.getPublic(), baseUrl); // checks the key is Ed25519 and the URL
    this.keyPair = keyPair;
    this.baseUrl = baseUrl;
    try {
      this.dhPair = KeyPairGenerator.getInstance("X25519").generateKeyPair();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JDK has no X25519, which Java 11 and later all have", e);
    }
    byte[] dhPublic = rawX25519((XECPublicKey) dhPair.getPublic());
    DhKey dh = new DhKey(dhPublic, sign(DhKey.signedBytes(dhPublic)));
    dh.verified(keyPair.getPublic());
    this.sender = new Sender(NodeId.ofPublicKey(keyPair.getPublic()), keyPair.getPublic(), baseUrl, Optional.of(dh));
  }

  /** The 32 bytes of an X25519 public key as RFC 7748 writes it: u, little-endian. */
  static byte[] rawX25519(XECPublicKey key) {
    byte[] bigEndian = key.getU().toByteArray();
    byte[] out = new byte[DhKey.KEY_BYTES];
    for (int i = 0; i < out.length && i < bigEndian.length; i++) {
      out[i] = bigEndian[bigEndian.length - 1 - i];
    }
    return out;
  }

  /**
   * The MAC key this node shares with the node {@code peerId} whose X25519 key is {@code peer}
   * (which the caller has checked it signed): HMAC-SHA256, keyed with the X25519 agreement of this
   * node's private key and {@code peer}, of {@link #MAC_CONTEXT} and the two ids, the lower
   * first. The same on both sides; remembered for the 4,096 peers used last.
   *
   * @throws IllegalArgumentException when {@code peer} is not a key an agreement can be made with
   *     (a point of small order, which would make the shared secret known)
   */
  public byte[] macKey(DhKey peer, NodeId peerId) {
    return sessionMac(peer, peerId).key();
  }

  /** As {@link #macKey}, with a MAC ready to compute under it. */
  SessionMac sessionMac(DhKey peer, NodeId peerId) {
    Peer cacheKey = new Peer(peer.keyBuffer(), peerId);
    SessionMac known = macKeys.get(cacheKey);
    if (known != null) {
      return known;
    }
    byte[] shared;
    try {
      byte[] little = peer.publicKey();
      byte[] big = new byte[little.length];
      for (int i = 0; i < little.length; i++) {
        big[i] = little[little.length - 1 - i];
      }
      PublicKey peerKey = KeyFactory.getInstance("X25519").generatePublic(
          new XECPublicKeySpec(NamedParameterSpec.X25519, new BigInteger(1, big)));
      KeyAgreement agreement = KeyAgreement.getInstance("X25519");
      agreement.init(dhPair.getPrivate());
      agreement.doPhase(peerKey, true);
      shared = agreement.generateSecret();
    } catch (GeneralSecurityException | IllegalStateException e) {
      throw new IllegalArgumentException("no key can be agreed with this X25519 key: " + e.getMessage(), e);
    }
    if (Arrays.equals(shared, new byte[shared.length])) {
      throw new IllegalArgumentException("the X25519 key is of small order: the shared secret would be zero");
    }
    NodeId self = sender.id();
    NodeId low = self.compareTo(peerId) <= 0 ? self : peerId;
    NodeId high = low == self ? peerId : self;
    SessionMac made = new SessionMac(hmac(shared, MAC_CONTEXT, low.bytes(), high.bytes()));
    macKeys.put(cacheKey, made);
    return made;
  }

  /**
   * A MAC key shared with one peer and an HMAC-SHA256 already keyed with it, copied for each
   * message (looking an HMAC up and keying it cost more than the MAC of a short message).
   */
  static final class SessionMac {
    private final byte[] key;
    private final Mac keyed;

    SessionMac(byte[] key) {
      this.key = key;
      this.keyed = newMac(key);
    }

    byte[] key() {
      return key.clone();
    }

    /** HMAC-SHA256 of {@code data} under this key. */
    byte[] of(byte[] data) {
      Mac mac;
      try {
        mac = (Mac) keyed.clone(); // the prototype is never updated: each message gets its copy
      } catch (CloneNotSupportedException e) {
        mac = newMac(key); // a provider whose HMAC cannot be copied
      }
      return mac.doFinal(data);
    }
  }

  private static Mac newMac(byte[] key) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JDK has HmacSHA256", e);
    }
  }

  /** HMAC-SHA256 under {@code key} of the parts, one after the other. */
  static byte[] hmac(byte[] key, byte[]... parts) {
    Mac mac = newMac(key);
    for (byte[] part : parts) {
      mac.update(part);
    }
    return mac.doFinal();
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
