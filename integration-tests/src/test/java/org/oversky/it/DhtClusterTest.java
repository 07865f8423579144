package org.oversky.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oversky.cache.ContentKey;

/**
 * Real nodes on loopback forming one DHT: bootstrap from one node, get-by-key from any node in
 * redirect and proxy modes (followed with a real client), nodes that go away, and provider records
 * that expire unless republished.
 */
class DhtClusterTest {
  /** These tests follow the one provider of a body; its copies on other nodes are ReplicaTest's. */
  private static final Map<String, String> ONE_COPY = Map.of("replicas.count", "1");

  @Test
  void tenNodesJoinFromOneAndEveryNodeRedirectsToTheProvider(@TempDir Path dir) throws Exception {
    byte[] body = Bytes.random(150_000, 1);
    String key = Bytes.sha256(body);
    WireMockServer origin = Origins.serving("/obj.bin", body);
    try (Cluster c = Cluster.start(dir, 10, ONE_COPY).awaitJoined()) {
      TestNode provider = c.get(9);
      assertEquals(key, provider.register(origin.baseUrl() + "/obj.bin").get("key"));
      for (int i = 0; i < 9; i++) {
        TestNode n = c.get(i);
        HttpResponse<byte[]> r = awaitStatus(n, "/key/" + key, 302);
        String location = r.headers().firstValue("Location").orElseThrow();
        assertEquals(provider.base + "/key/" + key, location, "node " + i + " redirects to the provider");
        HttpResponse<byte[]> followed = TestNode.HTTP.send(
            java.net.http.HttpRequest.newBuilder(URI.create(location)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, followed.statusCode());
        assertArrayEquals(body, followed.body());
      }
      HttpResponse<byte[]> absent = c.get(0).get("/key/" + "f".repeat(64));
      assertEquals(404, absent.statusCode());
      Map<String, Object> problem = Jsons.parse(absent.body());
      assertTrue(problem.get("lookup") instanceof Map, "the 404 carries the lookup's figures: " + problem);
    } finally {
      origin.stop();
    }
  }

  @Test
  void proxyModeServesVerifiedBytesAndTheCopySurvivesTheFirstProvider(@TempDir Path dir) throws Exception {
    byte[] body = Bytes.random(300_000, 2);
    String key = Bytes.sha256(body);
    WireMockServer origin = Origins.serving("/obj.bin", body);
    try (Cluster c = Cluster.start(dir, 5, Map.of("dht.key-miss", "proxy", "replicas.count", "1")).awaitJoined()) {
      c.get(4).register(origin.baseUrl() + "/obj.bin");
      HttpResponse<byte[]> viaTwo = awaitStatus(c.get(2), "/key/" + key, 200);
      assertArrayEquals(body, viaTwo.body());
      assertTrue(c.get(2).server.gateway().store().contains(new ContentKey(key)), "node 2 kept a copy");
      // Node 2 announces its copy; the first provider goes away, and node 1 still gets the body.
      c.get(4).close();
      HttpResponse<byte[]> viaOne = awaitStatus(c.get(1), "/key/" + key, 200);
      assertArrayEquals(body, viaOne.body());
      assertEquals(1, origin.countRequestsMatching(WireMock.getRequestedFor(WireMock.urlEqualTo("/obj.bin")).build()).getCount());
    } finally {
      origin.stop();
    }
  }

  @Test
  void providerRecordsAreRepublishedAndExpireOnceTheBodyIsGone(@TempDir Path dir) throws Exception {
    byte[] body = Bytes.random(20_000, 3);
    String key = Bytes.sha256(body);
    WireMockServer origin = Origins.serving("/obj.bin", body);
    // Hour-long records on a clock the test advances: no waiting for lifetimes to pass.
    Map<String, String> hourly =
        Map.of("dht.provider-ttl", "1h", "dht.republish-interval", "20m", "dht.refresh-interval", "30m", "replicas.count", "1");
    TestClock clock = new TestClock();
    try (Cluster c = Cluster.start(dir, 4, hourly, clock).awaitJoined()) {
      c.get(3).register(origin.baseUrl() + "/obj.bin");
      awaitStatus(c.get(0), "/key/" + key, 302);
      // Three lifetimes later the record is still there: the provider republished it. Each step
      // is one republish interval and a maintenance round on every node; a record that was not
      // announced again would lapse after three steps.
      for (int step = 0; step < 9; step++) {
        clock.advance(Duration.ofMinutes(20).plusSeconds(1));
        for (TestNode n : c.nodes) {
          n.server.gateway().dht().maintainNow();
        }
        assertEquals(302, c.get(0).get("/key/" + key).statusCode(), "the record lapsed while the body is held, step " + step);
      }
      assertTrue(c.get(3).server.gateway().store().delete(new ContentKey(key)));
      // No longer announced: once a lifetime has passed, no node has a record of it.
      clock.advance(Duration.ofHours(1).plusSeconds(1));
      for (TestNode n : c.nodes) {
        n.server.gateway().dht().maintainNow();
      }
      awaitStatus(c.get(0), "/key/" + key, 404);
    } finally {
      origin.stop();
    }
  }

  @Test
  void aRestartedNodeReloadsItsRoutingTable(@TempDir Path dir) throws Exception {
    try (Cluster c = Cluster.start(dir, 3, ONE_COPY).awaitJoined()) {
      TestNode last = c.nodes.remove(2);
      last.close();
      assertTrue(Files.isRegularFile(last.data.resolve("dht-contacts.json")));
      try (TestNode again = TestNode.start(last.data)) {
        assertTrue(Cluster.hosts(again) >= 2, "the saved contacts are back without a bootstrap");
      }
    }
  }

  @Test
  void postHostsJoinsTwoSeparateNodesAndTheLegacyActionToo(@TempDir Path dir) throws Exception {
    try (TestNode a = TestNode.start(dir.resolve("a"));
        TestNode b = TestNode.start(dir.resolve("b"));
        TestNode d = TestNode.start(dir.resolve("d"))) {
      HttpResponse<byte[]> joined = a.post("/api/v1/hosts", "{\"url\":\"" + b.base + "\"}");
      assertEquals(200, joined.statusCode(), new String(joined.body()));
      assertEquals(b.base.toString(), ((Map<?, ?>) Jsons.parse(joined.body()).get("joined")).get("url"));
      await().atMost(Duration.ofSeconds(20)).until(() -> Cluster.hosts(b) == 1);
      HttpResponse<byte[]> legacy = d.get("/oversky.php?action=hostdiscovery&host=" + a.base);
      assertEquals(200, legacy.statusCode(), new String(legacy.body()));
      await().atMost(Duration.ofSeconds(20)).until(() -> Cluster.hosts(d) == 2 && Cluster.hosts(a) == 2);
      List<?> hosts = (List<?>) Jsons.parse(a.get("/api/v1/hosts").body()).get("hosts");
      Map<?, ?> first = (Map<?, ?>) hosts.get(0);
      assertTrue(first.keySet().containsAll(List.of("id", "url", "lastSeen", "rttMillis")), first.toString());

      assertEquals(400, a.post("/api/v1/hosts", "{\"url\":\"ftp://x\"}").statusCode());
      assertEquals(400, a.post("/api/v1/hosts", "{}").statusCode());
      int port = NodeProcess.freePort();
      HttpResponse<byte[]> nobody = a.post("/api/v1/hosts", "{\"url\":\"http://127.0.0.1:" + port + "\"}");
      assertEquals(502, nobody.statusCode());
      assertFalse(new String(nobody.body()).isEmpty());
    }
  }

  static HttpResponse<byte[]> awaitStatus(TestNode node, String path, int status) {
    java.util.concurrent.atomic.AtomicReference<HttpResponse<byte[]>> last = new java.util.concurrent.atomic.AtomicReference<>();
    await(path + " on " + node.base + " answers " + status)
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> {
          last.set(node.get(path));
          return last.get().statusCode() == status;
        });
    return last.get();
  }
}
