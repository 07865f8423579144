package org.oversky.gateway.tls;

import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.AbstractConnectionFactory;
import org.eclipse.jetty.server.Connector;

/**
 * The ALPN protocol {@code acme-tls/1} (RFC 8737): a TLS-ALPN-01 check ends with the handshake,
 * so the connection is closed as soon as it opens.
 */
public final class AcmeTlsConnectionFactory extends AbstractConnectionFactory {
  /** @param protocol the ALPN protocol, {@code acme-tls/1} */
  public AcmeTlsConnectionFactory(String protocol) {
    super(protocol);
  }

  @Override
  public Connection newConnection(Connector connector, EndPoint endPoint) {
    return configure(new AbstractConnection(endPoint, connector.getExecutor()) {
      @Override
      public void onOpen() {
        super.onOpen();
        getEndPoint().close();
      }

      @Override
      public void onFillable() {
        getEndPoint().close();
      }
    }, connector, endPoint);
  }
}
