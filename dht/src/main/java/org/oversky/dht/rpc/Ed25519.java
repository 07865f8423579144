package org.oversky.dht.rpc;

import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.X509EncodedKeySpec;
import java.util.HexFormat;

/** The JDK's Ed25519, with raw 32-byte public keys as messages carry them. */
final class Ed25519 {
  static final int KEY_BYTES = 32;
  static final int SIGNATURE_BYTES = 64;

  /** The DER header before the 32 raw key bytes in an Ed25519 key's X.509 form. */
  private static final byte[] X509_HEADER = HexFormat.of().parseHex("302a300506032b6570032100");

  private Ed25519() {}

  /** The public key whose raw form is {@code raw}; throws when it is not a valid Ed25519 key. */
  static PublicKey publicKey(byte[] raw) throws InvalidKeySpecException {
    if (raw.length != KEY_BYTES) {
      throw new InvalidKeySpecException("a raw Ed25519 public key has 32 bytes, got " + raw.length);
    }
    byte[] x509 = new byte[X509_HEADER.length + KEY_BYTES];
    System.arraycopy(X509_HEADER, 0, x509, 0, X509_HEADER.length);
    System.arraycopy(raw, 0, x509, X509_HEADER.length, KEY_BYTES);
    try {
      return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(x509));
    } catch (NoSuchAlgorithmException e) {
      throw missing(e);
    }
  }

  static byte[] sign(PrivateKey key, byte[] data) {
    try {
      Signature signature = Signature.getInstance("Ed25519");
      signature.initSign(key);
      signature.update(data);
      return signature.sign();
    } catch (NoSuchAlgorithmException e) {
      throw missing(e);
    } catch (InvalidKeyException e) {
      throw new IllegalArgumentException(
          "signing needs an Ed25519 private key (KeyPairGenerator.getInstance(\"Ed25519\")), got a "
              + key.getAlgorithm() + " key",
          e);
    } catch (SignatureException e) {
      throw new IllegalStateException("Ed25519 signing failed", e);
    }
  }

  /** Whether {@code signature} is {@code key}'s over exactly {@code data}; false for any bad input. */
  static boolean verify(PublicKey key, byte[] data, byte[] signature) {
    try {
      Signature verifier = Signature.getInstance("Ed25519");
      verifier.initVerify(key);
      verifier.update(data);
      return verifier.verify(signature);
    } catch (NoSuchAlgorithmException e) {
      throw missing(e);
    } catch (InvalidKeyException | SignatureException e) {
      return false;
    }
  }

  private static IllegalStateException missing(NoSuchAlgorithmException e) {
    return new IllegalStateException("this JDK has no Ed25519, which Java 15 and later all have", e);
  }
}
