package org.oversky.gateway.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * The demo's origin: a small web server on a free loopback port that serves the sample site from
 * the jar, with {@code Cache-Control: public, max-age=300} so that nodes cache it.
 */
final class SampleOrigin implements AutoCloseable {
  private static final String ROOT = "/org/oversky/gateway/demo/site";
  private static final Map<String, String> TYPES =
      Map.of(
          "html", "text/html; charset=utf-8",
          "css", "text/css; charset=utf-8",
          "txt", "text/plain; charset=utf-8");

  private final Server server;

  private SampleOrigin(Server server) {
    this.server = server;
  }

  static SampleOrigin start() throws Exception {
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server, 1, 1);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    server.setHandler(new Handler.Abstract.NonBlocking() {
      @Override
      public boolean handle(Request request, Response response, Callback callback) throws IOException {
        String path = Request.getPathInContext(request);
        String name = path.equals("/") ? "index.html" : path.substring(1);
        byte[] body = name.matches("[a-z]+\\.[a-z]+") ? read(name) : null;
        if (body == null) {
          Response.writeError(request, response, callback, 404);
          return true;
        }
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, TYPES.getOrDefault(name.substring(name.indexOf('.') + 1), "application/octet-stream"));
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "public, max-age=300");
        response.write(true, ByteBuffer.wrap(body), callback);
        return true;
      }
    });
    server.start();
    return new SampleOrigin(server);
  }

  private static byte[] read(String name) throws IOException {
    try (InputStream in = SampleOrigin.class.getResourceAsStream(ROOT + "/" + name)) {
      return in == null ? null : in.readAllBytes();
    }
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort());
  }

  @Override
  public void close() throws Exception {
    server.stop();
  }
}
