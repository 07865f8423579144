package org.oversky.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A site with several origins on real servers: a request goes on to the next origin when one
 * refuses the connection or answers 5xx, an origin that keeps failing is ejected (tried last),
 * and the status document shows each origin's health and latency.
 */
class OriginFailoverTest {
  private static HttpResponse<byte[]> get(TestNode node, String path) throws Exception {
    return TestNode.HTTP.send(HttpRequest.newBuilder(node.url(path)).header("Host", "multi.test").timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort(); // closed again: nothing listens there
    }
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> origins(TestNode node) throws Exception {
    return (List<Map<String, Object>>) ((Map<String, Object>) Jsons.parse(node.get("/api/v1/status").body()).get("origins")).get("multi.test");
  }

  @Test
  void aRefusedConnectionOrA5xxGoesOnToTheNextOriginAndAnOriginThatKeepsFailingIsEjected(@TempDir Path dir) throws Exception {
    byte[] body = Bytes.random(5_000, 21);
    WireMockServer failing = Origins.wireMock();
    WireMockServer backup = Origins.wireMock();
    failing.stubFor(WireMock.any(WireMock.anyUrl()).willReturn(WireMock.aResponse().withStatus(503).withBody("down")));
    backup.stubFor(WireMock.any(WireMock.anyUrl()).willReturn(WireMock.ok().withBody(body).withHeader("Cache-Control", "max-age=60")));
    String dead = "http://127.0.0.1:" + freePort();
    try (TestNode node = TestNode.start(dir, Map.of("sites",
        "multi.test=" + dead + "|" + failing.baseUrl() + "|" + backup.baseUrl()))) {
      HttpResponse<byte[]> first = get(node, "/a");
      assertEquals(200, first.statusCode(), "the refused connection, then the 503, then the backup");
      assertArrayEquals(body, first.body());
      assertEquals(1, failing.countRequestsMatching(WireMock.anyRequestedFor(WireMock.anyUrl()).build()).getCount());

      for (int i = 0; i < 4; i++) {
        assertEquals(200, get(node, "/b" + i).statusCode());
      }
      List<Map<String, Object>> after5 = origins(node);
      assertEquals(List.of(true, false, false), after5.stream().map(o -> o.get("ejected")).toList(),
          "five refusals in a row eject the first origin; only one of three may be out: " + after5);
      assertEquals(5, ((Number) after5.get(1).get("failures")).intValue());
      assertTrue(((Number) after5.get(2).get("latencyMillis")).doubleValue() >= 0, after5.toString());

      int before = failing.countRequestsMatching(WireMock.anyRequestedFor(WireMock.anyUrl()).build()).getCount();
      assertEquals(200, get(node, "/c").statusCode());
      assertEquals(before + 1, failing.countRequestsMatching(WireMock.anyRequestedFor(WireMock.anyUrl()).build()).getCount(),
          "the ejected origin is skipped: the 503 origin is asked first now");

      HttpResponse<byte[]> posted = TestNode.HTTP.send(HttpRequest.newBuilder(node.url("/form")).header("Host", "multi.test")
          .POST(HttpRequest.BodyPublishers.ofString("x=1")).build(), HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(503, posted.statusCode(), "a request with a body is never sent twice");
      String metrics = new String(node.get("/metrics").body(), java.nio.charset.StandardCharsets.UTF_8);
      assertTrue(metrics.contains("oversky_origin_ejected{origin=\"" + dead + "\",site=\"multi.test\"} 1.0"), metrics);
    } finally {
      failing.stop();
      backup.stop();
    }
  }

  @Test
  void activeChecksEjectAnOriginNoRequestHasReached(@TempDir Path dir) throws Exception {
    WireMockServer sick = Origins.wireMock();
    WireMockServer well = Origins.wireMock();
    sick.stubFor(WireMock.head(WireMock.urlEqualTo("/health")).willReturn(WireMock.aResponse().withStatus(500)));
    well.stubFor(WireMock.head(WireMock.urlEqualTo("/health")).willReturn(WireMock.aResponse().withStatus(204)));
    try (TestNode node = TestNode.start(dir, Map.of("sites",
        "multi.test=" + sick.baseUrl() + "+" + well.baseUrl() + ";check=/health;check-interval=100ms"))) {
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
          .until(() -> Boolean.TRUE.equals(origins(node).get(0).get("ejected")));
      List<Map<String, Object>> status = origins(node);
      assertEquals(false, status.get(1).get("ejected"), status.toString());
      assertTrue(((Number) status.get(1).get("requests")).intValue() >= 1, "the well origin was checked too: " + status);
      assertEquals(0, sick.countRequestsMatching(WireMock.getRequestedFor(WireMock.anyUrl()).build()).getCount(),
          "no client request reached the sick origin: the checks alone ejected it");
    } finally {
      sick.stop();
      well.stop();
    }
  }
}
