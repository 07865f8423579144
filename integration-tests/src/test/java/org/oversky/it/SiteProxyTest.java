package org.oversky.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node as a site's reverse proxy: forwarding, collapsing, invalidation, purge, and refusing other hosts. */
class SiteProxyTest {
  static final String TOKEN = "purge-secret";
  static SiteFixture site;

  @BeforeAll
  static void start(@TempDir Path dir) throws Exception {
    site = new SiteFixture(dir, Map.of("admin-token", TOKEN));
  }

  @AfterAll
  static void stop() throws Exception {
    site.close();
  }

  @Test
  void forwardsMethodPathQueryBodyAndProxyHeadersAndStripsHopByHop() throws Exception {
    site.stub(post(urlPathEqualTo("/echo/a%20b")).willReturn(aResponse().withStatus(201).withHeader("X-Keep", "yes").withHeader("Connection", "X-Drop").withHeader("X-Drop", "no").withBody("made")));
    HttpResponse<String> r =
        site.send(
            "POST", "/echo/a%20b?x=1&y=%2F", "payload", "X-Client", "c", "Connection", "X-Secret", "X-Secret", "s",
            "X-Forwarded-Host", "evil.test", "Forwarded", "host=evil.test", "X-Original-URL", "/admin");
    assertEquals(201, r.statusCode(), r.body());
    assertEquals("made", r.body());
    assertEquals("yes", r.headers().firstValue("X-Keep").orElse(null));
    assertTrue(r.headers().firstValue("X-Drop").isEmpty(), "a field the origin listed in Connection is hop-by-hop");
    assertTrue(r.headers().firstValue("Via").orElse("").contains("oversky"));
    assertEquals(
        1,
        site.originCount(
            postRequestedFor(urlEqualTo("/echo/a%20b?x=1&y=%2F"))
                .withRequestBody(equalTo("payload"))
                .withHeader("X-Client", equalTo("c"))
                .withHeader("X-Secret", absent())
                .withHeader("X-Original-URL", absent())
                .withHeader("X-Forwarded-Host", equalTo(SiteFixture.HOST))
                .withHeader("X-Forwarded-For", equalTo("127.0.0.1"))
                .withHeader("X-Forwarded-Proto", equalTo("http"))
                .withHeader("Via", matching(".*oversky.*"))
                .withHeader("Forwarded", matching("^(?!.*evil).*host=\"?site\\.test.*"))));
  }

  @Test
  void hundredConcurrentColdRequestsMakeOneOriginRequest() throws Exception {
    String path = "/collapse/one";
    byte[] body = Bytes.random(300_000, 77);
    site.stub(get(path).willReturn(aResponse().withHeader("Cache-Control", "max-age=300").withBody(body).withFixedDelay(1000)));
    List<CompletableFuture<HttpResponse<byte[]>>> all = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      all.add(
          TestNode.HTTP.sendAsync(
              HttpRequest.newBuilder(site.node.url(path)).timeout(Duration.ofSeconds(60)).header("Host", SiteFixture.HOST).build(),
              HttpResponse.BodyHandlers.ofByteArray()));
    }
    for (var f : all) {
      HttpResponse<byte[]> r = f.join();
      assertEquals(200, r.statusCode());
      assertEquals(Bytes.sha256(body), Bytes.sha256(r.body()));
    }
    assertEquals(1, site.originCount(getRequestedFor(urlEqualTo(path))));
  }

  @Test
  void aClientThatGoesAwayMidBodyDoesNotEndTheFill() throws Exception {
    String path = "/gone/slow-body";
    byte[] body = Bytes.random(200_000, 5);
    site.stub(get(path).willReturn(aResponse().withHeader("Cache-Control", "max-age=300").withBody(body).withChunkedDribbleDelay(20, 1500)));
    HttpResponse<java.io.InputStream> leaving =
        TestNode.HTTP.send(
            HttpRequest.newBuilder(site.node.url(path)).header("Host", SiteFixture.HOST).build(),
            HttpResponse.BodyHandlers.ofInputStream());
    try (java.io.InputStream in = leaving.body()) {
      assertTrue(in.readNBytes(1000).length == 1000);
    } // closed long before the body is complete: the client is gone
    org.awaitility.Awaitility.await("the fill completes without the client")
        .atMost(Duration.ofSeconds(20))
        .until(() -> SiteFixture.cacheStatus(site.get(path, "Cache-Control", "only-if-cached")).contains("hit"));
    HttpResponse<byte[]> later = TestNode.HTTP.send(
        HttpRequest.newBuilder(site.node.url(path)).header("Host", SiteFixture.HOST).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(Bytes.sha256(body), Bytes.sha256(later.body()));
    assertEquals(1, site.originCount(getRequestedFor(urlEqualTo(path))));
  }

  @Test
  void rfc9111_4_4_unsafeMethodsInvalidateTheUrlAndItsLocation() throws Exception {
    site.stub(get("/inv/item").willReturn(aResponse().withHeader("Cache-Control", "max-age=300").withBody("item")));
    site.stub(get("/inv/list").willReturn(aResponse().withHeader("Cache-Control", "max-age=300").withBody("list")));
    site.stub(post("/inv/item").willReturn(aResponse().withStatus(200).withHeader("Location", "/inv/list")));
    site.get("/inv/item");
    site.get("/inv/list");
    site.send("POST", "/inv/item", "change");
    site.get("/inv/item");
    site.get("/inv/list");
    assertEquals(2, site.originCount(getRequestedFor(urlEqualTo("/inv/item"))));
    assertEquals(2, site.originCount(getRequestedFor(urlEqualTo("/inv/list"))));
  }

  @Test
  void rfc9111_4_4_errorAnswersDoNotInvalidate() throws Exception {
    site.stub(get("/inv/kept").willReturn(aResponse().withHeader("Cache-Control", "max-age=300").withBody("kept")));
    site.stub(any(urlEqualTo("/inv/kept")).withHeader("X-Delete", equalTo("1")).willReturn(aResponse().withStatus(500)));
    site.get("/inv/kept");
    site.send("DELETE", "/inv/kept", null, "X-Delete", "1");
    site.get("/inv/kept");
    assertEquals(1, site.originCount(getRequestedFor(urlEqualTo("/inv/kept"))));
  }

  @Test
  void purgeRemovesAUrlOnlyWithTheAdminToken() throws Exception {
    site.stub(get("/purge/me").willReturn(aResponse().withHeader("Cache-Control", "max-age=300").withBody("p")));
    site.get("/purge/me");
    String url = java.net.URLEncoder.encode("http://" + SiteFixture.HOST + "/purge/me", java.nio.charset.StandardCharsets.UTF_8);
    HttpResponse<byte[]> denied = TestNode.HTTP.send(
        HttpRequest.newBuilder(site.node.url("/api/v1/cache?url=" + url)).DELETE().header("Authorization", "Bearer wrong").build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(401, denied.statusCode());
    site.get("/purge/me");
    assertEquals(1, site.originCount(getRequestedFor(urlEqualTo("/purge/me"))));
    HttpResponse<byte[]> purged = TestNode.HTTP.send(
        HttpRequest.newBuilder(site.node.url("/api/v1/cache?url=" + url)).DELETE().header("Authorization", "Bearer " + TOKEN).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, purged.statusCode(), new String(purged.body()));
    assertEquals(1, ((Number) Jsons.parse(purged.body()).get("purged")).intValue());
    site.get("/purge/me");
    assertEquals(2, site.originCount(getRequestedFor(urlEqualTo("/purge/me"))));
  }

  @Test
  void unknownHostsGet421AndTheNodeIsNoOpenProxy() throws Exception {
    HttpResponse<byte[]> r = TestNode.HTTP.send(
        HttpRequest.newBuilder(site.node.url("/anything")).header("Host", "elsewhere.test").build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(421, r.statusCode());
    assertEquals("urn:oversky:problem:unknown-site", Jsons.parse(r.body()).get("type"));
  }

  @Test
  void hostMatchingIgnoresCaseAndPortAndAllowsWildcards(@TempDir Path dir) throws Exception {
    try (TestNode node = TestNode.start(dir, Map.of("sites", "*.wild.test=" + site.origin.baseUrl()))) {
      site.stub(get("/wild").willReturn(aResponse().withBody("wild")));
      for (String host : new String[] {"a.wild.test", "B.Wild.Test:8080", "x.y.wild.test"}) {
        HttpResponse<String> r = TestNode.HTTP.send(
            HttpRequest.newBuilder(node.url("/wild")).header("Host", host).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals("wild", r.body(), host);
      }
      HttpResponse<String> bare = TestNode.HTTP.send(
          HttpRequest.newBuilder(node.url("/wild")).header("Host", "wild.test").build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(421, bare.statusCode());
    }
  }

  @Test
  void originDownWithNothingStoredIsA502Problem(@TempDir Path dir) throws Exception {
    int closed = NodeProcess.freePort();
    try (TestNode node = TestNode.start(dir, Map.of("sites", "down.test=http://127.0.0.1:" + closed))) {
      HttpResponse<String> r = TestNode.HTTP.send(
          HttpRequest.newBuilder(node.url("/x")).header("Host", "down.test").build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(502, r.statusCode());
      assertEquals("urn:oversky:problem:origin-unreachable", Jsons.parse(r.body().getBytes()).get("type"));
    }
  }

  @Test
  void cacheOutcomesAreCountedInMetrics() throws Exception {
    site.stub(get("/m/counted").willReturn(aResponse().withHeader("Cache-Control", "max-age=300").withBody("m")));
    site.get("/m/counted");
    site.get("/m/counted");
    String metrics = new String(site.node.get("/metrics").body(), java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(metrics.contains("oversky_cache_requests_total{outcome=\"hit\"}"), metrics);
    assertTrue(metrics.contains("oversky_cache_requests_total{outcome=\"stored\"}"), metrics);
  }
}
