package org.oversky.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node at its hard capacity refuses new site and key requests with 503 and Retry-After, still
 * answers its own API, says so in its health answer, leaves itself out of routing, and takes
 * requests again once those in flight finish.
 */
class CapacityTest {
  private static Map<?, ?> load(TestNode node) throws Exception {
    return (Map<?, ?>) Jsons.parse(node.get("/api/v1/health").body()).get("load");
  }

  @Test
  void atItsHardCapacityANodeAnswers503WithRetryAfterAndRoutingLeavesItOut(@TempDir Path dir) throws Exception {
    try (HeldOrigin origin = new HeldOrigin();
        TestNode node = TestNode.start(dir, Map.of("sites", "slow.test=" + origin.base(),
            "routing.soft-capacity", "1", "routing.hard-capacity", "2"))) {
      HttpRequest.Builder slow = HttpRequest.newBuilder().timeout(Duration.ofSeconds(60)).header("Host", "slow.test");
      // Two requests the origin holds: both in flight.
      List<CompletableFuture<HttpResponse<byte[]>>> held = List.of(
          TestNode.HTTP.sendAsync(slow.copy().uri(node.url("/stream?a")).build(), HttpResponse.BodyHandlers.ofByteArray()),
          TestNode.HTTP.sendAsync(slow.copy().uri(node.url("/stream?b")).build(), HttpResponse.BodyHandlers.ofByteArray()));
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> ((Number) load(node).get("inFlight")).intValue() == 2);

      HttpResponse<byte[]> refused = TestNode.HTTP.send(slow.copy().uri(node.url("/stream?c")).build(), HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(503, refused.statusCode());
      assertEquals(List.of("2"), refused.headers().allValues("Retry-After"));
      assertTrue(new String(refused.body(), StandardCharsets.UTF_8).contains("routing.hard-capacity"), new String(refused.body(), StandardCharsets.UTF_8));
      assertEquals(503, node.get("/key/" + "ab".repeat(32)).statusCode(), "a /key/ request is refused too");
      assertEquals(2, ((Number) load(node).get("hardCapacity")).intValue(), "the health answer still answers, with its capacities");

      Map<?, ?> explained = Jsons.parse(node.get("/api/v1/routing/explain?client=192.0.2.1&key=" + "ab".repeat(32)).body());
      assertEquals(List.of(), explained.get("chosen"), "a node at its hard capacity is left out: " + explained);
      assertTrue(explained.get("steps").toString().contains("none of its 1 nodes healthy"), explained.toString());

      origin.release.countDown();
      for (CompletableFuture<HttpResponse<byte[]>> f : held) {
        assertEquals(200, f.get().statusCode(), "the requests in flight were served");
      }
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> ((Number) load(node).get("inFlight")).intValue() == 0);
      assertEquals(1, ((List<?>) Jsons.parse(node.get("/api/v1/routing/explain?client=192.0.2.1&key=" + "ab".repeat(32)).body()).get("chosen")).size(),
          "below its hard capacity the node is routed to again");
      assertEquals(404, node.get("/key/" + "ab".repeat(32)).statusCode(), "and takes requests again");
    }
  }

  @Test
  void aStoppingNodeLetsTheRequestsInFlightFinish(@TempDir Path dir) throws Exception {
    try (HeldOrigin origin = new HeldOrigin()) {
      TestNode node = TestNode.start(dir, Map.of("sites", "slow.test=" + origin.base()));
      CompletableFuture<HttpResponse<byte[]>> held = TestNode.HTTP.sendAsync(
          HttpRequest.newBuilder(node.url("/held")).header("Host", "slow.test").timeout(Duration.ofSeconds(60)).build(),
          HttpResponse.BodyHandlers.ofByteArray());
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> ((Number) load(node).get("inFlight")).intValue() == 1);
      CompletableFuture<Void> stopped = CompletableFuture.runAsync(() -> {
        try {
          node.server.close(Duration.ofSeconds(30));
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
        try (java.net.Socket s = new java.net.Socket(node.base.getHost(), node.base.getPort())) {
          return false;
        } catch (java.io.IOException refused) {
          return true; // no longer accepting: stopping
        }
      });
      assertTrue(!held.isDone(), "the request in flight is still being served");
      origin.release.countDown();
      assertEquals(200, held.get().statusCode(), "it finished before the node stopped");
      stopped.get();
    }
  }
}
