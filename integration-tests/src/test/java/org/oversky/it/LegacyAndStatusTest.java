package org.oversky.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The original {@code oversky.php} actions, the status endpoints and errors Jetty itself raises. */
class LegacyAndStatusTest {
  static WireMockServer origin;
  static TestNode node;
  static final byte[] BODY = "legacy body".getBytes(StandardCharsets.UTF_8);

  @BeforeAll
  static void start(@TempDir Path dir) throws Exception {
    origin = Origins.wireMock();
    origin.stubFor(get("/legacy.txt").willReturn(aResponse().withHeader("Content-Type", "text/plain").withBody(BODY)));
    node = TestNode.start(dir);
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
    origin.stop();
  }

  @Test
  void legacyRegisterAndGetBehaveLikeTheApi() throws Exception {
    String location = URLEncoder.encode(origin.baseUrl() + "/legacy.txt", StandardCharsets.UTF_8);
    HttpResponse<byte[]> reg = node.get("/oversky.php?action=register&location=" + location);
    assertEquals(201, reg.statusCode(), new String(reg.body()));
    String key = (String) Jsons.parse(reg.body()).get("key");
    assertEquals(Bytes.sha256(BODY), key);

    HttpResponse<byte[]> redirect = node.get("/oversky.php?action=get&key=" + key);
    assertEquals(302, redirect.statusCode());
    assertTrue(redirect.headers().firstValue("Location").orElseThrow().endsWith("/key/" + key));

    HttpClient following = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();
    HttpResponse<byte[]> got =
        following.send(HttpRequest.newBuilder(node.url("/oversky.php?action=get&key=" + key)).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, got.statusCode());
    assertArrayEquals(BODY, got.body());
  }

  /** The dashboard's history: a sample every 10 s of each series (empty until the first 10 s have passed). */
  @Test
  @SuppressWarnings("unchecked")
  void historyListsTheDashboardSeries() throws Exception {
    HttpResponse<byte[]> r = node.get("/api/v1/history");
    assertEquals(200, r.statusCode());
    Map<String, Object> h = Jsons.parse(r.body());
    assertEquals(10, ((Number) h.get("stepSeconds")).intValue());
    Map<String, Object> series = (Map<String, Object>) h.get("series");
    assertEquals(List.of("requests", "bytesSent", "hits", "peerFills", "originFills", "bytesFromPeers", "originErrors", "originLatencyMs",
        "bytesFromOrigins"),
        List.copyOf(series.keySet()));
    assertEquals(((List<?>) h.get("times")).size(), ((List<?>) series.get("requests")).size(), "a value of each series for each time");
  }

  @Test
  void legacyGetWithABadKeyIs400() throws Exception {
    assertEquals(400, node.get("/oversky.php?action=get&key=xyz").statusCode());
  }

  @Test
  @SuppressWarnings("unchecked")
  void legacySetupReturnsTheSanityChecks() throws Exception {
    HttpResponse<byte[]> r = node.get("/oversky.php?action=setup");
    assertEquals(200, r.statusCode());
    Map<String, Object> json = Jsons.parse(r.body());
    assertEquals(true, json.get("ok"));
    List<Map<String, Object>> checks = (List<Map<String, Object>>) json.get("checks");
    assertTrue(checks.stream().anyMatch(c -> c.get("name").equals("data directory") && c.get("ok").equals(true)));
  }

  @Test
  void hostDiscoveryOfAHostThatIsNoNodeIs502AndOfNoHost400() throws Exception {
    HttpResponse<byte[]> r = node.get("/oversky.php?action=hostdiscovery&host=http://127.0.0.1:1");
    assertEquals(502, r.statusCode());
    assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElse(""));
    assertTrue(new String(r.body(), java.nio.charset.StandardCharsets.UTF_8).contains("host-unreachable"));
    assertEquals(400, node.get("/oversky.php?action=hostdiscovery").statusCode());
  }

  @Test
  void unknownOrMissingActionIs400() throws Exception {
    assertEquals(400, node.get("/oversky.php?action=explode").statusCode());
    assertEquals(400, node.get("/oversky.php").statusCode());
  }

  @Test
  @SuppressWarnings("unchecked")
  void statusNamesTheNodeAndItsStore() throws Exception {
    HttpResponse<byte[]> r = node.get("/api/v1/status");
    assertEquals(200, r.statusCode());
    Map<String, Object> s = Jsons.parse(r.body());
    assertTrue(((String) s.get("nodeId")).matches("[0-9a-f]{64}"));
    assertEquals(node.base.toString(), s.get("publicUrl"));
    assertTrue(s.containsKey("version") && s.containsKey("uptimeSeconds"));
    Map<String, Object> store = (Map<String, Object>) s.get("store");
    assertEquals(node.server.gateway().store().stats().bodies(), ((Number) store.get("bodies")).longValue());
  }

  @Test
  void healthzAndStatusPage() throws Exception {
    assertEquals("ok\n", new String(node.get("/healthz").body(), StandardCharsets.UTF_8));
    HttpResponse<byte[]> page = node.get("/");
    assertEquals(200, page.statusCode());
    assertTrue(new String(page.body(), StandardCharsets.UTF_8).contains(node.server.gateway().identity().nodeId()));
  }

  @Test
  void metricsCountRequestsByRouteAndOutcome() throws Exception {
    node.get("/key/" + "1".repeat(64)); // a 404
    String text = new String(node.get("/metrics").body(), StandardCharsets.UTF_8);
    assertTrue(text.contains("oversky_requests_seconds_count{outcome=\"client_error\",route=\"key\"}"), text);
    assertTrue(text.contains("oversky_requests_seconds_bucket{"), "latency histogram");
    assertTrue(text.contains("oversky_store_bytes "), text);
    assertTrue(text.contains("oversky_store_evictions_total "), text);
    assertTrue(text.contains("jvm_memory_used_bytes"), text);
  }

  @Test
  void unknownPathsAre404Problems() throws Exception {
    HttpResponse<byte[]> r = node.get("/nothing/here");
    assertEquals(404, r.statusCode());
    assertEquals("urn:oversky:problem:no-route", Jsons.parse(r.body()).get("type"));
  }

  @Test
  void hugeHeadersAre431Problems() throws Exception {
    HttpResponse<byte[]> r = node.get("/healthz", "X-Huge", "x".repeat(40_000));
    assertEquals(431, r.statusCode());
    assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElse(""));
  }
}
