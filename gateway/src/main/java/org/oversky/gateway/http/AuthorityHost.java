package org.oversky.gateway.http;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Gives an HTTP/2 request the {@code Host} field its {@code :authority} stands for. HTTP/2
 * carries the host in that pseudo-header and clients send no {@code Host} (RFC 9113 section
 * 8.3.1); the node reads {@code Host} to choose the site, key the cache and address the origin,
 * so without this an h2 request matched no site.
 */
public final class AuthorityHost extends Handler.Wrapper {
  public AuthorityHost(Handler next) {
    super(next);
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    String authority = request.getHttpURI().getAuthority();
    if (request.getHeaders().get(HttpHeader.HOST) != null || authority == null || authority.isEmpty()) {
      return super.handle(request, response, callback);
    }
    HttpFields withHost = HttpFields.build(request.getHeaders()).put(HttpHeader.HOST, authority).asImmutable();
    return super.handle(new Request.Wrapper(request) {
      @Override
      public HttpFields getHeaders() {
        return withHost;
      }
    }, response, callback);
  }
}
