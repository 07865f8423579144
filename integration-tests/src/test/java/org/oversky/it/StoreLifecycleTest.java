package org.oversky.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node's store across eviction and restart, seen through HTTP. */
class StoreLifecycleTest {
  WireMockServer origin;

  @BeforeEach
  void start() {
    origin = Origins.wireMock();
  }

  @AfterEach
  void stop() {
    origin.stop();
  }

  @Test
  void evictionUnderASmallBudgetKeepsTheStoreWithinIt(@TempDir Path dir) throws Exception {
    List<byte[]> bodies = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      byte[] b = Bytes.random(300_000, 100 + i);
      bodies.add(b);
      origin.stubFor(get("/b" + i).willReturn(aResponse().withBody(b)));
    }
    try (TestNode node = TestNode.start(dir, Map.of("store.disk-bytes", "1MiB"))) {
      for (int i = 0; i < bodies.size(); i++) {
        node.register(origin.baseUrl() + "/b" + i);
      }
      var stats = node.server.gateway().store().stats();
      assertTrue(stats.bytes() <= 1 << 20, "store holds " + stats.bytes() + " bytes");
      assertTrue(stats.evictions() >= 3, "evictions " + stats.evictions());
      int served = 0;
      for (byte[] b : bodies) {
        var r = node.get("/key/" + Bytes.sha256(b));
        if (r.statusCode() == 200) {
          assertArrayEquals(b, r.body());
          served++;
        } else {
          assertEquals(404, r.statusCode());
        }
      }
      assertEquals(stats.bodies(), served);
      String metrics = new String(node.get("/metrics").body(), StandardCharsets.UTF_8);
      assertTrue(metrics.contains("oversky_store_evictions_total " + (double) stats.evictions()), metrics);
    }
  }

  @Test
  void restartKeepsWhatWasStoredAndTheIdentity(@TempDir Path dir) throws Exception {
    byte[] large = Bytes.random(1_000_000, 9);
    byte[] small = "small".getBytes(StandardCharsets.UTF_8);
    origin.stubFor(get("/large").willReturn(aResponse().withBody(large)));
    origin.stubFor(get("/small").willReturn(aResponse().withBody(small)));
    String id;
    try (TestNode node = TestNode.start(dir)) {
      node.register(origin.baseUrl() + "/large");
      node.register(origin.baseUrl() + "/small");
      id = node.server.gateway().identity().nodeId();
    }
    try (TestNode again = TestNode.start(dir)) {
      assertEquals(id, again.server.gateway().identity().nodeId());
      assertArrayEquals(large, again.get("/key/" + Bytes.sha256(large)).body());
      assertArrayEquals(small, again.get("/key/" + Bytes.sha256(small)).body());
      assertEquals(2, again.server.gateway().store().stats().bodies());
    }
  }
}
