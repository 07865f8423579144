package org.oversky.conf;

import java.time.Duration;

/**
 * How the node's HTTP server treats slow or silent clients, and how it logs requests.
 *
 * @param requestHeadTimeout a request head (request line and fields) must be complete this long
 *     after its first byte, or the connection is closed
 * @param idleTimeout the longest silence on a connection: between requests, and while a request
 *     body or a response is in transit
 * @param accessLogJson whether access log lines are JSON objects rather than the combined format
 * @param accessLogFile the file access log lines are appended to; empty: the logger {@code oversky.access}
 */
public record HttpServerConfig(Duration requestHeadTimeout, Duration idleTimeout, boolean accessLogJson, java.util.Optional<java.nio.file.Path> accessLogFile) {
  /** Timeouts, and the access log in the combined format to the logger. */
  public HttpServerConfig(Duration requestHeadTimeout, Duration idleTimeout) {
    this(requestHeadTimeout, idleTimeout, false, java.util.Optional.empty());
  }

  public HttpServerConfig {
    java.util.Objects.requireNonNull(accessLogFile, "accessLogFile");
    if (requestHeadTimeout == null || idleTimeout == null || !requestHeadTimeout.isPositive() || !idleTimeout.isPositive()) {
      throw new IllegalArgumentException("server timeouts must be positive");
    }
  }
}
