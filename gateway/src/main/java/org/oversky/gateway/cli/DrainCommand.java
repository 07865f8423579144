package org.oversky.gateway.cli;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code oversky drain}: takes a node out of new routing while it goes on serving (or back in with --undo). */
@Command(
    name = "drain",
    mixinStandardHelpOptions = true,
    description = "Take a node out of new routing while it goes on serving (before a planned restart).")
final class DrainCommand implements Callable<Integer> {
  @Option(names = "--node", paramLabel = "URL", description = "The node (default $OVERSKY_NODE or " + NodeClient.DEFAULT_NODE + ").")
  String node;

  @Option(names = "--admin-token", paramLabel = "TOKEN", description = "The node's admin token (default $OVERSKY_ADMIN_TOKEN).")
  String adminToken;

  @Option(names = "--undo", description = "Put the node back into routing.")
  boolean undo;

  @Override
  public Integer call() throws Exception {
    String token = NodeClient.adminToken(adminToken, "drain");
    NodeClient client = new NodeClient(node);
    HttpRequest request =
        HttpRequest.newBuilder(client.resolve("/api/v1/drain"))
            .timeout(Duration.ofSeconds(30))
            .header("Authorization", "Bearer " + token)
            .method(undo ? "DELETE" : "POST", HttpRequest.BodyPublishers.noBody())
            .build();
    HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() != 200) {
      throw new CliException("the node refused: " + NodeClient.describeError(response.statusCode(), response.body()));
    }
    System.out.println(undo
        ? "back in routing: " + client.resolve("/")
        : "draining: " + client.resolve("/") + " is out of new routing and goes on serving; the others see it within a probe round (2 s)");
    return 0;
  }
}
