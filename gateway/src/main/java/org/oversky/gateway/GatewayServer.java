package org.oversky.gateway;

import java.net.URI;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.oversky.conf.ConfigLoader;
import org.oversky.conf.HostPort;
import org.oversky.conf.NodeConfig;
import org.oversky.gateway.http.ExactFields;
import org.oversky.gateway.http.ProblemErrorHandler;
import org.oversky.gateway.http.RequestHeadTimeout;

/**
 * The standalone host of a {@link Gateway}: a Jetty server with a clear-text connector on the
 * configured address (HTTP/1.1, and h2c by prior knowledge or upgrade) and, with {@code
 * tls.listen}, a TLS connector (HTTP/1.1 and h2 chosen by ALPN, each site's certificate by SNI).
 * Starting it starts the whole node; closing it stops everything it started.
 */
public final class GatewayServer implements AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(GatewayServer.class);
  private final Server server;
  private final ServerConnector connector;
  private final Gateway gateway;

  private GatewayServer(Server server, ServerConnector connector, Gateway gateway) {
    this.server = server;
    this.connector = connector;
    this.gateway = gateway;
  }

  /** Opens the node's data, binds the listen address and starts serving. */
  public static GatewayServer start(NodeConfig nodeConfig) throws Exception {
    return start(nodeConfig, java.time.InstantSource.system());
  }

  /** As {@link #start(NodeConfig)}, with the cache reckoning time by {@code clock}. */
  public static GatewayServer start(NodeConfig nodeConfig, java.time.InstantSource clock) throws Exception {
    NodeConfig config = nodeConfig;
    QueuedThreadPool threads = new QueuedThreadPool(256, 8);
    threads.setName("oversky-http");
    Server server = new Server(threads);
    HttpConfiguration http = ExactFields.server(new HttpConfiguration());
    http.setSendServerVersion(false);
    http.setSendXPoweredBy(false);
    http.setRequestHeaderSize(16 * 1024);
    ServerConnector connector = new ServerConnector(server, 1, Runtime.getRuntime().availableProcessors(),
        new HttpConnectionFactory(http), new org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory(http));
    connector.setIdleTimeout(config.http().idleTimeout().toMillis());
    connector.addBean(new RequestHeadTimeout(config.http().requestHeadTimeout(), connector.getScheduler()));
    connector.setHost(config.listen().host());
    connector.setPort(config.listen().port());
    server.addConnector(connector);
    if (config.listen().port() == 0) {
      // Bind first so that a derived public URL names the port actually picked.
      connector.open();
      HostPort bound = new HostPort(config.listen().host(), connector.getLocalPort());
      URI derived = ConfigLoader.derivePublicUrl(config.listen());
      config = config.withListen(bound, config.publicUrl().equals(derived) ? ConfigLoader.derivePublicUrl(bound) : config.publicUrl());
    }
    server.setErrorHandler(new ProblemErrorHandler());
    if (config.requestLog()) {
      org.oversky.gateway.http.AccessLog log = new org.oversky.gateway.http.AccessLog(
          config.http().accessLogJson() ? org.oversky.gateway.http.AccessLog.Format.JSON : org.oversky.gateway.http.AccessLog.Format.COMBINED,
          config.http().accessLogFile());
      server.setRequestLog(log);
      server.addBean(log); // closed with the server
    }
    Gateway gateway = Gateway.builder(config).clock(clock).build();
    server.addBean(gateway);
    if (config.tls().on()) {
      server.addConnector(tlsConnector(server, http, config, gateway));
    }
    // Requests in flight at a stop finish first when the stop gives them time (close(grace)).
    server.setHandler(new org.eclipse.jetty.server.handler.GracefulHandler(gateway.handler()));
    server.setStopAtShutdown(false);
    try {
      server.start();
    } catch (Exception e) {
      server.stop();
      throw e;
    }
    return new GatewayServer(server, connector, gateway);
  }

  /**
   * The TLS connector: ALPN between h2 and HTTP/1.1 (the default for clients without ALPN), and
   * {@code acme-tls/1} for ACME TLS-ALPN-01 checks; a key store of every site's certificate,
   * reloaded when one comes over ACME.
   */
  private static ServerConnector tlsConnector(Server server, HttpConfiguration clear, NodeConfig config, Gateway gateway) {
    HttpConfiguration https = new HttpConfiguration(clear);
    https.addCustomizer(new org.eclipse.jetty.server.SecureRequestCustomizer());
    org.oversky.gateway.acme.ChallengeAnswers challenges = gateway.challenges();
    org.eclipse.jetty.util.ssl.SslContextFactory.Server ssl = new org.eclipse.jetty.util.ssl.SslContextFactory.Server() {
      @Override
      protected javax.net.ssl.KeyManager[] getKeyManagers(java.security.KeyStore keyStore) throws Exception {
        javax.net.ssl.KeyManager[] managers = super.getKeyManagers(keyStore);
        for (int i = 0; i < managers.length; i++) {
          if (managers[i] instanceof javax.net.ssl.X509ExtendedKeyManager m) {
            managers[i] = new org.oversky.gateway.tls.ChallengeKeyManager(m, org.oversky.gateway.acme.ChallengeAnswers.ACME_TLS_PROTOCOL,
                challenges::tlsAlpnHandshake, challenges::tlsAlpnCertificate);
          }
        }
        return managers;
      }
    };
    ssl.setKeyStore(gateway.certificates().keyStore());
    gateway.certificates().onChange(store -> {
      try {
        ssl.reload(f -> f.setKeyStore(store));
      } catch (Exception e) {
        gateway.failures().report(LOG, "tls-reload-failed", "the TLS listener could not take the new certificates; it serves the ones before", e);
      }
    });
    ssl.setKeyStorePassword(new String(org.oversky.gateway.tls.SiteCertificates.PASSWORD));
    ssl.setKeyManagerPassword(new String(org.oversky.gateway.tls.SiteCertificates.PASSWORD));
    ssl.setCipherComparator(org.eclipse.jetty.http2.HTTP2Cipher.COMPARATOR);
    org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory alpn = new org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory(
        "h2", "http/1.1", org.oversky.gateway.acme.ChallengeAnswers.ACME_TLS_PROTOCOL);
    alpn.setDefaultProtocol("http/1.1");
    ServerConnector tls = new ServerConnector(server, 1, Runtime.getRuntime().availableProcessors(),
        new org.eclipse.jetty.server.SslConnectionFactory(ssl, alpn.getProtocol()), alpn,
        new org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory(https), new HttpConnectionFactory(https),
        new org.oversky.gateway.tls.AcmeTlsConnectionFactory(org.oversky.gateway.acme.ChallengeAnswers.ACME_TLS_PROTOCOL));
    tls.setIdleTimeout(config.http().idleTimeout().toMillis());
    tls.addBean(new RequestHeadTimeout(config.http().requestHeadTimeout(), tls.getScheduler()));
    HostPort at = config.tls().listen().orElseThrow();
    tls.setHost(at.host());
    tls.setPort(at.port());
    return tls;
  }

  /** The port actually bound (useful with port 0). */
  public int port() {
    return connector.getLocalPort();
  }

  /** The TLS listener's port actually bound, or -1 without {@code tls.listen}. */
  public int tlsPort() {
    for (org.eclipse.jetty.server.Connector c : server.getConnectors()) {
      if (c != connector && c instanceof ServerConnector tls) {
        return tls.getLocalPort();
      }
    }
    return -1;
  }

  /** The base URL to reach this node on the loopback or listen address. */
  public URI localUrl() {
    return ConfigLoader.derivePublicUrl(new HostPort(gateway.config().listen().host(), port()));
  }

  /** The gateway this server hosts. */
  public Gateway gateway() {
    return gateway;
  }

  /** Blocks until the server stops. */
  public void join() throws InterruptedException {
    server.join();
  }

  @Override
  public void close() throws Exception {
    close(java.time.Duration.ZERO);
  }

  /**
   * Stops the node: it stops accepting connections, then waits up to {@code grace} for the
   * requests in flight to finish (a drained node then loses none), then stops.
   */
  public void close(java.time.Duration grace) throws Exception {
    server.setStopTimeout(grace.toMillis());
    server.stop();
  }
}
