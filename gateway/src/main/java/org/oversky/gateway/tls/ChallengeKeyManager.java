package org.oversky.gateway.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.function.Function;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The TLS listener's key manager: the sites' certificates as the wrapped manager picks them (by
 * SNI), except in an ACME TLS-ALPN-01 check (RFC 8737), a handshake whose ALPN is {@code
 * acme-tls/1}, for a name with a check pending: then the validation certificate. The ALPN protocol
 * is chosen before the certificate, so the engine already knows it here.
 */
public final class ChallengeKeyManager extends X509ExtendedKeyManager {
  private static final String PREFIX = "acme-tls-alpn:";

  private final X509ExtendedKeyManager sites;
  private final String protocol;
  private final Function<String, Optional<SiteCertificates.Held>> handshake;
  private final Function<String, Optional<SiteCertificates.Held>> challenge;

  /**
   * @param protocol the ALPN protocol of a check ({@code acme-tls/1})
   * @param handshake the validation certificate pending for a name, if any, asked once a check's handshake
   * @param challenge the same, asked again for the chain and key of the alias chosen
   */
  public ChallengeKeyManager(X509ExtendedKeyManager sites, String protocol, Function<String, Optional<SiteCertificates.Held>> handshake,
      Function<String, Optional<SiteCertificates.Held>> challenge) {
    this.sites = sites;
    this.protocol = protocol;
    this.handshake = handshake;
    this.challenge = challenge;
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    if (engine != null && protocol.equals(engine.getHandshakeApplicationProtocol())) {
      Optional<String> host = sniHost(engine.getHandshakeSession());
      if (host.isPresent() && handshake.apply(host.get()).isPresent()) {
        return PREFIX + host.get();
      }
      return null; // a check for a name with nothing pending: no certificate, the handshake fails
    }
    return sites.chooseEngineServerAlias(keyType, issuers, engine);
  }

  private static Optional<String> sniHost(SSLSession session) {
    if (session instanceof ExtendedSSLSession extended) {
      for (SNIServerName name : extended.getRequestedServerNames()) {
        if (name instanceof SNIHostName host) {
          return Optional.of(host.getAsciiName().toLowerCase(java.util.Locale.ROOT));
        }
      }
    }
    return Optional.empty();
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    if (alias != null && alias.startsWith(PREFIX)) {
      return challenge.apply(alias.substring(PREFIX.length())).map(h -> h.chain().toArray(X509Certificate[]::new)).orElse(null);
    }
    return sites.getCertificateChain(alias);
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    if (alias != null && alias.startsWith(PREFIX)) {
      return challenge.apply(alias.substring(PREFIX.length())).map(SiteCertificates.Held::key).orElse(null);
    }
    return sites.getPrivateKey(alias);
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return sites.getClientAliases(keyType, issuers);
  }

  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    return sites.chooseClientAlias(keyType, issuers, socket);
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return sites.getServerAliases(keyType, issuers);
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return sites.chooseServerAlias(keyType, issuers, socket);
  }

  @Override
  public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
    return sites.chooseEngineClientAlias(keyType, issuers, engine);
  }
}
