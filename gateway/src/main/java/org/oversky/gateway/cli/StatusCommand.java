package org.oversky.gateway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.oversky.gateway.http.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code oversky status}: a node's figures in a few lines; {@code --replicas}: its keys short of copies. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = "Show a node's figures; with --replicas, the registered keys it holds that lack copies.")
final class StatusCommand implements Callable<Integer> {
  @Option(names = "--node", paramLabel = "URL", description = "The node (default $OVERSKY_NODE or " + NodeClient.DEFAULT_NODE + ").")
  String node;

  @Option(names = "--replicas", description = "Summarise replicas: keys checked, keys under-replicated (with up to 20 of them), copies made.")
  boolean replicas;

  @Option(names = "--json", description = "Print the node's whole status document as JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    NodeClient client = new NodeClient(node);
    HttpRequest request = HttpRequest.newBuilder(client.resolve("/api/v1/status")).timeout(Duration.ofSeconds(30)).GET().build();
    HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() != 200) {
      throw new CliException("the node answered: " + NodeClient.describeError(response.statusCode(), response.body()));
    }
    JsonNode status = Json.MAPPER.readTree(response.body());
    if (json) {
      System.out.println(Json.MAPPER.writeValueAsString(status));
      return 0;
    }
    System.out.printf("%s  version %s  up %d s  region %s%n", status.path("publicUrl").asText(), status.path("version").asText(),
        status.path("uptimeSeconds").asLong(), status.path("routing").path("region").asText());
    JsonNode store = status.path("store");
    System.out.printf("store: %d bodies, %d bytes of %d%n", store.path("bodies").asLong(), store.path("bytes").asLong(), store.path("diskBudget").asLong());
    JsonNode r = status.path("replicas");
    if (r.isMissingNode()) {
      throw new CliException("the node's status has no replicas: it is older than this command", 1);
    }
    int under = r.path("underReplicated").asInt();
    System.out.printf("replicas: %d copies a key; %d registered keys checked, %d under-replicated; %d copies made, %d failed, %d pending%n",
        r.path("count").asInt(), r.path("keysChecked").asLong(), under, r.path("copiesMade").asLong(), r.path("copiesFailed").asLong(),
        r.path("copiesPending").asLong());
    if (replicas) {
      for (JsonNode key : r.path("underReplicatedKeys")) {
        System.out.printf("  under-replicated: %s  (see %s)%n", key.asText(), client.resolve("/api/v1/keys/" + key.asText() + "/placement"));
      }
      if (under > r.path("underReplicatedKeys").size()) {
        System.out.printf("  and %d more%n", under - r.path("underReplicatedKeys").size());
      }
      return under == 0 ? 0 : 3;
    }
    return 0;
  }
}
