package org.oversky.gateway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code oversky purge}: removes a site URL's cached copies from a node and, through it, from every
 * node of its cluster (the nodes share {@code --cluster-secret}); exits 0 once the node has taken
 * the purge, and says which nodes confirmed it.
 */
@Command(
    name = "purge",
    mixinStandardHelpOptions = true,
    description = "Remove a site URL's cached copies from a node and every node of its cluster.")
final class PurgeCommand implements Callable<Integer> {
  @Option(names = "--node", paramLabel = "URL", description = "The node (default $OVERSKY_NODE or " + NodeClient.DEFAULT_NODE + ").")
  String node;

  @Option(names = "--admin-token", paramLabel = "TOKEN", description = "The node's admin token (default $OVERSKY_ADMIN_TOKEN).")
  String adminToken;

  @Option(names = "--url", paramLabel = "URL", required = true, description = "The absolute URL to purge, such as https://www.example.com/page (http and https alike).")
  String url;

  @Override
  public Integer call() throws Exception {
    String token = NodeClient.adminToken(adminToken, "purge");
    NodeClient client = new NodeClient(node);
    HttpRequest request =
        HttpRequest.newBuilder(client.resolve("/api/v1/cache?url=" + URLEncoder.encode(url, StandardCharsets.UTF_8)))
            .timeout(Duration.ofSeconds(30))
            .header("Authorization", "Bearer " + token)
            .DELETE()
            .build();
    HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() != 200) {
      throw new CliException("the node refused: " + NodeClient.describeError(response.statusCode(), response.body()));
    }
    JsonNode r = org.oversky.gateway.http.Json.MAPPER.readTree(response.body());
    int confirmed = r.path("confirmedBy").size();
    int unconfirmed = r.path("unconfirmed").size();
    System.out.printf("purged %s: %d cached variant%s on %s; %d other node%s confirmed%n", url, r.path("purged").asInt(),
        r.path("purged").asInt() == 1 ? "" : "s", client.resolve("/"), confirmed, confirmed == 1 ? "" : "s");
    if (unconfirmed > 0) {
      System.out.println("not confirmed (their copies expire on their own, or purge again): " + r.path("unconfirmed"));
    }
    return 0;
  }
}
