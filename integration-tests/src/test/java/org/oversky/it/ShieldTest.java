package org.oversky.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A site with {@code shield=on} on three real nodes of one region: a miss on any of them goes
 * through the region's shield, so the origin sees one request per object; when the shield goes
 * away, the others fill from the origin.
 */
class ShieldTest {
  private static HttpResponse<byte[]> get(TestNode node, String path) throws Exception {
    return TestNode.HTTP.send(HttpRequest.newBuilder(node.url(path)).header("Host", "shielded.test").timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }


  private static String via(TestNode node) throws Exception {
    return "oversky-" + String.valueOf(Jsons.parse(node.get("/api/v1/status").body()).get("nodeId")).substring(0, 8);
  }

  @Test
  void theRegionsMissesGoThroughItsShieldAndToTheOriginWhenTheShieldIsGone(@TempDir Path dir) throws Exception {
    WireMockServer origin = Origins.wireMock();
    byte[] body = Bytes.random(20_000, 31);
    origin.stubFor(WireMock.get(WireMock.urlPathMatching("/o/.*")).willReturn(WireMock.ok().withBody(body).withHeader("Cache-Control", "max-age=300")));
    String site = "shielded.test=" + origin.baseUrl() + ";shield=on";
    TestNode a = TestNode.start(dir.resolve("a"), Map.of("sites", site));
    Map<String, String> joined = new HashMap<>(Map.of("sites", site, "dht.bootstrap", a.base.toString()));
    try (TestNode b = TestNode.start(dir.resolve("b"), joined); TestNode c = TestNode.start(dir.resolve("c"), joined)) {
      List<TestNode> nodes = List.of(a, b, c);
      await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(250)).until(() -> {
        for (TestNode x : nodes) {
          for (TestNode y : nodes) {
            if (x != y && !x.stateOf(y).equals("up")) {
              return false;
            }
          }
        }
        return true;
      });
      for (TestNode n : nodes) {
        HttpResponse<byte[]> r = get(n, "/o/1");
        assertEquals(200, r.statusCode());
        assertArrayEquals(body, r.body());
      }
      List<LoggedRequest> asked = origin.findAll(WireMock.getRequestedFor(WireMock.urlEqualTo("/o/1")));
      assertEquals(1, asked.size(), "three nodes, one origin request: the shield's");
      // Via lists the nodes the fill passed: the node asked (unless it is the shield), then the shield.
      String[] hops = asked.get(0).getHeader("Via").split(",");
      assertTrue(hops.length <= 2, "one hop through the shield at most, never a chain of shields: " + asked.get(0).getHeader("Via"));
      String shieldVia = hops[hops.length - 1];
      TestNode shield = nodes.stream().filter(n -> {
        try {
          return shieldVia.contains(via(n));
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }).findFirst().orElseThrow();

      // The shield goes away: once the others see it down, their misses go to the origin.
      List<TestNode> rest = nodes.stream().filter(n -> n != shield).toList();
      shield.close();
      for (TestNode n : rest) {
        HttpResponse<byte[]> r = get(n, "/o/2");
        assertEquals(200, r.statusCode(), "a refused shield: the request goes on to the origin");
        assertArrayEquals(body, r.body());
      }
    } finally {
      a.close();
      origin.stop();
    }
  }
}
