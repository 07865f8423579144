package org.oversky.examples.embedded;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.eclipse.jetty.server.NetworkConnector;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The example application with oversky mounted: its own routes as before, the site cached. */
class AppServerTest {
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  WireMockServer origin;
  Server app;
  String base;

  @BeforeEach
  void start(@TempDir Path dir) throws Exception {
    origin = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1").jettyAcceptors(1));
    origin.start();
    app = AppServer.start(0, "www.site.test", origin.baseUrl(), dir);
    base = "http://127.0.0.1:" + ((NetworkConnector) app.getConnectors()[0]).getLocalPort();
  }

  @AfterEach
  void stop() throws Exception {
    app.stop();
    origin.stop();
  }

  HttpResponse<String> fetch(String path, String host) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
    if (host != null) {
      b.header("Host", host);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  @Test
  void theApplicationsOwnRoutesAnswerExactlyAsBefore() throws Exception {
    HttpResponse<String> page = fetch("/", null);
    assertEquals(200, page.statusCode());
    assertEquals("<h1>The application's own page</h1>", page.body());
    assertTrue(page.headers().firstValue("Cache-Status").isEmpty());
    HttpResponse<String> json = fetch("/api/hello", "app.example");
    assertEquals("{\"hello\":\"from the application\"}", json.body());
    assertEquals("application/json", json.headers().firstValue("Content-Type").orElse(""));
    assertEquals(404, fetch("/nothing", "app.example").statusCode(), "unknown paths stay the host's 404");
    assertEquals(0, origin.getAllServeEvents().size());
  }

  @Test
  void theSiteIsCachedAndItsBodyIsReachableByKey() throws Exception {
    origin.stubFor(com.github.tomakehurst.wiremock.client.WireMock.get("/index.html").willReturn(aResponse().withHeader("Cache-Control", "max-age=300").withBody("site page")));
    HttpResponse<String> first = fetch("/index.html", "www.site.test");
    HttpResponse<String> second = fetch("/index.html", "www.site.test");
    assertEquals("site page", first.body());
    assertEquals("site page", second.body());
    assertTrue(second.headers().firstValue("Cache-Status").orElse("").startsWith("oversky; hit"));
    assertEquals(1, origin.countRequestsMatching(getRequestedFor(urlEqualTo("/index.html")).build()).getCount());
    String key = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest("site page".getBytes(StandardCharsets.UTF_8)));
    HttpResponse<String> byKey = fetch("/cdn/key/" + key, "app.example");
    assertEquals(200, byKey.statusCode());
    assertEquals("site page", byKey.body());
    assertEquals(200, fetch("/cdn/healthz", "app.example").statusCode());
  }
}
