package org.oversky.examples.embedded;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.oversky.conf.ConfigLoader;
import org.oversky.conf.NodeConfig;
import org.oversky.gateway.Gateway;
import org.oversky.gateway.http.ExactFields;

/**
 * An application server that already exists — a page at {@code /} and a JSON endpoint at {@code
 * /api/hello} — and mounts oversky in a few lines so that one site's traffic is cached. Requests
 * for other hosts and paths reach the application exactly as before.
 */
public final class AppServer {
  private AppServer() {}

  /** The application's own routes; nothing here knows about oversky. */
  static final class App extends Handler.Abstract.NonBlocking {
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      String path = Request.getPathInContext(request);
      String type;
      String body;
      switch (path) {
        case "/" -> {
          type = "text/html; charset=utf-8";
          body = "<h1>The application's own page</h1>";
        }
        case "/api/hello" -> {
          type = "application/json";
          body = "{\"hello\":\"from the application\"}";
        }
        default -> {
          return false; // the server answers 404
        }
      }
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
      response.write(true, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
      return true;
    }
  }

  /**
   * Starts the application on {@code port} (0: any free one) with oversky caching {@code
   * siteHost} from {@code origin}, its own paths under {@code /cdn}, its data in {@code data}.
   */
  public static Server start(int port, String siteHost, String origin, Path data) throws Exception {
    Server server = new Server();
    // One selector per core: the gateway answers hits on the selector thread that parsed them.
    // Header values pass exactly as sent (Jetty's field cache ignores case by default).
    HttpConfiguration http = ExactFields.server(new HttpConfiguration());
    ServerConnector connector =
        new ServerConnector(server, 1, Runtime.getRuntime().availableProcessors(), new HttpConnectionFactory(http));
    connector.setHost("127.0.0.1");
    connector.setPort(port);
    server.addConnector(connector);

    // --- mounting oversky: a config, a gateway, one handler in front of the application ---
    NodeConfig config =
        ConfigLoader.load(
            Map.of("data", data.toString(), "sites", siteHost + "=" + origin, "request-log", "false"), Map.of());
    Gateway oversky = Gateway.builder(config).embedded(true).mount("/cdn").build();
    server.addBean(oversky); // starts and stops with the server
    server.setHandler(new Handler.Sequence(oversky.handler(), new App()));
    // ---

    server.start();
    return server;
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: AppServer PORT SITE_HOST=ORIGIN_URL DATA_DIR");
      System.exit(2);
    }
    String[] site = args[1].split("=", 2);
    Server server = start(Integer.parseInt(args[0]), site[0], site[1], Path.of(args[2]));
    System.out.println("application on " + server.getURI() + ", caching " + site[0] + " from " + site[1]);
    server.join();
  }
}
