package org.oversky.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The access log in its two formats, written to a file by a real node for real requests. */
class AccessLogTest {
  private static List<String> lines(Path file, int atLeast) {
    return await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(file) ? Files.readAllLines(file) : List.<String>of(), l -> l.size() >= atLeast);
  }

  /** An origin with one page, cacheable for a minute. */
  private static WireMockServer origin() {
    WireMockServer origin = Origins.wireMock();
    origin.stubFor(get("/page").willReturn(aResponse().withHeader("Cache-Control", "max-age=60").withBody("the page")));
    return origin;
  }

  /** A node caching log.test from {@code origin}, logging to {@code log} in {@code format}. */
  private static TestNode node(Path dir, WireMockServer origin, Path log, String format) throws Exception {
    return TestNode.start(dir.resolve("node"), Map.of("sites", "log.test=" + origin.baseUrl(), "request-log", "true",
        "access-log.file", log.toString(), "access-log.format", format));
  }

  @Test
  void combinedLinesCarryTheCacheStatusTheDurationAndTheOriginsTime(@TempDir Path dir) throws Exception {
    WireMockServer origin = origin();
    Path log = dir.resolve("access.log");
    try (TestNode n = node(dir, origin, log, "combined")) {
      n.get("/page", "Host", "log.test", "User-Agent", "agent \"quoted\"");
      n.get("/page", "Host", "log.test", "Referer", "http://from.example/");
      List<String> lines = lines(log, 2);
      String miss = lines.get(0);
      assertTrue(miss.matches("127\\.0\\.0\\.1 - - \\[\\d\\d/\\w{3}/\\d{4}:\\d\\d:\\d\\d:\\d\\d \\+0000] \"GET /page HTTP/1\\.1\" 200 8 \"-\" "
          + "\"agent \\\\\"quoted\\\\\"\" \"oversky; fwd=uri-miss; stored\" \\d+ \\d+"), miss);
      String hit = lines.get(1);
      assertTrue(hit.matches(".*\"GET /page HTTP/1\\.1\" 200 8 \"http://from\\.example/\" \"[^\"]*\" \"oversky; hit; ttl=\\d+\" \\d+ -"), hit);
    } finally {
      origin.stop();
    }
  }

  @Test
  void jsonLinesAreOneObjectEach(@TempDir Path dir) throws Exception {
    WireMockServer origin = origin();
    Path log = dir.resolve("access.jsonl");
    try (TestNode n = node(dir, origin, log, "json")) {
      n.get("/page", "Host", "log.test");
      n.get("/page", "Host", "log.test");
      List<String> lines = lines(log, 2);
      Map<String, Object> miss = Jsons.parse(lines.get(0).getBytes(java.nio.charset.StandardCharsets.UTF_8));
      assertEquals("GET", miss.get("method"));
      assertEquals("log.test", miss.get("host"));
      assertEquals("/page", miss.get("target"));
      assertEquals(200, ((Number) miss.get("status")).intValue());
      assertEquals(8, ((Number) miss.get("bytes")).intValue());
      assertTrue(miss.get("upstreamMs") instanceof Number, "a miss went to the origin: " + miss);
      assertTrue(((String) miss.get("cacheStatus")).contains("fwd=uri-miss"), miss.toString());
      Map<String, Object> hit = Jsons.parse(lines.get(1).getBytes(java.nio.charset.StandardCharsets.UTF_8));
      assertEquals(null, hit.get("upstreamMs"), "a hit asked no origin: " + hit);
    } finally {
      origin.stop();
    }
  }
}
