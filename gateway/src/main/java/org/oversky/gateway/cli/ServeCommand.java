package org.oversky.gateway.cli;

import java.util.concurrent.Callable;
import org.oversky.conf.NodeConfig;
import org.oversky.gateway.GatewayServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code oversky serve}: runs a node until it is stopped. SIGINT or SIGTERM stop it cleanly: it
 * stops accepting connections, gives the requests in flight {@link #STOP_GRACE} to finish, and
 * exits 0 (1 when the stop failed), as a service manager expects of a clean stop, rather than
 * the JVM's 128 + the signal.
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
    // Once the node runs, the JVM shuts down only for a signal (or a System.exit elsewhere): the
    // hook stops the node and then ends the process with the stop's own status.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> Runtime.getRuntime().halt(stopQuietly(server) ? 0 : 1), "oversky-shutdown"));
    System.out.println("oversky node " + server.gateway().identity().nodeId());
    System.out.println("listening on " + server.localUrl() + " (public URL " + server.gateway().config().publicUrl() + ")");
    System.out.println("data in " + config.dataDir().toAbsolutePath());
    for (var site : config.sites()) {
      System.out.println("caching site " + site.host() + " from " + site.origin());
    }
    server.join();
    return 0;
  }

  /** Stops the node; false, with the error on stderr, when the stop failed. */
  static boolean stopQuietly(GatewayServer server) {
    try {
      server.close(STOP_GRACE);
      System.out.println("oversky: stopped");
      System.out.flush();
      return true;
    } catch (Exception e) {
      System.err.println("oversky: error while stopping: " + e);
      System.err.flush();
      return false;
    }
  }
}
