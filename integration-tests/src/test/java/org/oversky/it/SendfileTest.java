package org.oversky.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stored bodies sent from their files ({@code http.sendfile}): on clear-text HTTP/1.1 the bytes go
 * with {@code sendfile} (counted by {@code oversky.http.sendfile.bytes}) and are the body's, whole
 * or a range, from a body read from disk or one resident in memory; over h2c, or with the setting
 * off, they are copied as before; a body whose file is gone is still served from its mapping.
 */
class SendfileTest {
  static final int SIZE = 300_000;

  WireMockServer origin;
  TestNode node;
  byte[] body;
  String key;

  @BeforeEach
  void start() {
    origin = Origins.wireMock();
    body = Bytes.random(SIZE, 7);
    origin.stubFor(get("/body.bin").willReturn(aResponse().withBody(body)));
  }

  @AfterEach
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    origin.stop();
  }

  /** A node whose hot tier is smaller than the body, so the body lives in its own file. */
  private void startNode(Path dir, String sendfile) throws Exception {
    node = TestNode.start(dir, Map.of("store.hot-max-object", "64KiB", "http.sendfile", sendfile));
    key = (String) node.register(origin.baseUrl() + "/body.bin").get("key");
  }

  private double counted(String name) {
    return node.server.gateway().metrics().registry().get(name).functionCounter().count();
  }

  @Test
  void http11BodiesAndRangesGoFromTheirFiles(@TempDir Path dir) throws Exception {
    startNode(dir, "true");
    for (int hit = 0; hit < 3; hit++) { // the first from disk, the next from the resident mapping
      double before = counted("oversky.http.sendfile.bytes");
      HttpResponse<byte[]> r = node.get("/key/" + key);
      assertEquals(200, r.statusCode());
      assertArrayEquals(body, r.body());
      assertEquals(SIZE, counted("oversky.http.sendfile.bytes") - before, "hit " + hit);
    }
    double before = counted("oversky.http.sendfile.bytes");
    HttpResponse<byte[]> range = node.get("/key/" + key, "Range", "bytes=123457-200000");
    assertEquals(206, range.statusCode());
    assertArrayEquals(Arrays.copyOfRange(body, 123_457, 200_001), range.body());
    assertEquals(200_000 - 123_457 + 1, counted("oversky.http.sendfile.bytes") - before);
    assertEquals(0, counted("oversky.http.sendfile.fallbacks"));
  }

  @Test
  void h2cAndTheSettingOffCopyTheBytes(@TempDir Path dir) throws Exception {
    startNode(dir.resolve("on"), "true");
    Path out = dir.resolve("h2c.bin");
    Process curl = new ProcessBuilder("curl", "-sS", "--http2-prior-knowledge", "-o", out.toString(), "-w", "%{http_version}",
        node.url("/key/" + key).toString()).redirectErrorStream(true).start();
    String version = new String(curl.getInputStream().readAllBytes()).trim();
    assertEquals(0, curl.waitFor(), version);
    assertEquals("2", version);
    assertArrayEquals(body, Files.readAllBytes(out));
    assertEquals(0, counted("oversky.http.sendfile.bytes"), "an HTTP/2 stream's bytes are framed: copied");
    node.close();
    node = null;

    startNode(dir.resolve("off"), "false");
    assertArrayEquals(body, node.get("/key/" + key).body());
    assertArrayEquals(body, node.get("/key/" + key).body());
    assertEquals(0, counted("oversky.http.sendfile.bytes"));
  }

  @Test
  void aBodyWhoseFileIsGoneIsServedFromItsMapping(@TempDir Path dir) throws Exception {
    startNode(dir, "true");
    assertArrayEquals(body, node.get("/key/" + key).body()); // maps it; its pages are in memory
    Files.delete(dir.resolve("store").resolve("bodies").resolve(key.substring(0, 2)).resolve(key.substring(2)));
    HttpResponse<byte[]> r = node.get("/key/" + key);
    assertEquals(200, r.statusCode());
    assertArrayEquals(body, r.body());
    assertEquals(1, counted("oversky.http.sendfile.fallbacks"));
  }
}
