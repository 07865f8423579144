package org.oversky.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nodes of two regions keep a site's address records current in a real BIND 9 primary with
 * signed RFC 2136 updates, one updater per region, checked with dig: the records come to name
 * the routable nodes (and lose a stale one of the region), a node taken down leaves them, a node
 * that joins enters them, and when the updater itself goes, the region's next node takes over.
 * The times (from the view's verdict to the record) are printed, not asserted.
 */
class DnsUpdateTest {
  private static final String NAME = "site-test.cdn.test";

  private static Map<String, String> node(String ip, String region, Path zones, Bind bind, String bootstrap) {
    Map<String, String> s = new HashMap<>(Map.of("listen", ip + ":0", "node.region", region, "routing.region-map", zones.toString(),
        "sites", "site.test=http://127.0.0.1:9", "dns.update-server", "127.0.0.1:" + bind.port, "dns.update-zone", "cdn.test",
        "dns.update-key", bind.keyFile.toString()));
    if (bootstrap != null) {
      s.put("dht.bootstrap", bootstrap);
    }
    return s;
  }


  @SuppressWarnings("unchecked")
  private static Map<String, Object> update(TestNode n) throws Exception {
    Map<String, Object> dns = (Map<String, Object>) Jsons.parse(n.get("/api/v1/status").body()).get("dns");
    return (Map<String, Object>) dns.get("update");
  }

  private static long since(long t0) {
    return System.nanoTime() / 1_000_000 - t0;
  }

  @Test
  void eachRegionsUpdaterKeepsTheSitesRecordsAtTheRealPrimaryCurrent(@TempDir Path dir) throws Exception {
    Path zones = Files.writeString(dir.resolve("zones.json"),
        "{\"coverageZones\": {\"eu\": {\"network\": [\"127.0.1.0/24\"]}, \"us\": {\"network\": [\"127.0.2.0/24\"]}}}");
    try (Bind bind = Bind.start(dir.resolve("bind"), "cdn.test", "oversky-update", List.of("site-test IN A 127.0.1.9"))) {
      TestNode a = TestNode.start(dir.resolve("a"), node("127.0.1.1", "eu", zones, bind, null));
      TestNode b = TestNode.start(dir.resolve("b"), node("127.0.1.2", "eu", zones, bind, a.base.toString()));
      TestNode c = TestNode.start(dir.resolve("c"), node("127.0.2.1", "us", zones, bind, a.base.toString()));
      TestNode d = null;
      try {
        await("the records name the three nodes, the stale eu address gone").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
            .until(() -> bind.addresses(NAME).equals(List.of("127.0.1.1", "127.0.1.2", "127.0.2.1")));
        await("127.0.1.2 stands aside once it sees 127.0.1.1, the lowest URL of eu, up").atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(250)).until(() -> update(b).get("updating").equals(false));
        assertEquals(true, update(a).get("updating"), update(a).toString());
        assertEquals(true, update(c).get("updating"), "us elects its own: " + update(c));
        assertEquals(a.base.toString(), update(b).get("regionUpdater"));

        long stopped = System.nanoTime() / 1_000_000;
        b.close();
        await("127.0.1.2 is down in the view").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
            .until(() -> a.stateOf(b).equals("down"));
        long down = System.nanoTime() / 1_000_000;
        await("a dead node leaves the records").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
            .until(() -> bind.addresses(NAME).equals(List.of("127.0.1.1", "127.0.2.1")));
        System.out.printf("dns-update: a stopped node was down in the view after %d ms and left DNS %d ms after that%n",
            down - stopped, since(down));

        long started = System.nanoTime() / 1_000_000;
        d = TestNode.start(dir.resolve("d"), node("127.0.1.3", "eu", zones, bind, a.base.toString()));
        TestNode joined = d;
        await("127.0.1.3 is up in the view").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
            .until(() -> a.stateOf(joined).equals("up"));
        long up = System.nanoTime() / 1_000_000;
        await("a node that joins enters the records").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
            .until(() -> bind.addresses(NAME).equals(List.of("127.0.1.1", "127.0.1.3", "127.0.2.1")));
        System.out.printf("dns-update: a joining node was in DNS %d ms after its start (the updater's view saw it up after %d ms)%n",
            since(started), up - started);

        a.close();
        await("the region's next node takes over and removes the old updater").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
            .until(() -> bind.addresses(NAME).equals(List.of("127.0.1.3", "127.0.2.1")));
        assertEquals(true, update(d).get("updating"), update(d).toString());
        assertTrue(((Number) update(d).get("updates")).longValue() >= 1, update(d).toString());
        assertTrue(bind.log().contains("update"), "named logged the updates");
      } finally {
        for (TestNode n : new TestNode[] {a, b, c, d}) {
          if (n != null) {
            n.close();
          }
        }
      }
    }
  }
}
