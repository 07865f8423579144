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
 * @param acme automatic certificates over ACME; {@link Acme#OFF} without
 */
public record TlsSettings(Optional<HostPort> listen, List<SiteCert> certs, Acme acme) {
  /** No TLS listener. */
  public static final TlsSettings OFF = new TlsSettings(Optional.empty(), List.of(), Acme.OFF);

  /**
   * Certificates ordered over ACME (RFC 8555) for the sites that have none in {@link #certs}: one
   * order per site for the whole cluster, the challenge answered by any node.
   *
   * @param directory the ACME server's directory URL; empty: no automatic certificates
   * @param email the account's contact address; empty: none
   * @param hosts the names to order certificates for
   * @param caCert a PEM file of the certificate authority the ACME server's own HTTPS is checked
   *     against, besides the system's (a private or test ACME server); empty: the system's only
   * @param renewBefore how long before a certificate expires it is renewed
   * @param checkEvery how often a node checks its certificates and the cluster's
   * @param challenge how the authority checks that the cluster serves a name: {@link #HTTP_01} or {@link #TLS_ALPN_01}
   */
  public record Acme(Optional<java.net.URI> directory, String email, List<String> hosts, Optional<Path> caCert,
      java.time.Duration renewBefore, java.time.Duration checkEvery, String challenge) {
    /** A request to port 80 of the name (RFC 8555 §8.3). */
    public static final String HTTP_01 = "http-01";
    /** A TLS handshake with port 443 of the name, ALPN {@code acme-tls/1} (RFC 8737). */
    public static final String TLS_ALPN_01 = "tls-alpn-01";
    /** No automatic certificates. */
    public static final Acme OFF = new Acme(Optional.empty(), "", List.of(), Optional.empty(),
        java.time.Duration.ofDays(30), java.time.Duration.ofHours(1), HTTP_01);

    public Acme {
      Objects.requireNonNull(directory, "directory");
      Objects.requireNonNull(email, "email");
      hosts = List.copyOf(hosts);
      Objects.requireNonNull(caCert, "caCert");
      Objects.requireNonNull(renewBefore, "renewBefore");
      Objects.requireNonNull(checkEvery, "checkEvery");
      if (!challenge.equals(HTTP_01) && !challenge.equals(TLS_ALPN_01)) {
        throw new IllegalArgumentException("challenge is " + HTTP_01 + " or " + TLS_ALPN_01 + ", got " + challenge);
      }
    }

    /** Whether certificates are ordered. */
    public boolean on() {
      return directory.isPresent() && !hosts.isEmpty();
    }
  }

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
    Objects.requireNonNull(acme, "acme");
  }

  /** Whether the node listens for TLS. */
  public boolean on() {
    return listen.isPresent();
  }
}
