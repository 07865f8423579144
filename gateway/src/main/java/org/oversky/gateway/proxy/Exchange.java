package org.oversky.gateway.proxy;

import org.oversky.cache.StoredResponse;
import org.oversky.conf.SiteConfig;

/**
 * What one site request carries from the cache lookup into the proxy: its site and cache key,
 * whether it is a cache fill, the stored response being validated (if any) and the shared fetch
 * it leads (if any).
 *
 * @param site the site
 * @param url the cache key
 * @param request the request's cache directives
 * @param forward why the request went to the origin, for {@code Cache-Status} (RFC 9211 {@code
 *     fwd}): {@code uri-miss} for a fill, {@code method} for an unsafe method or HEAD, {@code
 *     bypass} for a request the cache must not answer (one with a body)
 * @param validating the stale stored response the origin is asked to validate, or null
 * @param lifetime the freshness lifetime of {@code validating}, s
 * @param age the age of {@code validating} when the request arrived, s
 * @param inFlight the shared fetch this request leads, or null
 * @param requestTime when the request to the origin was made, epoch ms
 * @param origin the origins this request may ask, and the one it asks now
 */
record Exchange(
    SiteConfig site,
    String url,
    CacheControl request,
    String forward,
    StoredResponse validating,
    long lifetime,
    long age,
    InFlight inFlight,
    long requestTime,
    OriginAttempt origin) {
  static final String ATTRIBUTE = Exchange.class.getName();
  static final String FILL = "uri-miss";

  /** Whether the response may be stored: a GET that went to the origin to fill (or validate) the cache. */
  boolean fill() {
    return FILL.equals(forward);
  }
}
