package org.oversky.gateway.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.nio.file.Path;
import org.oversky.conf.ConfigException;
import org.oversky.conf.Settings;
import org.oversky.conf.TlsSettings;

/**
 * The sites' certificates, an entry per site named by its host, from which the TLS listener picks
 * by the name the client asks for (SNI): those the configuration names ({@code tls.site-certs}),
 * then those ordered over ACME as they come ({@link #put}). Each change hands a new key store to
 * the {@link #onChange} listener (the TLS listener reloads it); {@link #put} has one caller, the
 * node's ACME manager.
 *
 * <p>Certificates and keys are read from PEM files: the certificate first, then its chain; the key
 * unencrypted in PKCS #8 ({@code BEGIN PRIVATE KEY}, as {@code openssl req -nodes} and {@code
 * openssl pkcs8 -topk8 -nocrypt} write it), RSA, EC or Ed25519.
 */
public final class SiteCertificates {
  /** The key store's password: it never leaves memory. */
  public static final char[] PASSWORD = "oversky".toCharArray();

  /** One site's certificate chain (its own first) and private key. */
  public record Held(String host, List<X509Certificate> chain, PrivateKey key) {
    public Held {
      chain = List.copyOf(chain);
      if (chain.isEmpty()) {
        throw new IllegalArgumentException("a certificate chain has at least the certificate");
      }
    }

    /** When the site's own certificate expires. */
    public Instant notAfter() {
      return chain.get(0).getNotAfter().toInstant();
    }
  }

  private final Map<String, Held> held = new ConcurrentHashMap<>();
  private volatile Consumer<KeyStore> onChange = store -> {};

  /** The configured certificates; a bad file names the flag and the file. */
  public SiteCertificates(List<TlsSettings.SiteCert> configured) {
    for (TlsSettings.SiteCert c : configured) {
      held.put(c.host(), new Held(c.host(), chain(c), key(c)));
    }
  }

  /** The certificate held for {@code host}, if any. */
  public Optional<Held> get(String host) {
    return Optional.ofNullable(held.get(host));
  }

  /** Holds {@code h} for its host from now on, in place of any before, and hands the new key store to the listener. */
  public void put(Held h) {
    held.put(h.host(), h);
    onChange.accept(keyStore());
  }

  /** Who takes the key store after each change (the TLS listener). */
  public void onChange(Consumer<KeyStore> listener) {
    this.onChange = listener;
  }

  /**
   * One key store of every certificate held. With none yet (every site waits for its ACME order),
   * it holds a self-signed certificate named {@code oversky}, so that the listener can start; no
   * client trusts it.
   */
  public KeyStore keyStore() {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      for (Held h : held.values()) {
        store.setKeyEntry(h.host(), h.key(), PASSWORD, h.chain().toArray(Certificate[]::new));
      }
      if (held.isEmpty()) {
        java.security.KeyPair pair = org.oversky.gateway.crypto.EcKeys.p256();
        X509Certificate placeholder = SelfSigned.certificate(pair, "oversky", java.time.Duration.ofDays(3650), Optional.empty());
        store.setKeyEntry("oversky-placeholder", pair.getPrivate(), PASSWORD, new Certificate[] {placeholder});
      }
      return store;
    } catch (GeneralSecurityException | IOException e) {
      throw new ConfigException(Settings.TLS_SITE_CERTS.key(), "could not build the key store: " + e.getMessage());
    }
  }

  /** Reads a PEM certificate chain and PKCS #8 key, as {@link #pem} writes them. */
  public static Held read(String host, Path cert, Path key) {
    TlsSettings.SiteCert c = new TlsSettings.SiteCert(host, cert, key);
    return new Held(host, chain(c), key(c));
  }

  /** {@code h}'s chain and key as PEM text: the chain (own certificate first), and the PKCS #8 key. */
  public static String[] pem(Held h) {
    StringBuilder chain = new StringBuilder();
    try {
      for (X509Certificate c : h.chain()) {
        chain.append(pemBlock("CERTIFICATE", c.getEncoded()));
      }
    } catch (java.security.cert.CertificateEncodingException e) {
      throw new IllegalStateException("a parsed certificate encodes", e);
    }
    return new String[] {chain.toString(), pemBlock("PRIVATE KEY", h.key().getEncoded())};
  }

  private static String pemBlock(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  private static List<X509Certificate> chain(TlsSettings.SiteCert c) {
    try (InputStream in = Files.newInputStream(c.cert())) {
      List<X509Certificate> chain = new java.util.ArrayList<>();
      for (Certificate one : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        chain.add((X509Certificate) one);
      }
      if (chain.isEmpty()) {
        throw new ConfigException(Settings.TLS_SITE_CERTS.key(), c.cert() + " (--site-cert " + c.host() + ") holds no PEM certificate");
      }
      return chain;
    } catch (IOException | GeneralSecurityException e) {
      throw new ConfigException(Settings.TLS_SITE_CERTS.key(),
          c.cert() + " (--site-cert " + c.host() + ") is not a PEM certificate: " + e.getMessage());
    }
  }

  private static PrivateKey key(TlsSettings.SiteCert c) {
    String pem;
    try {
      pem = Files.readString(c.key(), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new ConfigException(Settings.TLS_SITE_CERTS.key(), "cannot read " + c.key() + " (--site-cert " + c.host() + "): " + e.getMessage());
    }
    String begin = "-----BEGIN PRIVATE KEY-----";
    int from = pem.indexOf(begin);
    int to = pem.indexOf("-----END PRIVATE KEY-----");
    if (from < 0 || to < from) {
      String hint = pem.contains("BEGIN RSA PRIVATE KEY") || pem.contains("BEGIN EC PRIVATE KEY") || pem.contains("ENCRYPTED")
          ? "; convert it with: openssl pkcs8 -topk8 -nocrypt -in " + c.key() + " -out key.pem" : "";
      throw new ConfigException(Settings.TLS_SITE_CERTS.key(),
          c.key() + " (--site-cert " + c.host() + ") is not an unencrypted PKCS #8 PEM key (BEGIN PRIVATE KEY)" + hint);
    }
    byte[] der = Base64.getMimeDecoder().decode(pem.substring(from + begin.length(), to));
    return privateKey(der).orElseThrow(() ->
        new ConfigException(Settings.TLS_SITE_CERTS.key(), c.key() + " (--site-cert " + c.host() + ") is not an RSA, EC or Ed25519 key"));
  }

  /** The RSA, EC or Ed25519 private key a PKCS #8 encoding holds; empty when it is none of them. */
  public static Optional<PrivateKey> privateKey(byte[] pkcs8) {
    for (String algorithm : new String[] {"RSA", "EC", "Ed25519"}) {
      try {
        return Optional.of(KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8)));
      } catch (GeneralSecurityException e) {
        // not this algorithm: try the next one; empty if none takes it
      }
    }
    return Optional.empty();
  }
}
