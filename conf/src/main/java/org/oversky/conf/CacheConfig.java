package org.oversky.conf;

import java.time.Duration;

/**
 * How the node caches site responses (RFC 9111).
 *
 * @param heuristicPercent freshness of a response with only {@code Last-Modified}: this percent of
 *     the time since it was modified
 * @param heuristicMax the cap on that heuristic freshness
 * @param staleIfError how long past freshness a stored response may be served when the origin
 *     fails, even without a {@code stale-if-error} directive (zero: only by directive)
 * @param staleOnDisconnect how long past freshness a stored response may be served when the origin
 *     cannot be reached (refused, reset, timed out), unless the response forbids stale
 * @param rangeFillMax a range request on a miss fetches the whole object when it is at most this
 *     large; larger ones pass the range through
 */
public record CacheConfig(int heuristicPercent, Duration heuristicMax, Duration staleIfError, Duration staleOnDisconnect, long rangeFillMax) {
  public CacheConfig {
    if (heuristicPercent < 0 || heuristicPercent > 100 || heuristicMax.isNegative() || staleIfError.isNegative() || staleOnDisconnect.isNegative()) {
      throw new IllegalArgumentException("cache settings out of range");
    }
  }
}
