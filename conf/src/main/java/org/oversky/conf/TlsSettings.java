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
   */
  public record Acme(Optional<java.net.URI> directory, String email, List<String> hosts, Optional<Path> caCert,
      java.time.Duration renewBefore, java.time.Duration checkEvery) {
    /** No automatic certificates. */
    public static final Acme OFF = new Acme(Optional.empty(), "", List.of(), Optional.empty(),
        java.time.Duration.ofDays(30), java.time.Duration.ofHours(1));

    public Acme {
      Objects.requireNonNull(directory, "directory");
      Objects.requireNonNull(email, "email");
      hosts = List.copyOf(hosts);
      Objects.requireNonNull(caCert, "caCert");
      Objects.requireNonNull(renewBefore, "renewBefore");
      Objects.requireNonNull(checkEvery, "checkEvery");
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
