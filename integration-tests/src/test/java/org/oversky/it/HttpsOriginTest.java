package org.oversky.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An origin over HTTPS is asked over HTTPS with its certificate verified: one whose certificate
 * no trusted authority signed (WireMock's own) is not used, and the client gets a 502 that says why.
 */
class HttpsOriginTest {
  @Test
  void anOriginWhoseCertificateIsNotTrustedIsRefused(@TempDir Path dir) throws Exception {
    WireMockServer origin = new WireMockServer(wireMockConfig().dynamicHttpsPort().httpDisabled(true).bindAddress("127.0.0.1"));
    origin.start();
    origin.stubFor(get("/page").willReturn(aResponse().withHeader("Cache-Control", "max-age=60").withBody("secret page")));
    try (TestNode n = TestNode.start(dir.resolve("node"), Map.of("sites", "tls-origin.test=https://127.0.0.1:" + origin.httpsPort()))) {
      HttpResponse<byte[]> r = n.get("/page", "Host", "tls-origin.test");
      String body = new String(r.body(), StandardCharsets.UTF_8);
      assertEquals(502, r.statusCode(), body);
      assertTrue(!body.contains("secret page"), body);
      assertTrue(body.contains("origin-tls-error") && body.contains("failed the TLS handshake"), body);
      assertEquals(0, origin.getAllServeEvents().size(), "no request reached the origin over an unverified connection");
    } finally {
      origin.stop();
    }
  }
}
