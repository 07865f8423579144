package org.oversky.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Registered bodies on three holders over the regions, and repaired when a whole region goes:
 * three regions of two real nodes each on 127.0.R.x, bodies registered at different nodes, then
 * both nodes of one region stopped. Every body stays fetchable through every survivor, and each
 * key is back on three live holders in the two surviving regions. The repair time is printed, not
 * asserted.
 */
class ReplicaTest {
  private static final int KEYS = 6;

  private static Map<String, String> node(String ip, String region, Path zones, TestNode bootstrap) {
    Map<String, String> s = new HashMap<>(Map.of("listen", ip + ":0", "node.region", region, "routing.region-map", zones.toString(),
        "replicas.grace", "2s"));
    if (bootstrap != null) {
      s.put("dht.bootstrap", bootstrap.base.toString());
    }
    return s;
  }

  /** The live holders of {@code key} as {@code asked} lists them, by region. */
  @SuppressWarnings("unchecked")
  private static Map<String, Set<String>> holders(TestNode asked, String key, List<TestNode> live) throws Exception {
    Set<String> liveUrls = new HashSet<>();
    live.forEach(n -> liveUrls.add(n.base.toString()));
    Map<String, Set<String>> out = new HashMap<>();
    for (Map<String, Object> h : (List<Map<String, Object>>) Jsons.parse(asked.get("/api/v1/keys/" + key + "/placement").body()).get("holders")) {
      if (liveUrls.contains(h.get("url")) && "up".equals(h.get("state"))) {
        out.computeIfAbsent((String) h.get("region"), r -> new HashSet<>()).add((String) h.get("url"));
      }
    }
    return out;
  }

  private static boolean allUp(List<TestNode> nodes) throws Exception {
    for (TestNode n : nodes) {
      for (TestNode o : nodes) {
        if (o != n && !n.stateOf(o).equals("up")) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean placed(TestNode asked, List<String> keys, List<TestNode> live) throws Exception {
    for (String key : keys) {
      Map<String, Set<String>> h = holders(asked, key, live);
      if (h.size() < 2 || h.values().stream().mapToInt(Set::size).sum() < 3) {
        return false;
      }
    }
    return true;
  }

  @Test
  void everyRegisteredBodyHasThreeHoldersOverTwoRegionsAndSurvivesTheLossOfARegion(@TempDir Path dir) throws Exception {
    Path zones = Files.writeString(dir.resolve("zones.json"), "{\"coverageZones\": {\"r1\": {\"network\": [\"127.0.1.0/24\"]},"
        + " \"r2\": {\"network\": [\"127.0.2.0/24\"]}, \"r3\": {\"network\": [\"127.0.3.0/24\"]}}}");
    WireMockServer origin = Origins.wireMock();
    List<byte[]> bodies = new ArrayList<>();
    for (int i = 0; i < KEYS; i++) {
      byte[] body = Bytes.random(20_000 + 7_000 * i, 40 + i);
      bodies.add(body);
      origin.stubFor(com.github.tomakehurst.wiremock.client.WireMock.get("/obj" + i)
          .willReturn(com.github.tomakehurst.wiremock.client.WireMock.aResponse().withStatus(200).withBody(body)));
    }
    List<TestNode> nodes = new ArrayList<>();
    try {
      String[] ips = {"127.0.1.1", "127.0.1.2", "127.0.2.1", "127.0.2.2", "127.0.3.1", "127.0.3.2"};
      for (String ip : ips) {
        nodes.add(TestNode.start(dir.resolve(ip), node(ip, "r" + ip.charAt(6), zones, nodes.isEmpty() ? null : nodes.get(0))));
      }
      TestNode first = nodes.get(0);
      await("every node sees the five others up").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
          .until(() -> allUp(nodes));

      List<String> keys = new ArrayList<>();
      for (int i = 0; i < KEYS; i++) {
        String key = (String) nodes.get(i % nodes.size()).register(origin.baseUrl() + "/obj" + i).get("key");
        assertEquals(Bytes.sha256(bodies.get(i)), key);
        keys.add(key);
      }
      await("each key on 3 live holders in 2 regions or more").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
          .until(() -> placed(first, keys, nodes));
      @SuppressWarnings("unchecked")
      List<Map<String, Object>> placement = (List<Map<String, Object>>) Jsons.parse(first.get("/api/v1/keys/" + keys.get(0) + "/placement").body()).get("placement");
      assertEquals(3, placement.size());
      assertEquals(3, placement.stream().map(p -> p.get("region")).distinct().count(), "three regions, three copies, one in each: " + placement);

      TestNode outsider = nodes.stream().skip(1) // key 0 was registered at the first node, which keeps its copy
          .filter(n -> placement.stream().noneMatch(p -> p.get("url").equals(n.base.toString()))).findFirst().orElseThrow();
      assertEquals(504, outsider.head("/key/" + keys.get(0), "Cache-Control", "only-if-cached").statusCode(),
          "a node without the body says so at once with only-if-cached, and does not look elsewhere");
      assertEquals(403, first.post("/api/v1/keys/" + "f".repeat(64) + "/replicate", "{\"from\": \"http://127.0.0.99:1\"}").statusCode(),
          "only a node of the view is copied from");
      assertEquals(400, first.get("/api/v1/keys/not-a-key/placement").statusCode());

      long killed = System.nanoTime();
      nodes.get(2).close();
      nodes.get(3).close();
      List<TestNode> live = List.of(nodes.get(0), nodes.get(1), nodes.get(4), nodes.get(5));
      await("every key is back on 3 live holders in the 2 surviving regions").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
          .until(() -> placed(first, keys, live));
      System.out.printf("replicas: every key had 3 live holders again %d ms after region r2 was stopped%n", (System.nanoTime() - killed) / 1_000_000);
      for (TestNode n : live) {
        for (int i = 0; i < KEYS; i++) {
          assertArrayEquals(bodies.get(i), fetch(n, keys.get(i)), "key " + i + " through " + n.base);
        }
      }
      await("the first node's own checks find every key it holds complete").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
          .until(() -> CommandLineTest.oversky(dir, "status", "--replicas", "--node", first.base.toString()).exit() == 0);
      CommandLineTest.Run status = CommandLineTest.oversky(dir, "status", "--replicas", "--node", first.base.toString());
      assertTrue(status.out().contains("replicas: 3 copies a key;") && status.out().contains(", 0 under-replicated;"), status.out() + status.err());
    } finally {
      for (TestNode n : nodes) {
        n.close();
      }
      origin.stop();
    }
  }

  /**
   * A site with {@code replicas=2}: the body of a page cached through one node is copied to a
   * second node in the other region; with that node and the origin both gone, another node still
   * serves the page, from the copy. Two regions of two real nodes each.
   */
  @Test
  void aSitesCachedBodiesAreCopiedWhenItAsksAndServedWhenTheirNodeAndTheOriginAreGone(@TempDir Path dir) throws Exception {
    Path zones = Files.writeString(dir.resolve("zones.json"), "{\"coverageZones\": {\"r1\": {\"network\": [\"127.0.1.0/24\"]},"
        + " \"r2\": {\"network\": [\"127.0.2.0/24\"]}}}");
    WireMockServer origin = Origins.wireMock();
    byte[] page = Bytes.random(30_000, 77);
    origin.stubFor(com.github.tomakehurst.wiremock.client.WireMock.get("/page").willReturn(com.github.tomakehurst.wiremock.client.WireMock
        .aResponse().withStatus(200).withHeader("Cache-Control", "max-age=300").withBody(page)));
    List<TestNode> nodes = new ArrayList<>();
    try {
      for (String ip : new String[] {"127.0.1.1", "127.0.1.2", "127.0.2.1", "127.0.2.2"}) {
        Map<String, String> s = node(ip, "r" + ip.charAt(6), zones, nodes.isEmpty() ? null : nodes.get(0));
        s.put("sites", "s.test=" + origin.baseUrl() + ";replicas=2");
        s.put("cluster.secret", "s3cret");
        s.put("cluster.lookup-budget", "2s"); // a loaded CI machine missed the default 150 ms
        nodes.add(TestNode.start(dir.resolve(ip), s));
      }
      await("every node sees the three others up").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
          .until(() -> allUp(nodes));
      TestNode filler = nodes.get(0);
      HttpResponse<byte[]> first = filler.get("/page", "Host", "s.test");
      assertEquals(200, first.statusCode());
      String key = Bytes.sha256(page);
      List<TestNode> others = nodes.subList(1, nodes.size());
      await("the page's body on a live holder in the other region").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
          .until(() -> holders(nodes.get(1), key, others).containsKey("r2"));
      // asked of the node that cached it: a node that neither holds the key nor caches a response for it assumes replicas.count
      Map<String, Object> placement = Jsons.parse(filler.get("/api/v1/keys/" + key + "/placement").body());
      assertEquals(2, ((Number) placement.get("replicas")).intValue(), "the site's copies, not replicas.count: " + placement);

      filler.close();
      origin.stop();
      TestNode asked = others.stream().filter(n -> {
        try {
          return n.head("/key/" + key, "Cache-Control", "only-if-cached").statusCode() != 200;
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }).findFirst().orElse(others.get(0));
      // the copy's provider record goes out with its holder's next announcement batch (within 2 s):
      // until then a lookup finds only the gone node's, and the answer is a 502
      HttpResponse<byte[]> served = await("served from the copy with the filling node and the origin gone")
          .atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
          .until(() -> asked.get("/page", "Host", "s.test"), r -> r.statusCode() == 200);
      assertArrayEquals(page, served.body());
    } finally {
      for (TestNode n : nodes) {
        n.close();
      }
      origin.stop();
    }
  }

  /** GET /key/KEY at {@code n}, following one redirect to the node it names. */
  private static byte[] fetch(TestNode n, String key) throws Exception {
    HttpResponse<byte[]> r = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
        .until(() -> n.get("/key/" + key), x -> x.statusCode() == 200 || x.statusCode() == 302);
    if (r.statusCode() == 302) {
      r = TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(r.headers().firstValue("Location").orElseThrow())).build(),
          HttpResponse.BodyHandlers.ofByteArray());
    }
    assertEquals(200, r.statusCode(), "GET /key/" + key + " through " + n.base);
    assertTrue(r.body().length > 0);
    return r.body();
  }
}
