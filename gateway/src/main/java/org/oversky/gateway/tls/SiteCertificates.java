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
import java.util.List;
import org.oversky.conf.ConfigException;
import org.oversky.conf.Settings;
import org.oversky.conf.TlsSettings;

/**
 * The sites' certificates as one key store, an entry per site named by its host, from which the
 * TLS listener picks by the name the client asks for (SNI). Certificates and keys are read from
 * PEM files: the certificate first, then its chain; the key unencrypted in PKCS #8 ({@code BEGIN
 * PRIVATE KEY}, as {@code openssl req -nodes} and {@code openssl pkcs8 -topk8 -nocrypt} write
 * it), RSA, EC or Ed25519.
 */
public final class SiteCertificates {
  /** The key store's password: it never leaves memory. */
  public static final char[] PASSWORD = "oversky".toCharArray();

  private SiteCertificates() {}

  /** One key store holding every site's certificate chain and key; a bad file names the flag and the file. */
  public static KeyStore load(List<TlsSettings.SiteCert> certs) {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      for (TlsSettings.SiteCert c : certs) {
        List<? extends Certificate> chain = chain(c);
        store.setKeyEntry(c.host(), key(c), PASSWORD, chain.toArray(Certificate[]::new));
      }
      return store;
    } catch (GeneralSecurityException | IOException e) {
      throw new ConfigException(Settings.TLS_SITE_CERTS.key(), "could not build the key store: " + e.getMessage());
    }
  }

  private static List<? extends Certificate> chain(TlsSettings.SiteCert c) {
    try (InputStream in = Files.newInputStream(c.cert())) {
      List<? extends Certificate> chain = List.copyOf(CertificateFactory.getInstance("X.509").generateCertificates(in));
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
    for (String algorithm : new String[] {"RSA", "EC", "Ed25519"}) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // not this algorithm: try the next one, and say so below if none takes it
      }
    }
    throw new ConfigException(Settings.TLS_SITE_CERTS.key(), c.key() + " (--site-cert " + c.host() + ") is not an RSA, EC or Ed25519 key");
  }
}
