package org.oversky.gateway.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.oversky.cache.BodyWriter;
import org.oversky.cache.ContentStore;
import org.oversky.cache.StoredBody;
import org.oversky.conf.ConfigLoader;
import org.oversky.conf.Settings;
import org.oversky.gateway.GatewayServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code oversky demo}: a local cluster of three nodes on loopback in front of a sample site, in
 * throw-away data directories, joined into one DHT and sharing a cluster secret, and the URLs to
 * try. What runs with nothing
 * configured.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = "Run a local cluster of nodes on 127.0.0.1 in front of a sample site.")
final class DemoCommand implements Callable<Integer> {
  /** The sample site's host name: any name under .localhost reaches 127.0.0.1. */
  static final String SITE = "site.localhost";

  @Option(
      names = "--port",
      description = "First node's port (default 8080, or free ports when taken; 0: free ports); the others follow it.")
  Integer port;

  @Option(names = "--nodes", description = "How many nodes (default 3).")
  int nodes = 3;

  @Override
  public Integer call() throws Exception {
    if (nodes < 1 || nodes > 20) {
      throw new CliException("--nodes is between 1 and 20, got " + nodes);
    }
    Path data = Files.createTempDirectory("oversky-demo-");
    SampleOrigin origin = SampleOrigin.start();
    List<GatewayServer> servers = new ArrayList<>();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  servers.forEach(ServeCommand::stopQuietly);
                  try {
                    origin.close();
                  } catch (Exception ignored) {
                    // exiting anyway
                  }
                  deleteQuietly(data);
                },
                "oversky-demo-shutdown"));
    byte[] seed = new byte[16];
    new java.security.SecureRandom().nextBytes(seed);
    String secret = java.util.HexFormat.of().formatHex(seed);
    if (port != null && (port < 0 || port > 65535 - nodes)) {
      throw new CliException("--port expects 0 (free ports) or a first port from 1 to " + (65535 - nodes) + ", got " + port);
    }
    int first = port != null ? port : 8080;
    // --port 0 asks for free ports for every node (it used to put nodes 2 and 3 on ports 1 and 2).
    boolean fixed = port != null ? port != 0 : allFree(first, nodes);
    for (int i = 0; i < nodes; i++) {
      Map<String, String> flags = new HashMap<>();
      flags.put(Settings.LISTEN.key(), "127.0.0.1:" + (fixed ? first + i : 0));
      flags.put(Settings.DATA.key(), data.resolve("node" + (i + 1)).toString());
      flags.put(Settings.REQUEST_LOG.key(), "false");
      flags.put(Settings.SITES.key(), SITE + "=" + origin.url());
      flags.put(Settings.ALLOW_PRIVATE_ORIGINS.key(), "true");
      flags.put(Settings.CLUSTER_SECRET.key(), secret); // one site cluster: misses are filled from peers
      if (i > 0) {
        flags.put(Settings.BOOTSTRAP.key(), servers.get(0).localUrl().toString());
      }
      try {
        servers.add(GatewayServer.start(ConfigLoader.load(flags, Map.of())));
      } catch (java.io.IOException e) {
        String where = "127.0.0.1:" + (fixed ? first + i : 0);
        throw new CliException("node " + (i + 1) + " could not listen on " + where + " (" + e.getMessage()
            + "): another program uses the port; give --port 0 for free ports, or --port N for ports N to N+" + (nodes - 1) + " that are free");
      }
    }
    awaitJoined(servers);
    StoredBody page = storeResource(servers.get(0).gateway().store(), "welcome.html", "text/html; charset=utf-8");
    String one = servers.get(0).localUrl().toString();
    String last = servers.get(servers.size() - 1).localUrl().toString();
    int sitePort = servers.get(0).localUrl().getPort();
    System.out.println();
    System.out.println("oversky demo: " + nodes + " nodes on loopback caching a sample site (origin " + origin.url() + ")");
    System.out.println();
    for (int i = 0; i < servers.size(); i++) {
      System.out.println("  node " + (i + 1) + "  " + servers.get(i).localUrl() + "/   status page");
    }
    System.out.println();
    System.out.println("  open http://" + SITE + ":" + sitePort + "/   the sample site through node 1 (reload: a hit)");
    System.out.println("       curl -i -H 'Host: " + SITE + "' " + one + "/   the same with curl");
    if (servers.size() > 1) {
      System.out.println("  open http://" + SITE + ":" + servers.get(1).localUrl().getPort()
          + "/   then through node 2: filled from node 1's copy (Cache-Status: fwd=peer)");
    }
    System.out.println("  open " + last + "/key/" + page.key());
    System.out.println("       a page stored on node 1, asked of node " + nodes + ": it redirects to a node that has it");
    System.out.println("  open " + last + "/api/v1/hosts   the DHT as node " + nodes + " sees it");
    System.out.println("  curl " + one + "/metrics");
    System.out.println();
    System.out.println("Press Ctrl-C to stop; the demo's data directories are removed on exit.");
    servers.get(0).join();
    return 0;
  }

  /** Waits (up to 10 s) until every node knows every other, so that the printed URLs work at once. */
  private static void awaitJoined(List<GatewayServer> servers) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (servers.stream().allMatch(s -> s.gateway().dht().node().table().size() >= servers.size() - 1)) {
        return;
      }
      Thread.sleep(50); // polling a table that fills in the background: nothing to wait on
    }
    System.err.println("oversky demo: the nodes are still joining; the DHT URLs may answer 404 for a few seconds");
  }

  private static boolean allFree(int first, int count) {
    for (int i = 0; i < count; i++) {
      if (!isFree(first + i)) {
        return false;
      }
    }
    return true;
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
