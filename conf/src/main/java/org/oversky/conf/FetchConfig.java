package org.oversky.conf;

import java.time.Duration;

/**
 * The outbound policy for fetching origins.
 *
 * @param allowPrivateOrigins whether loopback, link-local and private addresses may be fetched
 * @param connectTimeout time to open a connection
 * @param readTimeout longest silence while reading a response
 * @param maxBodyBytes largest body fetched; larger ones are refused
 * @param maxRedirects redirects followed before giving up
 */
public record FetchConfig(
    boolean allowPrivateOrigins,
    Duration connectTimeout,
    Duration readTimeout,
    long maxBodyBytes,
    int maxRedirects) {
  public FetchConfig {
    if (connectTimeout.isNegative() || connectTimeout.isZero() || readTimeout.isNegative() || readTimeout.isZero()) {
      throw new IllegalArgumentException("timeouts must be positive");
    }
    if (maxBodyBytes <= 0 || maxRedirects < 0) {
      throw new IllegalArgumentException("fetch limits must be positive");
    }
  }
}
