package org.oversky.conf;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether and where the node terminates TLS, and with which certificates: one per site, chosen by
 * the name the client asks for (SNI).
 *
 * @param listen the address of the TLS listener (HTTP/1.1 and h2 by ALPN); empty: no TLS
 * @param certs each site's certificate chain and private key, PEM files
 */
public record TlsSettings(Optional<HostPort> listen, List<SiteCert> certs) {
  /** No TLS listener. */
  public static final TlsSettings OFF = new TlsSettings(Optional.empty(), List.of());

  /**
   * One site's certificate.
   *
   * @param host the site's host as the certificate names it (the SNI name it answers)
   * @param cert the PEM file of the certificate, then its chain
   * @param key the PEM file of the private key (PKCS #8)
   */
  public record SiteCert(String host, Path cert, Path key) {
    public SiteCert {
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(cert, "cert");
      Objects.requireNonNull(key, "key");
    }
  }

  public TlsSettings {
    Objects.requireNonNull(listen, "listen");
    certs = List.copyOf(certs);
  }

  /** Whether the node listens for TLS. */
  public boolean on() {
    return listen.isPresent();
  }
}
