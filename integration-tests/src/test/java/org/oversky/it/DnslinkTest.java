package org.oversky.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DNSLink-style hosts against a real BIND 9 as the resolver: a host's {@code _dnslink} TXT record
 * names the content key of its root, which the node serves with the record's TTL as max-age,
 * follows when the record changes (once the TTL has passed on the node's clock), keeps when DNS
 * fails, and forgets when the record is gone.
 */
class DnslinkTest {
  private static String sha256(String body) throws Exception {
    return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(body.getBytes(StandardCharsets.UTF_8)));
  }

  private static String text(HttpResponse<byte[]> r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  /** Changes the TXT record of {@code name} with BIND's own nsupdate, signed with the zone's key. */
  private static void setTxt(Bind bind, String name, String value) throws Exception {
    Bind.need("nsupdate", "dnsutils");
    String script = "server 127.0.0.1 " + bind.port + "\nzone test\nupdate delete " + name + " TXT\nupdate add " + name + " 30 TXT \""
        + value + "\"\nsend\n";
    Process p = new ProcessBuilder("nsupdate", "-k", bind.keyFile.toString()).redirectErrorStream(true).start();
    p.getOutputStream().write(script.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "nsupdate: " + new String(p.getInputStream().readAllBytes()));
  }

  @Test
  void aDnslinkHostServesTheKeyItsRecordNamesForTheRecordsTtl(@TempDir Path dir) throws Exception {
    String v1 = "<h1>docs v1</h1>";
    String v2 = "<h1>docs v2</h1>";
    WireMockServer origin = Origins.wireMock();
    origin.stubFor(get(urlEqualTo("/v1.html")).willReturn(aResponse().withHeader("Content-Type", "text/html").withBody(v1)));
    origin.stubFor(get(urlEqualTo("/v2.html")).willReturn(aResponse().withHeader("Content-Type", "text/html").withBody(v2)));
    TestClock clock = new TestClock();
    try (Bind bind = Bind.start(dir.resolve("bind"), "test", "docs-owner", List.of(
            "_dnslink.docs 30 IN TXT \"dnslink=/key/" + sha256(v1) + "\"",
            "_dnslink.bad 30 IN TXT \"dnslink=/ipfs/QmNotOurs\"",
            "_dnslink.a.pages 30 IN TXT \"dnslink=/key/" + sha256(v2) + "\""));
        TestNode node = TestNode.start(dir.resolve("n"), Map.of("dnslink.hosts", "docs.test,bad.test,*.pages.test",
            "dnslink.resolver", "127.0.0.1:" + bind.port, "sites", "site.test=http://127.0.0.1:9"), clock)) {
      assertEquals(sha256(v1), node.register(origin.baseUrl() + "/v1.html").get("key"));
      assertEquals(sha256(v2), node.register(origin.baseUrl() + "/v2.html").get("key"));

      HttpResponse<byte[]> root = node.get("/", "Host", "docs.test");
      assertEquals(200, root.statusCode(), text(root));
      assertEquals(v1, text(root));
      assertEquals("public, max-age=30", root.headers().firstValue("Cache-Control").orElse(""), "the record's TTL");
      assertEquals("\"" + sha256(v1) + "\"", root.headers().firstValue("ETag").orElse(""));
      assertEquals("/key/" + sha256(v1), root.headers().firstValue("Oversky-Dnslink").orElse(""));
      assertTrue(root.headers().firstValue("Content-Security-Policy").isEmpty(), "the host's owner chose this body: no sandbox");

      clock.advance(Duration.ofSeconds(12));
      assertEquals("public, max-age=18", node.get("/", "Host", "docs.test").headers().firstValue("Cache-Control").orElse(""),
          "what is left of the TTL");
      setTxt(bind, "_dnslink.docs.test", "dnslink=/key/" + sha256(v2));
      assertEquals(v1, text(node.get("/", "Host", "docs.test")), "the old mapping holds while its TTL lasts");
      clock.advance(Duration.ofSeconds(20));
      assertEquals(v2, text(node.get("/", "Host", "docs.test")), "then the new record is read");

      assertEquals(v2, text(node.get("/", "Host", "a.pages.test")), "a wildcard host");
      HttpResponse<byte[]> other = node.get("/x.html", "Host", "other.test");
      assertEquals(421, other.statusCode(), "a host not accepted this way is not served: " + text(other));
      HttpResponse<byte[]> bad = node.get("/", "Host", "bad.test");
      assertEquals(404, bad.statusCode());
      assertTrue(text(bad).contains("not dnslink=/key/"), text(bad));
      HttpResponse<byte[]> none = node.get("/", "Host", "b.pages.test");
      assertEquals(404, none.statusCode());
      assertTrue(text(none).contains("_dnslink.b.pages.test. does not exist"), text(none));
      HttpResponse<byte[]> path = node.get("/other.html", "Host", "docs.test");
      assertEquals(404, path.statusCode());
      assertTrue(text(path).contains("dnslink-path"), text(path));
      HttpResponse<byte[]> head = node.head("/", "Host", "docs.test");
      assertEquals(200, head.statusCode());
      assertEquals(0, head.body().length);

      bind.close();
      clock.advance(Duration.ofSeconds(31));
      HttpResponse<byte[]> kept = node.get("/", "Host", "docs.test");
      assertEquals(200, kept.statusCode(), "DNS is down: the last known mapping is kept: " + text(kept));
      assertEquals(v2, text(kept));
      assertEquals("/key/" + sha256(v2) + "; stale", kept.headers().firstValue("Oversky-Dnslink").orElse(""));
      assertEquals("public, max-age=0", kept.headers().firstValue("Cache-Control").orElse(""));
      HttpResponse<byte[]> unknown = node.get("/", "Host", "c.pages.test");
      assertEquals(502, unknown.statusCode(), "no record known and DNS down: " + text(unknown));
      @SuppressWarnings("unchecked")
      Map<String, Object> status = (Map<String, Object>) Jsons.parse(node.get("/api/v1/status").body()).get("dnslink");
      assertTrue(((Number) status.get("staleServed")).longValue() >= 1, status.toString());
    } finally {
      origin.stop();
    }
  }
}
