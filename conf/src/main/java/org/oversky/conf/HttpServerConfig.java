package org.oversky.conf;

import java.time.Duration;

/**
 * How the node's HTTP server treats slow or silent clients.
 *
 * @param requestHeadTimeout a request head (request line and fields) must be complete this long
 *     after its first byte, or the connection is closed
 * @param idleTimeout the longest silence on a connection: between requests, and while a request
 *     body or a response is in transit
 */
public record HttpServerConfig(Duration requestHeadTimeout, Duration idleTimeout) {
  public HttpServerConfig {
    if (requestHeadTimeout == null || idleTimeout == null || !requestHeadTimeout.isPositive() || !idleTimeout.isPositive()) {
      throw new IllegalArgumentException("server timeouts must be positive");
    }
  }
}
