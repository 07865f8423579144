package org.oversky.gateway.cli;

import java.util.concurrent.Callable;
import org.oversky.conf.NodeConfig;
import org.oversky.gateway.GatewayServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code oversky serve}: runs a node until it is stopped. SIGINT or SIGTERM stop it cleanly: it
 * stops accepting connections and gives the requests in flight {@link #STOP_GRACE} to finish.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Run a node.")
final class ServeCommand implements Callable<Integer> {
  /** How long a stopping node lets the requests in flight finish. */
  static final java.time.Duration STOP_GRACE = java.time.Duration.ofSeconds(10);

  @Mixin NodeOptions options;

  @Override
  public Integer call() throws Exception {
    NodeConfig config = options.load();
    GatewayServer server;
    try {
      server = GatewayServer.start(config);
    } catch (java.io.IOException e) {
      throw new CliException("could not start the node: " + e.getMessage());
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> stopQuietly(server), "oversky-shutdown"));
    System.out.println("oversky node " + server.gateway().identity().nodeId());
    System.out.println("listening on " + server.localUrl() + " (public URL " + server.gateway().config().publicUrl() + ")");
    System.out.println("data in " + config.dataDir().toAbsolutePath());
    for (var site : config.sites()) {
      System.out.println("caching site " + site.host() + " from " + site.origin());
    }
    server.join();
    return 0;
  }

  static void stopQuietly(GatewayServer server) {
    try {
      server.close(STOP_GRACE);
    } catch (Exception e) {
      System.err.println("oversky: error while stopping: " + e);
    }
  }
}
