package org.oversky.gateway.proxy;

import java.net.URI;
import java.util.Locale;
import org.eclipse.jetty.server.Request;

/**
 * The URL under which a site response is stored: scheme, host (lower case, no port) and the
 * path and query exactly as sent. The same form for requests and for URLs given to the purge
 * API, so both name the same entry.
 */
final class CacheKeys {
  private CacheKeys() {}

  static String of(Request request) {
    String scheme = request.getHttpURI().getScheme();
    if (scheme == null) {
      scheme = request.isSecure() ? "https" : "http";
    }
    String pathQuery = request.getHttpURI().getPathQuery();
    return of(scheme, Sites.hostOnly(request.getHeaders().get(org.eclipse.jetty.http.HttpHeader.HOST)), pathQuery);
  }

  static String of(String scheme, String host, String pathQuery) {
    String h = host.contains(":") ? "[" + host + "]" : host;
    String pq = pathQuery == null || pathQuery.isEmpty() ? "/" : pathQuery;
    return scheme.toLowerCase(Locale.ROOT) + "://" + h + pq;
  }

  /** The key of an absolute URL, or null when it is not an absolute http(s) URL. */
  static String of(URI url) {
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || url.getHost() == null) {
      return null;
    }
    String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
    String pq = url.getRawQuery() == null ? path : path + "?" + url.getRawQuery();
    return of(url.getScheme(), Sites.hostOnly(url.getHost()), pq);
  }
}
