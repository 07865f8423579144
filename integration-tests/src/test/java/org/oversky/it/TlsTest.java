package org.oversky.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oversky.conf.ConfigException;

/**
 * TLS on the node with each site's own certificate (chosen by SNI), HTTP/1.1 and h2 by ALPN, and
 * h2c on the clear-text port, asked by curl; certificates made by openssl.
 */
class TlsTest {
  private static void certificate(Path dir, String host) throws Exception {
    Commands.run(dir, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=" + host,
        "-addext", "subjectAltName=DNS:" + host, "-keyout", host + ".key", "-out", host + ".crt");
  }

  /** curl to the node's TLS port for {@code host}, trusting {@code host}'s certificate: "VERSION BODY". */
  private static String curlTls(Path dir, TestNode n, String host, String version, String path) throws Exception {
    int port = n.server.tlsPort();
    List<String> c = new ArrayList<>(List.of("curl", "-sS", "-m", "10", version, "--cacert", dir.resolve(host + ".crt").toString(),
        "--resolve", host + ":" + port + ":127.0.0.1", "-w", " %{http_version}", "https://" + host + ":" + port + path));
    return Commands.run(dir, c.toArray(String[]::new));
  }

  @Test
  void eachSiteIsServedOverTlsWithItsOwnCertificateInHttp1AndH2AndH2cInClearText(@TempDir Path dir) throws Exception {
    certificate(dir, "a.test");
    certificate(dir, "b.test");
    WireMockServer origin = Origins.wireMock();
    origin.stubFor(get("/page").willReturn(aResponse().withHeader("Cache-Control", "max-age=60").withBody("the page")));
    try (TestNode n = TestNode.start(dir.resolve("node"), Map.of(
        "sites", "a.test=" + origin.baseUrl() + ",b.test=" + origin.baseUrl(),
        "tls.listen", "127.0.0.1:0",
        "tls.site-certs", "a.test=" + dir.resolve("a.test.crt") + "," + dir.resolve("a.test.key") + ";b.test="
            + dir.resolve("b.test.crt") + "," + dir.resolve("b.test.key")))) {
      assertEquals("the page 1.1", curlTls(dir, n, "a.test", "--http1.1", "/page"));
      assertEquals("the page 2", curlTls(dir, n, "a.test", "--http2", "/page"), "h2 chosen by ALPN, the site found by :authority");
      assertEquals("the page 2", curlTls(dir, n, "b.test", "--http2", "/page"), "the second site's own certificate, by SNI");
      String h2c = Commands.run(dir, "curl", "-sS", "-m", "10", "--http2-prior-knowledge", "-H", "Host: a.test", "-w", " %{http_version}",
          n.url("/page").toString());
      assertEquals("the page 2", h2c, "h2c by prior knowledge on the clear-text port");
      String head = Commands.run(dir, "curl", "-sS", "-m", "10", "--http1.1", "-D", "-", "-o", "/dev/null", "--cacert", dir.resolve("a.test.crt").toString(),
          "--resolve", "a.test:" + n.server.tlsPort() + ":127.0.0.1", "https://a.test:" + n.server.tlsPort() + "/page");
      assertTrue(head.toLowerCase(java.util.Locale.ROOT).contains("cache-status: oversky; hit"), "the TLS request was a hit: " + head);
    } finally {
      origin.stop();
    }
  }

  @Test
  void aKeyInTheOldRsaFormatIsRefusedWithTheCommandThatConvertsIt(@TempDir Path dir) throws Exception {
    certificate(dir, "a.test");
    Commands.run(dir, "openssl", "rsa", "-in", "a.test.key", "-traditional", "-out", "old.key");
    assertTrue(Files.readString(dir.resolve("old.key")).contains("BEGIN RSA PRIVATE KEY"));
    ConfigException e = assertThrows(ConfigException.class, () -> TestNode.start(dir.resolve("node"), Map.of(
        "sites", "a.test=http://127.0.0.1:9",
        "tls.listen", "127.0.0.1:0",
        "tls.site-certs", "a.test=" + dir.resolve("a.test.crt") + "," + dir.resolve("old.key"))));
    assertTrue(e.getMessage().contains("openssl pkcs8 -topk8 -nocrypt"), e.getMessage());
    ConfigException none = assertThrows(ConfigException.class, () -> TestNode.start(dir.resolve("node2"), Map.of("tls.listen", "127.0.0.1:0")));
    assertTrue(none.getMessage().contains("--site-cert HOST=CERT.pem,KEY.pem"), none.getMessage());
  }
}
