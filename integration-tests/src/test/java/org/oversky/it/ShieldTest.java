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


  /** An origin answering {@code body}, fresh for 5 minutes, for every path under {@code prefix}. */
  private static WireMockServer origin(String prefix, byte[] body) {
    WireMockServer origin = Origins.wireMock();
    origin.stubFor(WireMock.get(WireMock.urlPathMatching(prefix + ".*")).willReturn(WireMock.ok().withBody(body).withHeader("Cache-Control", "max-age=300")));
    return origin;
  }

  private static String via(TestNode node) throws Exception {
    return "oversky-" + String.valueOf(Jsons.parse(node.get("/api/v1/status").body()).get("nodeId")).substring(0, 8);
  }

  @Test
  void theRegionsMissesGoThroughItsShieldAndToTheOriginWhenTheShieldIsGone(@TempDir Path dir) throws Exception {
    byte[] body = Bytes.random(20_000, 31);
    WireMockServer origin = origin("/o/", body);
    String site = "shielded.test=" + origin.baseUrl() + ";shield=on";
    TestNode a = TestNode.start(dir.resolve("a"), Map.of("sites", site));
    Map<String, String> joined = new HashMap<>(Map.of("sites", site, "dht.bootstrap", a.base.toString()));
    try (TestNode b = TestNode.start(dir.resolve("b"), joined); TestNode c = TestNode.start(dir.resolve("c"), joined)) {
      List<TestNode> nodes = List.of(a, b, c);
      awaitAllUp(nodes);
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

  /**
   * A client's {@code Oversky-Shielded} does not send its misses past the shield: with a cluster
   * secret, a node takes a request as another node's fill only with a verified {@code
   * Oversky-Node}. Before, anyone could make every miss go straight to the origin, which the
   * shield is there to spare.
   */
  @Test
  void aClientsShieldedHeaderDoesNotGoPastTheShield(@TempDir Path dir) throws Exception {
    byte[] body = Bytes.random(5_000, 32);
    WireMockServer origin = origin("/o/", body);
    Map<String, String> settings = new HashMap<>(Map.of("sites", "shielded.test=" + origin.baseUrl() + ";shield=on", "cluster.secret", "shield-secret"));
    try (Cluster c = Cluster.start(dir, 3, settings).awaitJoined()) {
      awaitAllUp(c.nodes);
      get(c.nodes.get(0), "/o/first");
      String[] first = origin.findAll(WireMock.getRequestedFor(WireMock.urlEqualTo("/o/first"))).get(0).getHeader("Via").split(",");
      String shield = first[first.length - 1].trim(); // the region's shield, the last node a fill passes
      for (int i = 0; i < 6; i++) {
        String path = "/o/forged" + i;
        HttpResponse<byte[]> r = TestNode.HTTP.send(HttpRequest.newBuilder(c.nodes.get(i % 3).url(path)).header("Host", "shielded.test")
            .header("Oversky-Shielded", "1").header("Oversky-Node", "by=http://127.0.0.1:9/; t=" + System.currentTimeMillis() + "; mac=" + "00".repeat(32))
            .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertArrayEquals(body, r.body());
        List<LoggedRequest> asked = origin.findAll(WireMock.getRequestedFor(WireMock.urlEqualTo(path)));
        assertEquals(1, asked.size());
        String[] hops = asked.get(0).getHeader("Via").split(",");
        assertEquals(shield, hops[hops.length - 1].trim(), path + ": the forged fill went through the shield like any miss: Via " + asked.get(0).getHeader("Via"));
      }
    } finally {
      origin.stop();
    }
  }

  /** Every node of {@code nodes} sees every other up (probes answered), so the shields agree. */
  private static void awaitAllUp(List<TestNode> nodes) {
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
  }


  @Test
  void withShieldByUrlOneRegionsUrlsSpreadOverItsNodesAndAreFetchedOnceWithoutUrlRecords(@TempDir Path dir) throws Exception {
    byte[] body = Bytes.random(20_000, 32);
    WireMockServer origin = origin("/u/", body);
    Map<String, String> settings = new HashMap<>(Map.of("sites", "shielded.test=" + origin.baseUrl() + ";shield=url", "cluster.secret", "shield-secret"));
    try (Cluster c = Cluster.start(dir, 3, settings).awaitJoined()) {
      awaitAllUp(c.nodes);
      int urls = 12;
      java.util.Set<String> shields = new java.util.HashSet<>();
      for (int i = 0; i < urls; i++) {
        String path = "/u/" + i;
        List<String> statuses = new java.util.ArrayList<>();
        for (TestNode n : c.nodes) {
          HttpResponse<byte[]> r = get(n, path);
          assertEquals(200, r.statusCode());
          assertArrayEquals(body, r.body());
          statuses.add(r.headers().firstValue("Cache-Status").orElse(""));
        }
        List<LoggedRequest> asked = origin.findAll(WireMock.getRequestedFor(WireMock.urlEqualTo(path)));
        assertEquals(1, asked.size(), path + ": three nodes, one origin request, the URL's shield's");
        String[] hops = asked.get(0).getHeader("Via").split(",");
        shields.add(hops[hops.length - 1].trim());
        // Whichever node is the URL's shield, a later node that is not gets the shield's stored copy.
        assertTrue(statuses.stream().anyMatch(st -> st.contains("fwd=peer") && st.contains("detail=shield")),
            path + ": a fill from the shield's copy says so: " + statuses);
      }
      assertTrue(shields.size() >= 2, "the URLs have their shields on more than one node: " + shields);
      // One region: each URL has one filler, its shield, and no URL record is looked up or published.
      assertEquals(0, Cluster.clusterFigure(c.nodes, "recordsPublished"), "no URL records in a cluster of one region");
      assertEquals(0, Cluster.clusterFigure(c.nodes, "recordLookups"), "no URL record lookups in a cluster of one region");
    } finally {
      origin.stop();
    }
  }

  @Test
  void withShieldByUrlAnotherRegionTakesTheFirstRegionsCopyThroughTheClustersRecords(@TempDir Path dir) throws Exception {
    byte[] body = Bytes.random(20_000, 33);
    WireMockServer origin = origin("/r/", body);
    String site = "shielded.test=" + origin.baseUrl() + ";shield=url";
    TestNode a = TestNode.start(dir.resolve("a"), Map.of("sites", site, "cluster.secret", "shield-secret", "node.region", "r1"));
    Map<String, String> joined = Map.of("sites", site, "cluster.secret", "shield-secret", "dht.bootstrap", a.base.toString());
    Map<String, String> r1 = new HashMap<>(joined);
    r1.put("node.region", "r1");
    Map<String, String> r2 = new HashMap<>(joined);
    r2.put("node.region", "r2");
    try (TestNode b = TestNode.start(dir.resolve("b"), r1); TestNode other = TestNode.start(dir.resolve("c"), r2)) {
      List<TestNode> nodes = List.of(a, b, other);
      awaitAllUp(nodes);
      int urls = 4;
      for (int i = 0; i < urls; i++) {
        for (TestNode n : List.of(a, b)) {
          HttpResponse<byte[]> r = get(n, "/r/" + i);
          assertEquals(200, r.statusCode());
          assertArrayEquals(body, r.body());
        }
      }
      // Region r1's shields published a record for each URL; r2's node (its own shield) finds them.
      assertEquals(urls, Cluster.clusterFigure(nodes, "recordsPublished"), "one record per URL, from its shield in r1");
      for (int i = 0; i < urls; i++) {
        HttpResponse<byte[]> r = get(other, "/r/" + i);
        assertEquals(200, r.statusCode());
        assertArrayEquals(body, r.body());
        assertTrue(r.headers().firstValue("Cache-Status").orElse("").contains("fwd=peer"),
            "the other region's node filled from r1's copy: " + r.headers().firstValue("Cache-Status"));
        assertEquals(1, origin.findAll(WireMock.getRequestedFor(WireMock.urlEqualTo("/r/" + i))).size(), "/r/" + i + ": one origin request for both regions");
      }
    } finally {
      a.close();
      origin.stop();
    }
  }
}
