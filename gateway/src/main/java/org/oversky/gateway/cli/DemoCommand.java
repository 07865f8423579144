package org.oversky.gateway.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.oversky.cache.BodyWriter;
import org.oversky.cache.ContentStore;
import org.oversky.cache.StoredBody;
import org.oversky.conf.ConfigLoader;
import org.oversky.conf.NodeConfig;
import org.oversky.conf.Settings;
import org.oversky.gateway.GatewayServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code oversky demo}: a node on loopback with sample bodies, in a throw-away data directory,
 * and the URLs to open. What runs with nothing configured.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, description = "Run a demo node with sample content on 127.0.0.1.")
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--port", description = "Port to listen on (default 8080, or a free one when 8080 is taken).")
  Integer port;

  @Override
  public Integer call() throws Exception {
    int chosen = port != null ? port : (isFree(8080) ? 8080 : 0);
    Path data = Files.createTempDirectory("oversky-demo-");
    NodeConfig config =
        ConfigLoader.load(
            Map.of(
                Settings.LISTEN.key(), "127.0.0.1:" + chosen,
                Settings.DATA.key(), data.toString(),
                Settings.REQUEST_LOG.key(), "false"),
            Map.of());
    GatewayServer server = GatewayServer.start(config);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  ServeCommand.stopQuietly(server);
                  deleteQuietly(data);
                },
                "oversky-demo-shutdown"));
    ContentStore store = server.gateway().store();
    StoredBody page = storeResource(store, "welcome.html", "text/html; charset=utf-8");
    StoredBody text = storeResource(store, "hello.txt", "text/plain; charset=utf-8");
    String base = server.localUrl().toString();
    System.out.println();
    System.out.println("oversky demo node running at " + base);
    System.out.println();
    System.out.println("  open " + base + "/key/" + page.key() + "   a page served by its SHA-256");
    System.out.println("  open " + base + "/                  the node's status page");
    System.out.println("  curl -r 0-4 " + base + "/key/" + text.key());
    System.out.println("  curl " + base + "/metrics");
    System.out.println();
    System.out.println("Press Ctrl-C to stop; the demo's data directory is removed on exit.");
    server.join();
    return 0;
  }

  private static StoredBody storeResource(ContentStore store, String name, String type) throws IOException {
    try (InputStream in = DemoCommand.class.getResourceAsStream("/org/oversky/gateway/demo/" + name);
        BodyWriter writer = store.newWriter(type, 1 << 20)) {
      if (in == null) {
        throw new IOException("the demo resource " + name + " is missing from this build");
      }
      in.transferTo(writer);
      return writer.commit(Optional.empty());
    }
  }

  private static boolean isFree(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress("127.0.0.1", port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static void deleteQuietly(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temp directory; the OS cleans it eventually
    }
  }
}
