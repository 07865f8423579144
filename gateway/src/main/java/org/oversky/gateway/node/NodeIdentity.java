package org.oversky.gateway.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import org.apache.commons.codec.digest.DigestUtils;

/**
 * The node's identity: an Ed25519 key pair kept in the data directory, and the node id, the
 * SHA-256 of the raw public key as 64 hex digits (the same space as content keys).
 *
 * @param nodeId 64 lowercase hex digits
 * @param publicKey the Ed25519 public key
 * @param privateKey the Ed25519 private key
 */
public record NodeIdentity(String nodeId, PublicKey publicKey, PrivateKey privateKey) {
  static final String PRIVATE_FILE = "node.key";
  static final String PUBLIC_FILE = "node.pub";

  /** Whether {@code dataDir} holds an identity. */
  public static boolean exists(Path dataDir) {
    return Files.isRegularFile(dataDir.resolve(PRIVATE_FILE)) && Files.isRegularFile(dataDir.resolve(PUBLIC_FILE));
  }

  /** Creates a new identity and writes it to {@code dataDir} (the private key readable by its owner only). */
  public static NodeIdentity create(Path dataDir) throws IOException {
    try {
      KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
      writePem(dataDir.resolve(PRIVATE_FILE), "PRIVATE KEY", pair.getPrivate().getEncoded(), true);
      writePem(dataDir.resolve(PUBLIC_FILE), "PUBLIC KEY", pair.getPublic().getEncoded(), false);
      return of(pair.getPublic(), pair.getPrivate());
    } catch (GeneralSecurityException e) {
      throw new IOException("this JDK cannot make Ed25519 keys: " + e.getMessage(), e);
    }
  }

  /** Loads the identity in {@code dataDir}. */
  public static NodeIdentity load(Path dataDir) throws IOException {
    try {
      KeyFactory kf = KeyFactory.getInstance("Ed25519");
      PrivateKey priv = kf.generatePrivate(new PKCS8EncodedKeySpec(readPem(dataDir.resolve(PRIVATE_FILE))));
      PublicKey pub = kf.generatePublic(new X509EncodedKeySpec(readPem(dataDir.resolve(PUBLIC_FILE))));
      return of(pub, priv);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IOException(
          "the node identity in " + dataDir + " is damaged (" + e.getMessage() + "); move node.key and node.pub away"
              + " and run 'oversky init' to make a new one",
          e);
    }
  }

  private static NodeIdentity of(PublicKey pub, PrivateKey priv) {
    byte[] encoded = pub.getEncoded();
    // X.509 SubjectPublicKeyInfo for Ed25519: a 12-byte header, then the 32-byte raw key.
    byte[] raw = Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length);
    return new NodeIdentity(DigestUtils.sha256Hex(raw), pub, priv);
  }

  private static void writePem(Path file, String label, byte[] der, boolean secret) throws IOException {
    String pem =
        "-----BEGIN " + label + "-----\n"
            + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
            + "\n-----END " + label + "-----\n";
    Files.writeString(file, pem, StandardCharsets.US_ASCII);
    if (secret) {
      try {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException ignored) {
        // not a POSIX file system
      }
    }
  }

  private static byte[] readPem(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.US_ASCII);
    String body = text.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    return Base64.getDecoder().decode(body);
  }
}
