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
    description = "Remove cached copies (a URL, a prefix, a site or a tag) from a node and every node of its cluster.")
final class PurgeCommand implements Callable<Integer> {
  @Option(names = "--node", paramLabel = "URL", description = "The node (default $OVERSKY_NODE or " + NodeClient.DEFAULT_NODE + ").")
  String node;

  @Option(names = "--admin-token", paramLabel = "TOKEN", description = "The node's admin token (default $OVERSKY_ADMIN_TOKEN).")
  String adminToken;

  @Option(names = "--soft", description = "Mark the copies stale instead of removing them: they are revalidated, and served while the origin is down (stale-if-error).")
  boolean soft;

  @picocli.CommandLine.ArgGroup(exclusive = true, multiplicity = "1")
  What what;

  /** Exactly one thing to purge. */
  static final class What {
    @Option(names = "--url", paramLabel = "URL", description = "One URL, such as https://www.example.com/page (http and https alike).")
    String url;

    @Option(names = "--prefix", paramLabel = "URL", description = "Every URL under a prefix, such as https://www.example.com/img/.")
    String prefix;

    @Option(names = "--site", paramLabel = "HOST", description = "Every URL of a site, such as www.example.com.")
    String site;

    @Option(names = "--tag", paramLabel = "TAG", description = "Every response the origin tagged so (Surrogate-Key or Cache-Tag).")
    String tag;
  }

  @Override
  public Integer call() throws Exception {
    String token = NodeClient.adminToken(adminToken, "purge");
    NodeClient client = new NodeClient(node);
    HttpRequest request =
        HttpRequest.newBuilder(client.resolve("/api/v1/cache?" + query()))
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
    if (soft) {
      System.out.printf("marked stale %s on %s; %d other node%s confirmed%n", query(), client.resolve("/"), confirmed, confirmed == 1 ? "" : "s");
    } else {
      System.out.printf("purged %s: %d cached variant%s on %s; %d other node%s confirmed%n", query(), r.path("purged").asInt(),
          r.path("purged").asInt() == 1 ? "" : "s", client.resolve("/"), confirmed, confirmed == 1 ? "" : "s");
    }
    if (unconfirmed > 0) {
      System.out.println("not confirmed (their copies expire on their own, or purge again): " + r.path("unconfirmed"));
    }
    return 0;
  }

  /** The API's query for what is purged: {@code url=…}, {@code prefix=…}, {@code site=…} or {@code tag=…}. */
  private String query() {
    String name = what.url != null ? "url" : what.prefix != null ? "prefix" : what.site != null ? "site" : "tag";
    String value = what.url != null ? what.url : what.prefix != null ? what.prefix : what.site != null ? what.site : what.tag;
    return name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8) + (soft ? "&soft=true" : "");
  }
}
