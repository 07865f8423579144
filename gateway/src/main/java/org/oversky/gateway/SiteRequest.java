package org.oversky.gateway;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.server.Request;

/**
 * A request that reached a node at {@code /site/HOST/PATH} (a routing redirect's target), seen as
 * the site request it stands for: Host {@code HOST}, path and query {@code PATH}. The proxy then
 * caches and fetches it exactly as if the client had asked the site's host.
 */
final class SiteRequest extends Request.Wrapper {
  private final HttpURI uri;
  private final HttpFields headers;

  SiteRequest(Request request, String host, String pathQuery) {
    super(request);
    this.uri = HttpURI.build(request.getHttpURI()).host(host).pathQuery(pathQuery).asImmutable();
    this.headers = HttpFields.build(request.getHeaders()).put(HttpHeader.HOST, host).asImmutable();
  }

  @Override
  public HttpURI getHttpURI() {
    return uri;
  }

  @Override
  public HttpFields getHeaders() {
    return headers;
  }
}
