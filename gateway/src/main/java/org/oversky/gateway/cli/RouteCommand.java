package org.oversky.gateway.cli;

import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code oversky route explain}: where a node would send a client, and why. */
@Command(name = "route", mixinStandardHelpOptions = true, description = "Ask a node about request routing.", subcommands = RouteCommand.Explain.class)
final class RouteCommand implements Runnable {
  @Override
  public void run() {
    throw new CliException("say what to ask: oversky route explain --client IP (--host H --path P | --key SHA256)", 2);
  }

  /** {@code oversky route explain}: prints {@code /api/v1/routing/explain} for a client and a key or URL. */
  @Command(name = "explain", mixinStandardHelpOptions = true, description = "Print the routing decision for a client and a site URL or content key, with its reasons.")
  static final class Explain implements Callable<Integer> {
    @Option(names = "--node", paramLabel = "URL", description = "The node to ask (default $OVERSKY_NODE or " + NodeClient.DEFAULT_NODE + ").")
    String node;

    @Option(names = "--client", paramLabel = "IP", description = "The client's address (default: this machine's, as the node sees it).")
    String client;

    @Option(names = "--host", paramLabel = "HOST", description = "The site host of the request.")
    String host;

    @Option(names = "--path", paramLabel = "PATH", description = "The path of the request (default /).")
    String path;

    @Option(names = "--key", paramLabel = "SHA256", description = "A content key instead of a site URL.")
    String key;

    @Option(names = "--count", paramLabel = "N", description = "How many nodes to choose, 1 to 4 (default 2).")
    Integer count;

    @Override
    public Integer call() throws Exception {
      if ((key == null) == (host == null)) {
        throw new CliException("give either --key SHA256 or --host HOST [--path PATH]", 2);
      }
      StringBuilder q = new StringBuilder();
      add(q, "client", client);
      add(q, "key", key);
      add(q, "host", host);
      add(q, "path", path);
      add(q, "count", count == null ? null : count.toString());
      NodeClient nodeClient = new NodeClient(node);
      HttpRequest request =
          HttpRequest.newBuilder(nodeClient.resolve("/api/v1/routing/explain?" + q)).timeout(Duration.ofSeconds(30)).GET().build();
      HttpResponse<byte[]> response = nodeClient.send(request, HttpResponse.BodyHandlers.ofByteArray());
      if (response.statusCode() != 200) {
        throw new CliException("the node refused: " + NodeClient.describeError(response.statusCode(), response.body()));
      }
      System.out.println(new String(response.body(), StandardCharsets.UTF_8));
      return 0;
    }

    private static void add(StringBuilder q, String name, String value) {
      if (value != null) {
        q.append(q.isEmpty() ? "" : "&").append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
      }
    }
  }
}
