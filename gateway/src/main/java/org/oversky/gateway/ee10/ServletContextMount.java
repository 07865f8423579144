package org.oversky.gateway.ee10;

import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.oversky.gateway.Gateway;

/**
 * Mounts the gateway into a host built on an ee10 {@link ServletContextHandler}: the same
 * gateway handler runs in the context's handler chain, in front of its servlets and filters.
 *
 * <p>Why not a {@code ProxyServlet} subclass, as the product was first sketched: a servlet would
 * need a proxy of its own (the servlet proxy family has its own request and response path), and
 * this node keeps one proxy implementation. In Jetty 12 a servlet context runs core handlers
 * before its servlets, so the gateway's core handler needs no servlet layer at all; requests it
 * does not take (other hosts, other paths) continue to the context's servlets unchanged.
 */
public final class ServletContextMount {
  private ServletContextMount() {}

  /**
   * Puts {@code gateway} (built {@linkplain Gateway.Builder#embedded embedded}) in front of the
   * context's servlets; it starts and stops with the context.
   */
  public static void mount(ServletContextHandler context, Gateway gateway) {
    context.addBean(gateway);
    Handler front = gateway.handler();
    context.insertHandler(
        new Handler.Wrapper() {
          @Override
          public boolean handle(Request request, Response response, Callback callback) throws Exception {
            return front.handle(request, response, callback) || super.handle(request, response, callback);
          }
        });
  }
}
