package org.oversky.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.temporaryRedirect;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.Fault;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.SimpleFileServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code POST /api/v1/register}: from real origins, and every refusal of the outbound policy. */
class RegisterTest {
  static WireMockServer origin;
  static HttpServer files;
  static Path filesDir;
  static TestNode node;

  @BeforeAll
  static void start(@TempDir Path dir) throws Exception {
    origin = Origins.wireMock();
    filesDir = Files.createDirectories(dir.resolve("files"));
    files =
        SimpleFileServer.createFileServer(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), filesDir, SimpleFileServer.OutputLevel.NONE);
    files.start();
    node =
        TestNode.start(
            dir.resolve("node"), Map.of("fetch.max-body", "100KiB", "fetch.read-timeout", "700ms", "fetch.max-redirects", "2"));
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
    files.stop(0);
    origin.stop();
  }

  static String filesUrl(String name) {
    return "http://127.0.0.1:" + files.getAddress().getPort() + "/" + name;
  }

  @Test
  void registerFromAStaticFileServerAnswers201WithKeySizeTypeAndIntegrity() throws Exception {
    byte[] body = Bytes.random(50_000, 7);
    Files.write(filesDir.resolve("page.html"), body);
    HttpResponse<byte[]> r = node.post("/api/v1/register", Jsons.location(filesUrl("page.html")));
    assertEquals(201, r.statusCode(), new String(r.body()));
    Map<String, Object> json = Jsons.parse(r.body());
    String key = Bytes.sha256(body);
    assertEquals(key, json.get("key"));
    assertEquals(body.length, ((Number) json.get("size")).intValue());
    assertEquals("text/html", json.get("contentType"));
    assertEquals("sha256-" + Base64.getEncoder().encodeToString(HexFormat.of().parseHex(key)), json.get("integrity"));
    assertEquals("/key/" + key, json.get("url"));
    assertEquals("/key/" + key, r.headers().firstValue("Location").orElseThrow());
    assertArrayEquals(body, node.get("/key/" + key).body());
  }

  @Test
  void redirectsAreFollowedAndTheFinalBodyStored() throws Exception {
    origin.stubFor(get("/moved").willReturn(temporaryRedirect(origin.baseUrl() + "/target")));
    origin.stubFor(get("/target").willReturn(aResponse().withBody("the target")));
    Map<String, Object> json = node.register(origin.baseUrl() + "/moved");
    assertEquals(Bytes.sha256("the target".getBytes()), json.get("key"));
  }

  @Test
  void tooManyRedirectsAre502() throws Exception {
    origin.stubFor(get("/loop").willReturn(temporaryRedirect(origin.baseUrl() + "/loop")));
    assertProblem(node.post("/api/v1/register", Jsons.location(origin.baseUrl() + "/loop")), 502);
  }

  @Test
  void originErrorStatusIs502AndNothingIsStored() throws Exception {
    origin.stubFor(get("/missing").willReturn(aResponse().withStatus(404).withBody("no")));
    long before = storedBodies();
    Map<String, Object> p = assertProblem(node.post("/api/v1/register", Jsons.location(origin.baseUrl() + "/missing")), 502);
    assertEquals("urn:oversky:problem:origin-status", p.get("type"));
    assertEquals(before, storedBodies());
  }

  @Test
  void unreachableOriginIs502() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    Map<String, Object> p = assertProblem(node.post("/api/v1/register", Jsons.location("http://127.0.0.1:" + closed + "/x")), 502);
    assertEquals("urn:oversky:problem:origin-unreachable", p.get("type"));
  }

  @Test
  void slowOriginTimesOutWith504() throws Exception {
    origin.stubFor(get("/slow").willReturn(aResponse().withBody("late").withFixedDelay(3000)));
    assertProblem(node.post("/api/v1/register", Jsons.location(origin.baseUrl() + "/slow")), 504);
  }

  @Test
  void brokenConnectionMidBodyStoresNothing() throws Exception {
    origin.stubFor(get("/broken").willReturn(aResponse().withFault(Fault.RANDOM_DATA_THEN_CLOSE)));
    long before = storedBodies();
    HttpResponse<byte[]> r = node.post("/api/v1/register", Jsons.location(origin.baseUrl() + "/broken"));
    assertEquals(502, r.statusCode());
    assertEquals(before, storedBodies());
    assertTempDirEmpty();
  }

  @Test
  void bodyOverTheSizeLimitIs413AndLeavesNothingBehind() throws Exception {
    Files.write(filesDir.resolve("big.bin"), Bytes.random(200_000, 3));
    origin.stubFor(get("/big-chunked").willReturn(aResponse().withBody(Bytes.random(200_000, 4)).withChunkedDribbleDelay(2, 10)));
    long before = storedBodies();
    assertProblem(node.post("/api/v1/register", Jsons.location(filesUrl("big.bin"))), 413);
    // without a Content-Length the limit is enforced while streaming
    assertProblem(node.post("/api/v1/register", Jsons.location(origin.baseUrl() + "/big-chunked")), 413);
    assertEquals(before, storedBodies());
    assertTempDirEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"ftp://127.0.0.1/x", "file:///etc/passwd", "relative/path", "http://", "http://exa mple.com/", ""})
  void unusableLocationsAre400(String location) throws Exception {
    assertProblem(node.post("/api/v1/register", Jsons.location(location)), 400);
  }

  @ParameterizedTest
  @ValueSource(strings = {"not json", "{\"url\": \"http://x\"}", "{\"location\": 5}", "[]", "null"})
  void malformedRequestsAre400(String body) throws Exception {
    assertProblem(node.post("/api/v1/register", body), 400);
  }

  @Test
  void registerTakesOnlyPost() throws Exception {
    assertProblem(node.get("/api/v1/register"), 405);
  }

  @Test
  void aDefaultNodeRefusesLoopbackAndPrivateTargets(@TempDir Path dir) throws Exception {
    try (TestNode strict = TestNode.start(dir, Map.of("allow-private-origins", "false"))) {
      for (String target :
          new String[] {
            origin.baseUrl() + "/x", // 127.0.0.1
            "http://localhost:" + origin.port() + "/x",
            "http://[::1]:" + origin.port() + "/x",
            "http://10.1.2.3/x",
            "http://192.168.0.1/x",
            "http://169.254.169.254/latest/meta-data/",
            "http://0.0.0.0:" + origin.port() + "/x",
            "http://[::ffff:127.0.0.1]:" + origin.port() + "/x"
          }) {
        Map<String, Object> p = assertProblem(strict.post("/api/v1/register", Jsons.location(target)), 403);
        assertEquals("urn:oversky:problem:private-origin-refused", p.get("type"), target);
        assertTrue(((String) p.get("detail")).contains("--allow-private-origins"), target);
      }
    }
  }

  private static Map<String, Object> assertProblem(HttpResponse<byte[]> r, int status) {
    assertEquals(status, r.statusCode(), new String(r.body()));
    assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElse(""));
    Map<String, Object> p = Jsons.parse(r.body());
    assertEquals(status, p.get("status"));
    assertTrue(!((String) p.get("detail")).isBlank());
    return p;
  }

  private static long storedBodies() {
    return node.server.gateway().store().stats().bodies();
  }

  private static void assertTempDirEmpty() throws Exception {
    try (Stream<Path> temp = Files.list(node.data.resolve("store").resolve("tmp"))) {
      assertEquals(0, temp.count());
    }
  }
}
