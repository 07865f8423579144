package org.oversky.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real nodes in two regions probe each other: each lists the others up with their regions,
 * explains the same choice for a client from any node, and stops naming a node that went away.
 */
class RoutingTest {
  private static Map<String, String> settings(String region, Path zones, TestNode bootstrap) {
    Map<String, String> s = new HashMap<>(Map.of("node.region", region, "routing.region-map", zones.toString()));
    if (bootstrap != null) {
      s.put("dht.bootstrap", bootstrap.base.toString());
    }
    return s;
  }

  private static Map<String, String> withToken(Map<String, String> s) {
    s.put("admin-token", "t0ken");
    return s;
  }

  private static List<Map<?, ?>> nodes(TestNode asked) throws Exception {
    @SuppressWarnings("unchecked")
    List<Map<?, ?>> nodes = (List<Map<?, ?>>) Jsons.parse(asked.get("/api/v1/cluster").body()).get("nodes");
    return nodes;
  }

  private static String state(TestNode asked, TestNode of) throws Exception {
    return nodes(asked).stream().filter(n -> n.get("url").equals(of.base.toString())).map(n -> n.get("state") + "/" + n.get("region"))
        .findFirst().orElse("unknown");
  }

  private static List<?> chosen(TestNode asked, String query) throws Exception {
    HttpResponse<byte[]> r = asked.get("/api/v1/routing/explain?" + query);
    assertEquals(200, r.statusCode(), new String(r.body(), java.nio.charset.StandardCharsets.UTF_8));
    return ((List<?>) Jsons.parse(r.body()).get("chosen")).stream().map(c -> ((Map<?, ?>) c).get("url")).toList();
  }

  @Test
  void nodesSeeEachOtherUpRouteClientsToTheirRegionAndDropANodeThatStops(@TempDir Path dir) throws Exception {
    Path zones = dir.resolve("zones.json");
    Files.writeString(zones, "{\"coverageZones\": {\"eu\": {\"network\": [\"10.1.0.0/16\"]}, \"us\": {\"network\": [\"10.2.0.0/16\"]}}}");
    try (TestNode a = TestNode.start(dir.resolve("a"), settings("eu", zones, null));
        TestNode b = TestNode.start(dir.resolve("b"), settings("eu", zones, a));
        TestNode c = TestNode.start(dir.resolve("c"), withToken(settings("us", zones, a)))) {
      // Up after five answers in a row, two seconds apart.
      await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(250)).until(() ->
          state(a, b).equals("up/eu") && state(a, c).equals("up/us") && state(c, a).equals("up/eu") && state(c, b).equals("up/eu")
              && state(b, c).equals("up/us"));
      assertEquals("up/eu", state(a, a), "a node lists itself, up");
      String page = new String(a.get("/").body(), java.nio.charset.StandardCharsets.UTF_8);
      assertTrue(page.contains("<tr><td>us</td><td>" + c.base + "</td><td>up</td>"), "the status page lists the nodes by region: " + page);
      @SuppressWarnings("unchecked")
      List<Map<?, ?>> hosts = (List<Map<?, ?>>) Jsons.parse(a.get("/api/v1/hosts").body()).get("hosts");
      assertEquals("us", hosts.stream().filter(h -> h.get("url").equals(c.base.toString())).findFirst().orElseThrow().get("region"),
          "the hosts list shows each contact's region, as its health answer said");

      List<?> eu = chosen(a, "client=10.1.3.4&host=Site.Test&path=/a");
      assertEquals(2, eu.size(), eu.toString());
      assertTrue(eu.containsAll(List.of(a.base.toString(), b.base.toString())), eu.toString());
      assertEquals(eu, chosen(c, "client=10.1.3.4&host=site.test&path=/a"), "the same answer from any node");
      assertEquals(List.of(c.base.toString()), chosen(b, "client=10.2.0.9&key=" + "ab".repeat(32)));
      assertEquals(2, chosen(a, "client=192.0.2.1&host=site.test&path=/a").size(), "a client of no region: any node, 2 by default");
      assertEquals(2, chosen(a, "client=192.0.2.1&host=site.test&path=/a&count=4").size(),
          "a client of no region goes to the default region, the asked node's (eu: two nodes)");
      assertEquals(List.of(c.base.toString()), chosen(c, "client=192.0.2.1&host=site.test&path=/a&count=4"));
      assertEquals(400, a.get("/api/v1/routing/explain?client=10.1.0.1&key=" + "ab".repeat(32) + "&count=5").statusCode());

      CommandLineTest.Run explained = CommandLineTest.oversky(dir, "route", "explain", "--node", a.base.toString(),
          "--client", "10.2.0.9", "--host", "site.test", "--path", "/a");
      assertEquals(0, explained.exit(), explained.out() + explained.err());
      assertTrue(explained.out().contains(c.base.toString()) && explained.out().contains("in the client's region us"), explained.out());
      assertEquals(2, CommandLineTest.oversky(dir, "route", "explain", "--node", a.base.toString(), "--client", "10.2.0.9").exit(),
          "neither --key nor --host");
      assertEquals(400, a.get("/api/v1/routing/explain?client=example.net&host=site.test").statusCode(), "a name is not an address");
      assertEquals(400, a.get("/api/v1/routing/explain?client=10.1.0.1&key=xyz").statusCode());
      assertEquals(400, a.get("/api/v1/routing/explain?client=10.1.0.1").statusCode(), "neither a key nor a host");

      // Drained with the command line: out of new routing, still serving; then back.
      CommandLineTest.Run drained = CommandLineTest.oversky(dir, "drain", "--node", c.base.toString(), "--admin-token", "t0ken");
      assertEquals(0, drained.exit(), drained.out() + drained.err());
      await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(250)).until(() -> state(a, c).equals("draining/us"));
      List<?> usClient = chosen(a, "client=10.2.0.9&key=" + "ab".repeat(32));
      assertTrue(!usClient.contains(c.base.toString()) && usClient.size() == 2, "a draining node is not chosen: " + usClient);
      assertEquals(200, c.get("/api/v1/status").statusCode(), "a draining node still serves");
      CommandLineTest.Run refused = CommandLineTest.oversky(dir, "drain", "--node", c.base.toString(), "--admin-token", "wrong");
      assertTrue(refused.exit() != 0 && refused.err().contains("401"), refused.out() + refused.err());
      CommandLineTest.Run back = CommandLineTest.oversky(dir, "drain", "--undo", "--node", c.base.toString(), "--admin-token", "t0ken");
      assertEquals(0, back.exit(), back.out() + back.err());
      await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(250)).until(() -> state(a, c).equals("up/us"));

      b.close();
      // Down after three probes missed.
      await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250)).until(() ->
          state(a, b).equals("down/eu") && state(c, b).equals("down/eu"));
      assertEquals(List.of(a.base.toString()), chosen(c, "client=10.1.3.4&host=site.test&path=/a"));
    }
  }
}
