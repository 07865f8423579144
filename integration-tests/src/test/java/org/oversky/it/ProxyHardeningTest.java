package org.oversky.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What testing the site proxy from outside found (issue 11): each test failed before its fix.
 * Clients are the JDK's HTTP client or raw sockets; origins are WireMock, the JDK's HTTP server
 * and a raw socket server, each a real server on loopback.
 */
class ProxyHardeningTest {
  static SiteFixture site;

  @BeforeAll
  static void start(@TempDir Path dir) throws Exception {
    site = new SiteFixture(dir);
  }

  @AfterAll
  static void stop() throws Exception {
    site.close();
  }

  private static int hits(String path) {
    return site.originCount(getRequestedFor(urlEqualTo(path)));
  }

  // --- 1. field values pass exactly as sent, on reused connections both ways ---

  /** An origin (the JDK's server: its parser keeps values as sent) echoing request fields and answering with given ones. */
  private static HttpServer echoOrigin() throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/echo", ex -> {
      StringBuilder b = new StringBuilder();
      for (String name : List.of("Authorization", "Cookie", "Accept-Language", "User-Agent", "Cache-Control")) {
        b.append(name).append('=').append(ex.getRequestHeaders().getFirst(name)).append('\n');
      }
      byte[] body = b.toString().getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Cache-Control", "no-store");
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    server.createContext("/answer", ex -> {
      String value = java.net.URLDecoder.decode(ex.getRequestURI().getRawQuery().substring(2), StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Cache-Control", value);
      ex.getResponseHeaders().add("Content-Language", value);
      ex.sendResponseHeaders(200, 2);
      ex.getResponseBody().write("ok".getBytes(StandardCharsets.UTF_8));
      ex.close();
    });
    server.start();
    return server;
  }

  @Test
  void requestFieldValuesReachTheOriginExactlyAsSentOnOneConnection(@TempDir Path dir) throws Exception {
    HttpServer origin = echoOrigin();
    String base = "http://127.0.0.1:" + origin.getAddress().getPort();
    try (TestNode node = TestNode.start(dir, Map.of("sites", "echo.test=" + base))) {
      String[][] pairs = {
        {"Authorization", "Bearer abcDEF", "Bearer ABCdef"},
        {"Cookie", "session=abc", "session=ABC"},
        {"Accept-Language", "en-us", "en-US"},
        {"User-Agent", "curl/8.0 abc", "curl/8.0 ABC"},
        {"Cache-Control", "no-cache", "No-Cache"},
      };
      for (String[] p : pairs) {
        for (int i = 1; i <= 2; i++) {
          HttpResponse<String> r =
              TestNode.HTTP.send(
                  HttpRequest.newBuilder(node.url("/echo/" + p[0] + i)).header("Host", "echo.test").header(p[0], p[i]).build(),
                  HttpResponse.BodyHandlers.ofString());
          assertTrue(r.body().contains(p[0] + "=" + p[i] + "\n"), p[0] + " '" + p[i] + "' arrived as: " + r.body());
        }
      }
    } finally {
      origin.stop(0);
    }
  }

  @Test
  void responseFieldValuesReachTheClientExactlyAsTheOriginSent(@TempDir Path dir) throws Exception {
    HttpServer origin = echoOrigin();
    String base = "http://127.0.0.1:" + origin.getAddress().getPort();
    try (TestNode node = TestNode.start(dir, Map.of("sites", "echo.test=" + base))) {
      for (String value : List.of("max-age=300", "MAX-AGE=300", "max-age=300", "Max-Age=300")) {
        HttpResponse<String> r =
            TestNode.HTTP.send(
                HttpRequest.newBuilder(node.url("/answer/" + value.hashCode() + "?v=" + value.replace("=", "%3D")))
                    .header("Host", "echo.test")
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(value, r.headers().firstValue("Cache-Control").orElse(""));
        assertEquals(value, r.headers().firstValue("Content-Language").orElse(""));
      }
    } finally {
      origin.stop(0);
    }
  }

  // --- 2. a GET with a body never reads from or writes to the shared cache ---

  @Test
  void getWithABodyIsPassedThroughAndNeverStored() throws Exception {
    String path = "/h/fat";
    site.stub(get(path).withRequestBody(equalTo("evil")).atPriority(1).willReturn(aResponse().withHeader("Cache-Control", "max-age=300").withBody("poisoned")));
    site.stub(get(path).atPriority(2).willReturn(aResponse().withHeader("Cache-Control", "max-age=300").withBody("clean")));
    HttpResponse<String> fat = site.send("GET", path, "evil");
    assertEquals("poisoned", fat.body(), "the body went to the origin");
    assertEquals("oversky; fwd=bypass", SiteFixture.cacheStatus(fat));
    assertEquals("clean", site.get(path).body(), "the clean GET is not served the variant of a GET with a body");
    HttpResponse<String> hit = site.get(path);
    assertEquals("clean", hit.body());
    assertTrue(SiteFixture.cacheStatus(hit).contains("hit"), SiteFixture.cacheStatus(hit));
    assertEquals("poisoned", site.send("GET", path, "evil").body(), "a stored response does not answer a GET with a body");
    assertEquals(3, hits(path));
    assertEquals(
        0,
        site.originCount(getRequestedFor(urlEqualTo(path)).withRequestBody(equalTo("evil")).withHeader("Content-Type", com.github.tomakehurst.wiremock.client.WireMock.matching(".*"))),
        "the node adds no Content-Type the client never sent");
  }

  // --- 3. exactly one Date on answers from the store ---

  private static void assertOneDate(HttpResponse<?> r, String what) {
    assertEquals(1, r.headers().allValues("Date").size(), what + " had Date fields " + r.headers().allValues("Date"));
  }

  @Test
  void answersFromTheStoreCarryExactlyOneDate() throws Exception {
    String path = "/h/date";
    // WireMock sends no Date of its own: this origin does, as most do.
    String now = org.oversky.gateway.http.HttpDates.format(System.currentTimeMillis());
    site.stub(get(path).willReturn(aResponse().withHeader("Cache-Control", "max-age=300").withHeader("Date", now).withBody("d")));
    HttpResponse<String> fill = site.get(path);
    assertOneDate(fill, "a fill");
    HttpResponse<String> hit = site.get(path);
    assertTrue(SiteFixture.cacheStatus(hit).contains("hit"), SiteFixture.cacheStatus(hit));
    assertOneDate(hit, "a hit");
    assertEquals(fill.headers().firstValue("Date"), hit.headers().firstValue("Date"), "the stored Date, which Age is reckoned from");

    String refreshed = "/h/date-304";
    site.stub(get(refreshed).withHeader("If-None-Match", absent()).willReturn(aResponse().withHeader("Cache-Control", "max-age=10").withHeader("Age", "20").withHeader("Date", now).withHeader("ETag", "\"r\"").withBody("r")));
    site.stub(get(refreshed).withHeader("If-None-Match", equalTo("\"r\"")).willReturn(aResponse().withStatus(304).withHeader("Cache-Control", "max-age=300").withHeader("ETag", "\"r\"")));
    site.get(refreshed);
    HttpResponse<String> validated = site.get(refreshed);
    assertEquals("oversky; fwd=stale; fwd-status=304", SiteFixture.cacheStatus(validated));
    assertOneDate(validated, "a 304-refreshed answer");

    String erring = "/h/date-sie";
    site.stub(get(erring).withHeader("If-None-Match", absent()).willReturn(aResponse().withHeader("Cache-Control", "max-age=10, stale-if-error=600").withHeader("Age", "20").withHeader("Date", now).withHeader("ETag", "\"e\"").withBody("e")));
    site.stub(get(erring).withHeader("If-None-Match", equalTo("\"e\"")).willReturn(aResponse().withStatus(503)));
    site.get(erring);
    HttpResponse<String> stale = site.get(erring);
    assertTrue(SiteFixture.cacheStatus(stale).contains("stale-if-error"), SiteFixture.cacheStatus(stale));
    assertOneDate(stale, "a stale-if-error answer");
  }

  // --- 4. an invalid Expires is already expired ---

  @Test
  void rfc9111_5_3_aResponseWithAnInvalidExpiresIsNotServedFromTheCache() throws Exception {
    String[] invalid = {
      "Thu, 01 Dec 2099 16:00:00 UTC", "Thu, 01 Dec 99 16:00:00 GMT", "Thu 01 Dec 2099 16:00:00 GMT",
      "Thu,  01 Dec 2099 16:00:00 GMT", "Thu, 01-Dec-2099 16:00:00 GMT", "0", "-1"
    };
    for (int i = 0; i < invalid.length; i++) {
      String path = "/h/expires-" + i;
      site.stub(get(path).willReturn(aResponse().withHeader("Expires", invalid[i]).withBody("x")));
      site.get(path);
      site.get(path);
      assertEquals(2, hits(path), "Expires '" + invalid[i] + "' was taken as a date");
    }
    String path = "/h/expires-valid";
    site.stub(get(path).willReturn(aResponse().withHeader("Expires", "Tuesday, 01-Jan-70 00:00:00 GMT").withBody("x")));
    site.get(path);
    site.get(path);
    assertEquals(1, hits(path), "an RFC 850 date (2070 by the 50-year rule) is a date");
  }

  // --- 6. stale on disconnect ---

  @Test
  void rfc9111_4_2_4_aStaleCopyIsServedWhenTheOriginCannotBeReached(@TempDir Path dir) throws Exception {
    try (SiteFixture own = new SiteFixture(dir)) {
      own.stub(get("/s/plain").willReturn(aResponse().withHeader("Cache-Control", "max-age=10").withHeader("Age", "20").withBody("plain")));
      own.stub(get("/s/must").willReturn(aResponse().withHeader("Cache-Control", "max-age=10, must-revalidate").withHeader("Age", "20").withBody("must")));
      own.stub(get("/s/smax").willReturn(aResponse().withHeader("Cache-Control", "s-maxage=10").withHeader("Age", "20").withBody("smax")));
      own.stub(get("/s/nocache").willReturn(aResponse().withHeader("Cache-Control", "no-cache").withHeader("ETag", "\"n\"").withBody("nocache")));
      for (String p : List.of("/s/plain", "/s/must", "/s/smax", "/s/nocache")) {
        assertEquals(200, own.get(p).statusCode());
      }
      own.origin.stop();
      HttpResponse<String> stale = own.get("/s/plain");
      assertEquals(200, stale.statusCode(), stale.body());
      assertEquals("plain", stale.body());
      assertTrue(SiteFixture.cacheStatus(stale).startsWith("oversky; fwd=stale; ttl=-"), SiteFixture.cacheStatus(stale));
      assertTrue(SiteFixture.cacheStatus(stale).endsWith("detail=origin-unreachable"), SiteFixture.cacheStatus(stale));
      for (String p : List.of("/s/must", "/s/smax", "/s/nocache")) {
        HttpResponse<String> r = own.get(p);
        assertEquals(502, r.statusCode(), p + " forbids stale: " + r.body());
      }
    }
  }

  @Test
  void staleOnDisconnectKeepsToItsBound(@TempDir Path dir) throws Exception {
    try (SiteFixture own = new SiteFixture(dir, Map.of("cache.stale-on-disconnect", "5s"))) {
      own.stub(get("/s/near").willReturn(aResponse().withHeader("Cache-Control", "max-age=10").withHeader("Age", "12").withBody("near")));
      own.stub(get("/s/far").willReturn(aResponse().withHeader("Cache-Control", "max-age=10").withHeader("Age", "60").withBody("far")));
      own.get("/s/near");
      own.get("/s/far");
      own.origin.stop();
      assertEquals("near", own.get("/s/near").body());
      assertEquals(502, own.get("/s/far").statusCode(), "50 s stale is past the 5 s bound");
    }
  }

  @Test
  void aStaleCopyIsServedWhenTheOriginTimesOut(@TempDir Path dir) throws Exception {
    try (SiteFixture own = new SiteFixture(dir, Map.of("fetch.read-timeout", "300ms"))) {
      own.stub(get("/s/slow").withHeader("If-None-Match", absent()).willReturn(aResponse().withHeader("Cache-Control", "max-age=10").withHeader("Age", "20").withHeader("ETag", "\"s\"").withBody("slow")));
      own.stub(get("/s/slow").withHeader("If-None-Match", equalTo("\"s\"")).willReturn(aResponse().withStatus(304).withFixedDelay(3_000)));
      own.get("/s/slow");
      HttpResponse<String> r = own.get("/s/slow");
      assertEquals("slow", r.body());
      assertTrue(SiteFixture.cacheStatus(r).endsWith("detail=origin-timeout"), SiteFixture.cacheStatus(r));
    }
  }

  @Test
  void freshnessAndStalenessRunOnTheNodesClock(@TempDir Path dir) throws Exception {
    TestClock clock = new TestClock();
    com.github.tomakehurst.wiremock.WireMockServer origin = Origins.wireMock();
    try (TestNode node = TestNode.start(dir, Map.of("sites", "clock.test=" + origin.baseUrl()), clock)) {
      origin.stubFor(get("/c").willReturn(aResponse().withHeader("Cache-Control", "max-age=60").withHeader("ETag", "\"c\"").withBody("c")));
      HttpRequest request = HttpRequest.newBuilder(node.url("/c")).header("Host", "clock.test").build();
      TestNode.HTTP.send(request, HttpResponse.BodyHandlers.ofString());
      clock.advance(Duration.ofSeconds(45));
      HttpResponse<String> hit = TestNode.HTTP.send(request, HttpResponse.BodyHandlers.ofString());
      assertEquals("oversky; hit; ttl=15", SiteFixture.cacheStatus(hit));
      assertEquals("45", hit.headers().firstValue("Age").orElse(""));
      clock.advance(Duration.ofSeconds(16));
      HttpResponse<String> stale = TestNode.HTTP.send(request, HttpResponse.BodyHandlers.ofString());
      assertEquals("oversky; fwd=stale; fwd-status=200; stored", SiteFixture.cacheStatus(stale), "61 s old: validated with the origin");
      assertEquals(2, origin.countRequestsMatching(getRequestedFor(urlEqualTo("/c")).build()).getCount());
    } finally {
      origin.stop();
    }
  }

  // --- 7. targeted cache control (RFC 9213) ---

  @Test
  void rfc9213_cdnCacheControlTakesPrecedenceOverCacheControl() throws Exception {
    site.stub(get("/t/cdn").willReturn(aResponse().withHeader("Cache-Control", "no-store").withHeader("CDN-Cache-Control", "max-age=300").withBody("cdn")));
    site.get("/t/cdn");
    HttpResponse<String> hit = site.get("/t/cdn");
    assertTrue(SiteFixture.cacheStatus(hit).contains("hit"), SiteFixture.cacheStatus(hit));
    assertEquals("no-store", hit.headers().firstValue("Cache-Control").orElse(""), "Cache-Control goes on for browsers");
    assertEquals("max-age=300", hit.headers().firstValue("CDN-Cache-Control").orElse(""), "CDN-Cache-Control goes on for CDN caches downstream");
    assertEquals(1, hits("/t/cdn"));

    site.stub(get("/t/ours").willReturn(aResponse().withHeader("Cache-Control", "max-age=300").withHeader("CDN-Cache-Control", "max-age=300").withHeader("Oversky-Cache-Control", "no-store").withBody("ours")));
    HttpResponse<String> first = site.get("/t/ours");
    assertFalse(first.headers().firstValue("Oversky-Cache-Control").isPresent(), "Oversky-Cache-Control is for this node alone");
    site.get("/t/ours");
    assertEquals(2, hits("/t/ours"), "Oversky-Cache-Control comes first");

    site.stub(get("/t/expires").willReturn(aResponse().withHeader("Expires", "Thu, 01 Jan 2099 00:00:00 GMT").withHeader("CDN-Cache-Control", "no-cache").withHeader("ETag", "\"x\"").withBody("x")));
    site.get("/t/expires");
    site.get("/t/expires");
    assertEquals(2, hits("/t/expires"), "with a targeted field, Expires is ignored");

    site.stub(get("/t/invalid").willReturn(aResponse().withHeader("Cache-Control", "max-age=300").withHeader("CDN-Cache-Control", "MAX-AGE=0, no-store").withBody("i")));
    site.get("/t/invalid");
    site.get("/t/invalid");
    assertEquals(1, hits("/t/invalid"), "a targeted field that is not a valid dictionary is ignored");
  }

  // --- 8. errors name the right party and say what failed in words ---

  @Test
  void aMalformedChunkedRequestBodyIsTheClientsFault() throws Exception {
    site.stub(post("/e/chunked").willReturn(aResponse().withBody("posted")));
    String raw =
        RawHttp.exchange(
            site.node.base,
            "POST /e/chunked HTTP/1.1\r\nHost: site.test\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
            10_000);
    assertEquals(400, RawHttp.status(raw), raw);
  }

  @Test
  void anAbsurdlyLongMethodIsTheClientsFault() throws Exception {
    String raw =
        RawHttp.exchange(site.node.base, "X".repeat(10_000) + " /e/method HTTP/1.1\r\nHost: site.test\r\nConnection: close\r\n\r\n", 10_000);
    assertEquals(400, RawHttp.status(raw), raw.substring(0, Math.min(200, raw.length())));
    assertEquals(0, hits("/e/method"));
  }

  @Test
  void connectIsRefusedWith405() throws Exception {
    String raw = RawHttp.exchange(site.node.base, "CONNECT elsewhere.test:443 HTTP/1.1\r\nHost: elsewhere.test:443\r\n\r\n", 10_000);
    assertEquals(405, RawHttp.status(raw), raw);
    String viaSite = RawHttp.exchange(site.node.base, "CONNECT site.test:443 HTTP/1.1\r\nHost: site.test:443\r\n\r\n", 10_000);
    assertEquals(405, RawHttp.status(viaSite), viaSite);
  }

  @Test
  void anOriginProtocolErrorIsDescribedInWordsWithoutJettyInternals(@TempDir Path dir) throws Exception {
    try (RawHttp.Origin origin =
            new RawHttp.Origin(head -> head.contains("/gzip")
                ? "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nnot really gzip"
                : "HTTP/1.1 2x0 Nonsense\r\nContent-Length: 2\r\n\r\nok");
        TestNode node = TestNode.start(dir, Map.of("sites", "raw.test=" + origin.url()))) {
      for (String path : List.of("/bad-status", "/gzip")) {
        HttpResponse<String> r =
            TestNode.HTTP.send(HttpRequest.newBuilder(node.url(path)).header("Host", "raw.test").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(502, r.statusCode(), path + ": " + r.body());
        assertTrue(r.body().contains("not valid HTTP"), r.body());
        assertFalse(r.body().matches("(?s).*@[0-9a-f]{4,}.*"), "no object ids: " + r.body());
        assertFalse(r.body().contains("HttpConnection"), r.body());
      }
    }
  }

  // --- 9. invalidation happens before the answer to an unsafe method is released ---

  @Test
  void rfc9111_4_4_anUnsafeMethodInvalidatesBeforeItsAnswerArrives() throws Exception {
    String path = "/i/thing";
    site.stub(get(path).willReturn(aResponse().withHeader("Cache-Control", "max-age=300").withBody("thing")));
    site.stub(get("/i/other").willReturn(aResponse().withHeader("Cache-Control", "max-age=300").withBody("other")));
    site.stub(post(path).willReturn(aResponse().withHeader("Location", "/i/other").withBody("x".repeat(4096)).withChunkedDribbleDelay(8, 4_000)));
    site.get(path);
    site.get("/i/other");
    HttpRequest postRequest =
        HttpRequest.newBuilder(site.node.url(path)).header("Host", SiteFixture.HOST).POST(HttpRequest.BodyPublishers.ofString("new")).build();
    CompletableFuture<HttpResponse<InputStream>> posted = TestNode.HTTP.sendAsync(postRequest, HttpResponse.BodyHandlers.ofInputStream());
    HttpResponse<InputStream> head = posted.get();
    // The POST's head has arrived, its body is still dribbling in.
    HttpResponse<String> after = site.get(path);
    HttpResponse<String> location = site.get("/i/other");
    head.body().close();
    assertFalse(SiteFixture.cacheStatus(after).contains("hit"), "a GET after the POST's head was a hit");
    assertFalse(SiteFixture.cacheStatus(location).contains("hit"), "the Location was still stored");
  }

  // --- 10. the node's own paths are never shadowed by a site ---

  @Test
  void theNodesOwnPathsAnswerForEveryHost(@TempDir Path dir) throws Exception {
    // Both hosts are sites of an origin that is not there: whatever is proxied gets a 502.
    String nowhere = "http://127.0.0.1:9";
    try (TestNode node = TestNode.start(dir, Map.of("sites", "127.0.0.1=" + nowhere + ",site.test=" + nowhere))) {
      assertEquals(502, node.get("/healthz").statusCode(), "precondition: the site claims /healthz for Host 127.0.0.1");
      for (String path : List.of("/.well-known/oversky/healthz", "/.well-known/oversky/api/v1/status", "/.well-known/oversky/metrics", "/.well-known/oversky/")) {
        assertEquals(200, node.get(path).statusCode(), path);
        HttpResponse<byte[]> viaSite =
            TestNode.HTTP.send(HttpRequest.newBuilder(node.url(path)).header("Host", "site.test").build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, viaSite.statusCode(), path + " with Host site.test");
      }
      assertEquals(404, node.get("/.well-known/oversky/nothing").statusCode());
    }
  }

  // --- 11. slow clients ---

  @Test
  void aRequestHeadThatDoesNotCompleteInTimeLosesItsConnection(@TempDir Path dir) throws Exception {
    try (TestNode node = TestNode.start(dir, Map.of("http.request-head-timeout", "1s"))) {
      URI base = node.base;
      try (Socket s = new Socket(base.getHost(), base.getPort())) {
        s.setSoTimeout(100);
        byte[] head = "GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ".getBytes(StandardCharsets.ISO_8859_1);
        boolean closed = false;
        int sent = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!closed && System.nanoTime() < deadline) {
          try {
            s.getOutputStream().write(head[sent % head.length]);
            s.getOutputStream().flush();
            sent++;
          } catch (IOException reset) {
            closed = true;
            break;
          }
          try {
            closed = s.getInputStream().read() < 0; // waits up to 100 ms: the client's pace
          } catch (java.net.SocketTimeoutException stillOpen) {
            // still open
          } catch (IOException reset) {
            closed = true;
          }
        }
        assertTrue(closed, "a client sending a byte every 100 ms kept its connection for 20 s");
        assertTrue(sent < 60, "closed only after " + sent + " bytes (~" + sent / 10 + " s) with a 1 s head timeout");
      }
    }
  }
}
