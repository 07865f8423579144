package org.oversky.gateway.proxy;

import java.net.URI;
import java.util.List;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpMethod;
import org.oversky.cache.ResponseIndex;

/**
 * RFC 9111 §4.4: a non-error answer to an unsafe method invalidates the URL, and its same-host
 * {@code Location} and {@code Content-Location}. Done when the origin's head arrives, before any
 * of the answer reaches the client, so that the client's next GET cannot be a hit.
 */
final class Invalidation {
  private Invalidation() {}

  /** Whether {@code method} is safe (RFC 9110 §9.2.1): it invalidates nothing. */
  static boolean isSafe(String method) {
    return HttpMethod.GET.is(method)
        || HttpMethod.HEAD.is(method)
        || HttpMethod.OPTIONS.is(method)
        || HttpMethod.TRACE.is(method);
  }

  /** Invalidates what an answer {@code status} with {@code fields} to an unsafe request for {@code url} changes. */
  static void afterUnsafe(ResponseIndex index, String url, String host, int status, HttpFields fields) {
    if (status < 200 || status >= 400) {
      return;
    }
    index.invalidate(url);
    for (String header : List.of("Location", "Content-Location")) {
      String value = fields.get(header);
      if (value == null) {
        continue;
      }
      try {
        URI target = URI.create(url).resolve(value.trim());
        if (target.getHost() != null && Sites.hostOnly(target.getHost()).equals(host)) {
          String key = CacheKeys.of(target);
          if (key != null) {
            index.invalidate(key);
          }
        }
      } catch (IllegalArgumentException notAUri) {
        // A Location that is not a URI names nothing stored.
      }
    }
  }
}
