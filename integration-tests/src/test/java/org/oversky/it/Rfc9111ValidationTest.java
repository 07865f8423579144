package org.oversky.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.http.Fault;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RFC 9111 §4.3 (validation), §4.1 (Vary), §5.2.1 (request directives) and RFC 5861 (stale
 * content), through a real node and origin. A stale entry is made without waiting: the origin
 * sends an {@code Age} larger than {@code max-age}.
 */
class Rfc9111ValidationTest {
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

  @Test
  void rfc9111_4_3_1_staleEntryIsRevalidatedAnd304FreshensIt() throws Exception {
    String path = "/v/etag";
    site.stub(get(path).willReturn(aResponse().withHeader("Cache-Control", "max-age=0").withHeader("ETag", "\"v1\"").withHeader("X-Version", "1").withBody("body v1")));
    site.get(path);
    site.stub(
        get(path)
            .withHeader("If-None-Match", equalTo("\"v1\""))
            .willReturn(aResponse().withStatus(304).withHeader("Cache-Control", "max-age=300").withHeader("ETag", "\"v1\"").withHeader("X-Version", "2")));
    HttpResponse<String> revalidated = site.get(path);
    assertEquals(200, revalidated.statusCode());
    assertEquals("body v1", revalidated.body());
    assertEquals("oversky; fwd=stale; fwd-status=304", SiteFixture.cacheStatus(revalidated));
    assertEquals("2", revalidated.headers().firstValue("X-Version").orElse(null), "§4.3.4: the 304's fields replace the stored ones");
    // freshened to max-age=300: the next request is a hit
    HttpResponse<String> hit = site.get(path);
    assertTrue(SiteFixture.cacheStatus(hit).contains("hit"), SiteFixture.cacheStatus(hit));
    assertEquals(2, hits(path));
    assertEquals(1, site.originCount(getRequestedFor(urlEqualTo(path)).withHeader("If-None-Match", equalTo("\"v1\""))));
  }

  @Test
  void rfc9111_4_3_1_validationByLastModified() throws Exception {
    String path = "/v/last-modified";
    String lm = "Mon, 01 Jan 2024 00:00:00 GMT";
    site.stub(get(path).willReturn(aResponse().withHeader("Cache-Control", "no-cache").withHeader("Last-Modified", lm).withBody("lm")));
    site.get(path);
    site.stub(get(path).withHeader("If-Modified-Since", equalTo(lm)).willReturn(aResponse().withStatus(304)));
    HttpResponse<String> r = site.get(path);
    assertEquals("lm", r.body());
    assertEquals(1, site.originCount(getRequestedFor(urlEqualTo(path)).withHeader("If-Modified-Since", equalTo(lm))));
  }

  @Test
  void rfc9111_4_3_3_a200AnswerToValidationReplacesTheStoredResponse() throws Exception {
    String path = "/v/changed";
    site.stub(get(path).willReturn(aResponse().withHeader("Cache-Control", "max-age=0").withHeader("ETag", "\"a\"").withBody("first")));
    site.get(path);
    site.stub(get(path).willReturn(aResponse().withHeader("Cache-Control", "max-age=300").withHeader("ETag", "\"b\"").withBody("second")));
    HttpResponse<String> r = site.get(path);
    assertEquals("second", r.body());
    assertEquals("oversky; fwd=stale; fwd-status=200; stored", SiteFixture.cacheStatus(r));
    assertEquals("second", site.get(path).body());
    assertEquals(2, hits(path));
  }

  @Test
  void rfc9111_4_3_2_clientConditionalsAreAnsweredFromTheCache() throws Exception {
    String path = "/v/client-conditional";
    site.stub(get(path).willReturn(aResponse().withHeader("Cache-Control", "max-age=300").withHeader("ETag", "\"c\"").withBody("c")));
    site.get(path);
    HttpResponse<String> r = site.get(path, "If-None-Match", "\"c\"");
    assertEquals(304, r.statusCode());
    assertEquals(1, hits(path));
  }

  @Test
  void rangeOnACachedResponseIsAnsweredFromTheStore() throws Exception {
    String path = "/v/range";
    site.stub(get(path).willReturn(aResponse().withHeader("Cache-Control", "max-age=300").withBody("0123456789")));
    site.get(path);
    HttpResponse<String> r = site.get(path, "Range", "bytes=2-5");
    assertEquals(206, r.statusCode());
    assertEquals("2345", r.body());
    assertEquals(1, hits(path));
  }

  @Test
  void rangeOnAMissFetchesASmallObjectWholeOnceAndAnswersFromTheStore() throws Exception {
    String path = "/v/range-miss-small";
    site.stub(get(path).willReturn(aResponse().withHeader("Cache-Control", "max-age=300").withBody("abcdefghij")));
    HttpResponse<String> r = site.get(path, "Range", "bytes=3-5");
    assertEquals(206, r.statusCode());
    assertEquals("def", r.body());
    assertEquals("ghij", site.get(path, "Range", "bytes=6-").body());
    assertEquals("abcdefghij", site.get(path).body());
    assertEquals(1, hits(path));
    assertEquals(1, site.originCount(getRequestedFor(urlEqualTo(path)).withoutHeader("Range")));
  }

  @Test
  void rangeOnAMissOfALargeObjectPassesTheRangeThrough(@TempDir Path dir) throws Exception {
    try (SiteFixture small = new SiteFixture(dir, java.util.Map.of("cache.range-fill-max", "4"))) {
      small.stub(get("/big").withHeader("Range", equalTo("bytes=0-1")).willReturn(aResponse().withStatus(206).withHeader("Content-Range", "bytes 0-1/10").withBody("ab")));
      small.stub(get("/big").withHeader("Range", com.github.tomakehurst.wiremock.client.WireMock.absent()).willReturn(aResponse().withHeader("Cache-Control", "max-age=300").withBody("abcdefghij")));
      HttpResponse<String> r = small.get("/big", "Range", "bytes=0-1");
      assertEquals(206, r.statusCode());
      assertEquals("ab", r.body());
      assertEquals(1, small.originCount(getRequestedFor(urlEqualTo("/big")).withHeader("Range", equalTo("bytes=0-1"))));
      assertEquals("ab", small.get("/big", "Range", "bytes=0-1").body());
      assertEquals(1, small.originCount(getRequestedFor(urlEqualTo("/big")).withoutHeader("Range")), "too large is remembered: one whole fetch begun, not one per range");
    }
  }

  @Test
  void rfc9111_4_1_varyKeepsVariantsApart() throws Exception {
    String path = "/v/vary";
    site.stub(get(path).withHeader("Accept-Language", equalTo("en")).willReturn(aResponse().withHeader("Cache-Control", "max-age=300").withHeader("Vary", "Accept-Language").withBody("hello")));
    site.stub(get(path).withHeader("Accept-Language", equalTo("fr")).willReturn(aResponse().withHeader("Cache-Control", "max-age=300").withHeader("Vary", "Accept-Language").withBody("bonjour")));
    assertEquals("hello", site.get(path, "Accept-Language", "en").body());
    assertEquals("bonjour", site.get(path, "Accept-Language", "fr").body());
    HttpResponse<String> en = site.get(path, "Accept-Language", "EN");
    assertEquals("hello", en.body(), "normalised: case does not make a new variant");
    assertTrue(SiteFixture.cacheStatus(en).contains("hit"));
    assertEquals("bonjour", site.get(path, "Accept-Language", "fr").body());
    assertEquals(2, hits(path));
  }

  @Test
  void rfc9111_5_2_1_4_requestNoCacheForcesValidation() throws Exception {
    String path = "/v/request-no-cache";
    site.stub(get(path).willReturn(aResponse().withHeader("Cache-Control", "max-age=300").withHeader("ETag", "\"n\"").withBody("n")));
    site.get(path);
    site.get(path, "Cache-Control", "no-cache");
    site.get(path, "Pragma", "no-cache");
    site.get(path, "Pragma", "no-cache", "Cache-Control", "max-stale"); // §5.4: Pragma ignored when Cache-Control is present
    assertEquals(3, hits(path));
  }

  @Test
  void rfc9111_5_2_1_1_requestMaxAgeZeroForcesValidation() throws Exception {
    String path = "/v/request-max-age";
    site.stub(get(path).willReturn(aResponse().withHeader("Cache-Control", "max-age=300").withHeader("Age", "10").withBody("m")));
    site.get(path);
    site.get(path, "Cache-Control", "max-age=5");
    assertEquals(2, hits(path));
  }

  @Test
  void rfc9111_5_2_1_2_maxStaleAcceptsAStaleResponse() throws Exception {
    String path = "/v/max-stale";
    site.stub(get(path).willReturn(aResponse().withHeader("Cache-Control", "max-age=5").withHeader("Age", "10").withBody("s")));
    site.get(path);
    HttpResponse<String> r = site.get(path, "Cache-Control", "max-stale=60");
    assertTrue(SiteFixture.cacheStatus(r).contains("hit"), SiteFixture.cacheStatus(r));
    site.get(path, "Cache-Control", "max-stale=1");
    assertEquals(2, hits(path));
  }

  @Test
  void rfc9111_5_2_1_7_onlyIfCachedGives504OnAMiss() throws Exception {
    HttpResponse<String> r = site.get("/v/never-fetched", "Cache-Control", "only-if-cached");
    assertEquals(504, r.statusCode());
    assertEquals(0, hits("/v/never-fetched"));
  }

  @Test
  void rfc5861_3_staleWhileRevalidateServesStaleAndRefreshesInTheBackground() throws Exception {
    String path = "/v/swr";
    site.stub(get(path).willReturn(aResponse().withHeader("Cache-Control", "max-age=5, stale-while-revalidate=600").withHeader("Age", "10").withHeader("ETag", "\"w1\"").withBody("old")));
    site.get(path);
    site.stub(get(path).willReturn(aResponse().withHeader("Cache-Control", "max-age=300").withHeader("ETag", "\"w2\"").withBody("new")));
    HttpResponse<String> stale = site.get(path);
    assertEquals("old", stale.body());
    assertTrue(SiteFixture.cacheStatus(stale).contains("detail=stale-while-revalidate"), SiteFixture.cacheStatus(stale));
    await("background refresh").atMost(Duration.ofSeconds(10)).until(() -> hits(path) == 2);
    await("refreshed entry served").atMost(Duration.ofSeconds(10)).until(() -> site.get(path).body().equals("new"));
    assertEquals(2, hits(path));
  }

  @Test
  void rfc9111_3_aBackgroundRefreshIsJudgedOnEveryFieldSetCookieIncluded() throws Exception {
    String path = "/v/swr-cookie";
    site.stub(get(path).willReturn(aResponse().withHeader("Cache-Control", "max-age=5, stale-while-revalidate=600").withHeader("Age", "10").withHeader("ETag", "\"c1\"").withBody("old")));
    site.get(path);
    site.stub(get(path).willReturn(aResponse().withHeader("Cache-Control", "max-age=300").withHeader("Set-Cookie", "session=alice").withHeader("ETag", "\"c2\"").withBody("alice's")));
    assertEquals("old", site.get(path).body());
    await("background refresh").atMost(Duration.ofSeconds(10)).until(() -> hits(path) == 2);
    // The foreground path refuses a response with Set-Cookie; so must the background refresh:
    // later requests get the stored "old" (and refresh again), never alice's page from the store.
    java.util.List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    await("another refresh").atMost(Duration.ofSeconds(10)).until(() -> {
      HttpResponse<String> r = site.get(path);
      seen.add(r.body() + " " + SiteFixture.cacheStatus(r));
      return hits(path) >= 3 || !SiteFixture.cacheStatus(r).contains("detail=");
    });
    assertTrue(seen.stream().allMatch(b -> b.startsWith("old ")), seen.toString());
  }

  @Test
  void rfc5861_4_staleIfErrorServesStaleWhenTheOriginFails() throws Exception {
    String path = "/v/sie";
    site.stub(get(path).willReturn(aResponse().withHeader("Cache-Control", "max-age=5, stale-if-error=600").withHeader("Age", "10").withBody("kept")));
    site.get(path);
    site.stub(get(path).willReturn(aResponse().withStatus(503).withBody("down")));
    HttpResponse<String> r = site.get(path);
    assertEquals(200, r.statusCode());
    assertEquals("kept", r.body());
    assertTrue(SiteFixture.cacheStatus(r).contains("detail=stale-if-error"), SiteFixture.cacheStatus(r));
    site.stub(get(path).willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
    HttpResponse<String> broken = site.get(path);
    assertEquals("kept", broken.body());
  }

  @Test
  void rfc9111_5_2_2_2_mustRevalidateNeverServesStale() throws Exception {
    String path = "/v/must-revalidate";
    site.stub(get(path).willReturn(aResponse().withHeader("Cache-Control", "max-age=5, must-revalidate, stale-if-error=600").withHeader("Age", "10").withBody("strict")));
    site.get(path);
    site.stub(get(path).willReturn(aResponse().withStatus(503).withBody("down")));
    HttpResponse<String> r = site.get(path, "Cache-Control", "max-stale=600");
    assertEquals(503, r.statusCode());
  }
}
