package org.oversky.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import java.net.URI;
import java.net.http.HttpRequest;
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
 * HTTP routing on real nodes: a site in redirect mode is served by the nodes the decision chooses
 * and redirected there by the others; a {@code /key/} miss redirects to the provider routing
 * chooses for the client's region. Each redirect says why in {@code Oversky-Route}.
 */
class RedirectRoutingTest {
  private static Map<String, String> settings(String region, Path zones, String site, TestNode bootstrap) {
    // replicas.count 1: with three copies, a registered body also reached a, which then served it
    // itself instead of redirecting to a provider (a flaky CI run)
    Map<String, String> s = new HashMap<>(Map.of("node.region", region, "routing.region-map", zones.toString(), "sites", site,
        "replicas.count", "1"));
    if (bootstrap != null) {
      s.put("dht.bootstrap", bootstrap.base.toString());
    }
    return s;
  }


  private static HttpResponse<byte[]> site(TestNode node, String path) throws Exception {
    return TestNode.HTTP.send(HttpRequest.newBuilder(node.url(path)).header("Host", "site.test").timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  @Test
  void aSiteInRedirectModeIsServedByTheChosenNodesAndAKeyByTheProviderOfTheClientsRegion(@TempDir Path dir) throws Exception {
    Path zones = dir.resolve("zones.json");
    Files.writeString(zones, "{\"coverageZones\": {\"eu\": {\"network\": [\"127.0.0.0/8\"]}, \"us\": {\"network\": [\"10.2.0.0/16\"]}}}");
    byte[] body = Bytes.random(40_000, 12);
    byte[] other = Bytes.random(30_000, 13);
    WireMockServer origin = Origins.serving("/obj.bin", body);
    origin.stubFor(WireMock.get(WireMock.urlPathEqualTo("/obj.bin")).willReturn(WireMock.ok().withBody(body)));
    origin.stubFor(WireMock.get("/other.bin").willReturn(WireMock.ok().withBody(other)));
    String site = "site.test=" + origin.baseUrl() + ";routing=redirect;default-ttl=5m";
    try (TestNode a = TestNode.start(dir.resolve("a"), settings("eu", zones, site, null));
        TestNode b = TestNode.start(dir.resolve("b"), settings("eu", zones, site, a));
        TestNode c = TestNode.start(dir.resolve("c"), settings("us", zones, site, a))) {
      await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(250)).until(() ->
          c.stateOf(a).equals("up") && c.stateOf(b).equals("up") && a.stateOf(b).equals("up") && a.stateOf(c).equals("up")
              && b.stateOf(a).equals("up") && b.stateOf(c).equals("up"));

      // The client (127.0.0.1) is in eu: c, in us, is not chosen and redirects to an eu node.
      HttpResponse<byte[]> sent = site(c, "/obj.bin?v=1");
      assertEquals(302, sent.statusCode(), new String(sent.body(), java.nio.charset.StandardCharsets.UTF_8));
      String location = sent.headers().firstValue("Location").orElseThrow();
      assertTrue(location.equals(a.base + "/.well-known/oversky/site/site.test/obj.bin?v=1")
          || location.equals(b.base + "/.well-known/oversky/site/site.test/obj.bin?v=1"), location);
      String why = sent.headers().firstValue("Oversky-Route").orElseThrow();
      assertTrue(why.contains("in the client's region eu"), why);
      assertEquals("no-store", sent.headers().firstValue("Cache-Control").orElseThrow());
      HttpResponse<byte[]> followed = TestNode.HTTP.send(HttpRequest.newBuilder(URI.create(location)).build(), HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(200, followed.statusCode(), "the chosen node serves the site path, whatever the Host: " + new String(followed.body(), java.nio.charset.StandardCharsets.UTF_8));
      assertArrayEquals(body, followed.body());

      // A chosen node serves the site request itself, and says so.
      HttpResponse<byte[]> served = site(a, "/obj.bin");
      assertEquals(200, served.statusCode());
      assertTrue(served.headers().firstValue("Oversky-Route").orElseThrow().startsWith("chosen: "), served.headers().map().toString());
      assertEquals(404, a.get("/.well-known/oversky/site/nope.test/x").statusCode(), "a site this node does not cache");
      HttpResponse<byte[]> posted = TestNode.HTTP.send(HttpRequest.newBuilder(c.url("/other.bin")).header("Host", "site.test")
          .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());
      assertTrue(posted.statusCode() != 302, "only GET and HEAD are redirected");

      // A body both b (eu) and c (us) provide: a sends the eu client to b, every time.
      String key = Bytes.sha256(other);
      assertEquals(key, b.register(origin.baseUrl() + "/other.bin").get("key"));
      assertEquals(key, c.register(origin.baseUrl() + "/other.bin").get("key"));
      // Announcements go out in batches: wait until a finds b's (it may find c's first).
      await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
          .until(() -> a.get("/key/" + key), x -> x.headers().firstValue("Location").orElse("").startsWith(b.base.toString()));
      for (int i = 0; i < 8; i++) {
        HttpResponse<byte[]> r = a.get("/key/" + key);
        assertEquals(302, r.statusCode());
        assertEquals(b.base + "/key/" + key, r.headers().firstValue("Location").orElseThrow(), "the provider in the client's region");
        assertTrue(r.headers().firstValue("Oversky-Route").orElseThrow().startsWith("routing: in the client's region eu"),
            r.headers().map().toString());
      }
    } finally {
      origin.stop();
    }
  }
}
