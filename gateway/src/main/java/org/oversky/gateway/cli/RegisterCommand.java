package org.oversky.gateway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import org.oversky.gateway.http.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code oversky register URL}: asks a node to fetch and store a URL, prints its content key. */
@Command(name = "register", mixinStandardHelpOptions = true, description = "Have a node fetch and store a URL.")
final class RegisterCommand implements Callable<Integer> {
  @Parameters(paramLabel = "URL", description = "The URL to register.")
  String url;

  @Option(names = "--node", paramLabel = "URL", description = "The node (default $OVERSKY_NODE or " + NodeClient.DEFAULT_NODE + ").")
  String node;

  @Option(names = "--json", description = "Print the node's JSON answer as it is.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    NodeClient client = new NodeClient(node);
    byte[] body = Json.MAPPER.writeValueAsBytes(Map.of("location", url));
    HttpRequest request =
        HttpRequest.newBuilder(client.resolve("/api/v1/register"))
            .timeout(Duration.ofHours(1))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    System.err.println("asking the node to fetch " + url + " ...");
    HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() != 201) {
      throw new CliException("the node refused: " + NodeClient.describeError(response.statusCode(), response.body()));
    }
    if (json) {
      System.out.println(new String(response.body(), java.nio.charset.StandardCharsets.UTF_8));
      return 0;
    }
    JsonNode r = Json.MAPPER.readTree(response.body());
    System.out.println(r.get("key").asText());
    System.err.println("size " + r.get("size").asLong() + " bytes, " + r.get("contentType").asText());
    System.err.println("integrity " + r.get("integrity").asText());
    System.err.println("get it at " + client.resolve(r.get("url").asText()));
    return 0;
  }
}
