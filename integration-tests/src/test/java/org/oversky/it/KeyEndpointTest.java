package org.oversky.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code GET|HEAD /key/<sha256>} of bodies registered from a WireMock origin: headers, ranges, conditionals. */
class KeyEndpointTest {
  static WireMockServer origin;
  static TestNode node;
  static byte[] large = Bytes.random(300_000, 1);
  static byte[] small = "a small body, kept inline".getBytes(StandardCharsets.UTF_8);
  static String largeKey;
  static String smallKey;

  @BeforeAll
  static void start(@TempDir Path dir) throws Exception {
    origin = Origins.wireMock();
    origin.stubFor(get("/large.bin").willReturn(aResponse().withHeader("Content-Type", "application/x-test").withBody(large)));
    origin.stubFor(get("/small.txt").willReturn(aResponse().withHeader("Content-Type", "text/plain").withBody(small)));
    // A hot tier smaller than the large body, so it is served from its file.
    node = TestNode.start(dir, Map.of("store.hot-max-object", "64KiB"));
    largeKey = (String) node.register(origin.baseUrl() + "/large.bin").get("key");
    smallKey = (String) node.register(origin.baseUrl() + "/small.txt").get("key");
  }

  @AfterAll
  static void stop() throws Exception {
    node.close();
    origin.stop();
  }

  @Test
  void registeredBodyIsServedByItsSha256WithContentAddressedHeaders() throws Exception {
    assertEquals(Bytes.sha256(large), largeKey);
    HttpResponse<byte[]> r = node.get("/key/" + largeKey);
    assertEquals(200, r.statusCode());
    assertArrayEquals(large, r.body());
    assertEquals("\"" + largeKey + "\"", header(r, "ETag"));
    assertEquals("public, max-age=31536000, immutable", header(r, "Cache-Control"));
    String b64 = Base64.getEncoder().encodeToString(HexFormat.of().parseHex(largeKey));
    assertEquals("sha-256=:" + b64 + ":", header(r, "Repr-Digest"));
    assertEquals("application/x-test", header(r, "Content-Type"));
    assertEquals("bytes", header(r, "Accept-Ranges"));
    assertEquals(String.valueOf(large.length), header(r, "Content-Length"));
    origin.verify(1, getRequestedFor(urlEqualTo("/large.bin")));
  }

  @Test
  void smallBodyFromTheHeapTierIsServedTheSame() throws Exception {
    HttpResponse<byte[]> r = node.get("/key/" + smallKey);
    assertEquals(200, r.statusCode());
    assertArrayEquals(small, r.body());
    assertEquals("text/plain", header(r, "Content-Type"));
  }

  @Test
  void headAnswersHeadersWithoutBody() throws Exception {
    HttpResponse<byte[]> r = node.head("/key/" + largeKey);
    assertEquals(200, r.statusCode());
    assertEquals(0, r.body().length);
    assertEquals(String.valueOf(large.length), header(r, "Content-Length"));
    assertEquals("\"" + largeKey + "\"", header(r, "ETag"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"\"%s\"", "W/\"%s\"", "*", "\"other\", \"%s\""})
  void ifNoneMatchWithTheKeyGives304(String pattern) throws Exception {
    HttpResponse<byte[]> r = node.get("/key/" + largeKey, "If-None-Match", pattern.replace("%s", largeKey));
    assertEquals(304, r.statusCode());
    assertEquals(0, r.body().length);
    assertEquals("\"" + largeKey + "\"", header(r, "ETag"));
  }

  @Test
  void ifNoneMatchWithAnotherTagGivesTheBody() throws Exception {
    HttpResponse<byte[]> r = node.get("/key/" + largeKey, "If-None-Match", "\"" + smallKey + "\"");
    assertEquals(200, r.statusCode());
    assertArrayEquals(large, r.body());
  }

  @Test
  void singleRangeGives206WithContentRange() throws Exception {
    for (String key : new String[] {largeKey, smallKey}) {
      byte[] body = key.equals(largeKey) ? large : small;
      HttpResponse<byte[]> r = node.get("/key/" + key, "Range", "bytes=3-12");
      assertEquals(206, r.statusCode());
      assertArrayEquals(Arrays.copyOfRange(body, 3, 13), r.body());
      assertEquals("bytes 3-12/" + body.length, header(r, "Content-Range"));
    }
  }

  @Test
  void suffixAndOpenRanges() throws Exception {
    HttpResponse<byte[]> suffix = node.get("/key/" + largeKey, "Range", "bytes=-100");
    assertEquals(206, suffix.statusCode());
    assertArrayEquals(Arrays.copyOfRange(large, large.length - 100, large.length), suffix.body());
    HttpResponse<byte[]> open = node.get("/key/" + largeKey, "Range", "bytes=299000-");
    assertEquals(206, open.statusCode());
    assertArrayEquals(Arrays.copyOfRange(large, 299_000, large.length), open.body());
  }

  @Test
  void severalRangesGiveAMultipartByterangesBody() throws Exception {
    for (String key : new String[] {largeKey, smallKey}) {
      byte[] body = key.equals(largeKey) ? large : small;
      HttpResponse<byte[]> r = node.get("/key/" + key, "Range", "bytes=0-1,5-7");
      assertEquals(206, r.statusCode());
      String type = header(r, "Content-Type");
      assertTrue(type.startsWith("multipart/byteranges; boundary="), type);
      String boundary = type.substring(type.indexOf('=') + 1);
      String text = new String(r.body(), StandardCharsets.ISO_8859_1);
      String[] parts = text.split("--" + boundary);
      assertEquals(4, parts.length, text); // preamble, two parts, closing "--"
      assertTrue(parts[1].contains("Content-Range: bytes 0-1/" + body.length));
      assertTrue(parts[1].endsWith(new String(body, 0, 2, StandardCharsets.ISO_8859_1) + "\r\n"));
      assertTrue(parts[2].contains("Content-Range: bytes 5-7/" + body.length));
      assertTrue(parts[2].endsWith(new String(body, 5, 3, StandardCharsets.ISO_8859_1) + "\r\n"));
      assertEquals(String.valueOf(r.body().length), header(r, "Content-Length"));
    }
  }

  @Test
  void rangesAcrossTheFileWindowsOfABigBody() throws Exception {
    byte[] big = Bytes.random(20 << 20, 11); // several 8 MiB mapping windows
    origin.stubFor(get("/big.bin").willReturn(aResponse().withBody(big)));
    String key = (String) node.register(origin.baseUrl() + "/big.bin").get("key");
    assertArrayEquals(big, node.get("/key/" + key).body());
    int from = (8 << 20) - 1000;
    int to = (16 << 20) + 1000;
    HttpResponse<byte[]> r = node.get("/key/" + key, "Range", "bytes=" + from + "-" + to);
    assertEquals(206, r.statusCode());
    assertArrayEquals(Arrays.copyOfRange(big, from, to + 1), r.body());
    HttpResponse<byte[]> multi = node.get("/key/" + key, "Range", "bytes=0-9," + (17 << 20) + "-" + ((17 << 20) + 9));
    assertEquals(206, multi.statusCode());
    String text = new String(multi.body(), StandardCharsets.ISO_8859_1);
    assertTrue(text.contains(new String(Arrays.copyOfRange(big, 17 << 20, (17 << 20) + 10), StandardCharsets.ISO_8859_1)));
  }

  @Test
  void unsatisfiableRangeGives416WithTheSize() throws Exception {
    HttpResponse<byte[]> r = node.get("/key/" + largeKey, "Range", "bytes=400000-500000");
    assertEquals(416, r.statusCode());
    assertEquals("bytes */" + large.length, header(r, "Content-Range"));
    assertEquals("application/problem+json", header(r, "Content-Type"));
  }

  @Test
  void ifRangeWithAnotherValidatorGivesTheWholeBody() throws Exception {
    HttpResponse<byte[]> r = node.get("/key/" + largeKey, "Range", "bytes=0-9", "If-Range", "\"stale\"");
    assertEquals(200, r.statusCode());
    assertArrayEquals(large, r.body());
    HttpResponse<byte[]> same = node.get("/key/" + largeKey, "Range", "bytes=0-9", "If-Range", "\"" + largeKey + "\"");
    assertEquals(206, same.statusCode());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "not-a-key",
        "ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789",
        "0123456789abcdef",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef/extra",
        "%00%00"
      })
  void malformedKeysGive400Problems(String key) throws Exception {
    HttpResponse<byte[]> r = node.get("/key/" + key);
    assertEquals(400, r.statusCode());
    assertEquals("application/problem+json", header(r, "Content-Type"));
    Map<String, Object> problem = Jsons.parse(r.body());
    assertEquals(400, problem.get("status"));
    assertTrue(((String) problem.get("type")).startsWith("urn:oversky:problem:"), problem.toString());
  }

  @Test
  void unknownKeyGives404Problem() throws Exception {
    HttpResponse<byte[]> r = node.get("/key/" + "0".repeat(64));
    assertEquals(404, r.statusCode());
    assertEquals("urn:oversky:problem:key-not-found", Jsons.parse(r.body()).get("type"));
  }

  @Test
  void otherMethodsGive405() throws Exception {
    HttpResponse<byte[]> r = node.post("/key/" + largeKey, "{}");
    assertEquals(405, r.statusCode());
    // nothing stored was touched
    assertArrayEquals(large, node.get("/key/" + largeKey).body());
  }

  static String header(HttpResponse<?> r, String name) {
    return r.headers().firstValue(name).orElse(null);
  }
}
