package org.oversky.gateway.http;

import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.server.HttpConfiguration;

/**
 * Jetty set up so that every byte of every header field passes exactly as sent.
 *
 * <p>Jetty's HTTP/1 parsers keep a cache of recently seen fields and, by default, match it
 * ignoring case: on a reused connection a value that differs from an earlier one only in case
 * ({@code Authorization: Bearer ABCdef} after {@code Bearer abcDEF}) arrives with the earlier
 * spelling. A proxy must not do that, so both the server side (clients to the node) and the
 * client side (origins and peers to the node) match the cache case-sensitively. The client also
 * adds no {@code Content-Type} of its own to a request body that came without one.
 */
public final class ExactFields {
  private ExactFields() {}

  /** A server configuration whose parser keeps field values as sent. */
  public static HttpConfiguration server(HttpConfiguration http) {
    http.setHeaderCacheCaseSensitive(true);
    return http;
  }

  /** An HTTP/1.1 client whose parser keeps field values as sent and adds no default Content-Type. */
  public static HttpClient client() {
    HttpClientTransportOverHTTP transport = new HttpClientTransportOverHTTP();
    transport.setHeaderCacheCaseSensitive(true);
    HttpClient client = new HttpClient(transport);
    client.setDefaultRequestContentType(null);
    return client;
  }
}
