package org.oversky.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 9111 §3 (what a shared cache stores) and §4.2 (freshness and age), through a real node and origin. */
class Rfc9111StorageTest {
  static SiteFixture site;

  @BeforeAll
  static void start(@TempDir Path dir) throws Exception {
    site = new SiteFixture(dir);
  }

  @AfterAll
  static void stop() throws Exception {
    site.close();
  }

  /** Two GETs; returns the second response. */
  private static HttpResponse<String> twice(String path, String... headers) throws Exception {
    HttpResponse<String> first = site.get(path, headers);
    assertEquals(200, first.statusCode(), first.body());
    return site.get(path, headers);
  }

  private static int hits(String path) {
    return site.originCount(getRequestedFor(urlEqualTo(path)));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "/s/max-age | Cache-Control | max-age=300",
        "/s/s-maxage | Cache-Control | max-age=0, s-maxage=300",
        "/s/public | Cache-Control | public, max-age=300",
        "/s/expires | Expires | Thu, 01 Jan 2099 00:00:00 GMT"
      })
  void rfc9111_4_2_1_explicitFreshnessIsServedFromTheCache(String path, String header, String value) throws Exception {
    site.stub(get(path).willReturn(aResponse().withHeader(header, value).withBody("fresh " + path)));
    HttpResponse<String> second = twice(path);
    assertEquals("fresh " + path, second.body());
    assertTrue(SiteFixture.cacheStatus(second).startsWith("oversky; hit"), SiteFixture.cacheStatus(second));
    assertEquals(1, hits(path));
  }

  @Test
  void rfc9111_4_2_2_heuristicFreshnessFromLastModified() throws Exception {
    String path = "/s/heuristic";
    site.stub(get(path).willReturn(aResponse().withHeader("Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT").withBody("old")));
    HttpResponse<String> second = twice(path);
    assertTrue(SiteFixture.cacheStatus(second).contains("hit"), SiteFixture.cacheStatus(second));
    assertEquals(1, hits(path));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "/n/no-store | Cache-Control | no-store",
        "/n/private | Cache-Control | private, max-age=300",
        "/n/set-cookie | Set-Cookie | session=1",
        "/n/vary-star | Vary | *",
        "/n/nothing | X-Nothing | no freshness, no validator"
      })
  void rfc9111_3_responsesASharedCacheMustNotStoreGoToTheOriginEachTime(String path, String header, String value)
      throws Exception {
    var response = aResponse().withHeader(header, value).withBody("not stored");
    if (!header.equals("Cache-Control")) {
      response = response.withHeader("Cache-Control", header.equals("X-Nothing") ? "" : "max-age=300");
    }
    site.stub(get(path).willReturn(response));
    HttpResponse<String> second = twice(path);
    assertEquals("not stored", second.body());
    assertFalse(SiteFixture.cacheStatus(second).contains("hit"), SiteFixture.cacheStatus(second));
    assertEquals(2, hits(path));
  }

  @Test
  void rfc9111_3_requestNoStoreIsNotStored() throws Exception {
    String path = "/n/request-no-store";
    site.stub(get(path).willReturn(aResponse().withHeader("Cache-Control", "max-age=300").withBody("x")));
    site.get(path, "Cache-Control", "no-store");
    site.get(path);
    assertEquals(2, hits(path));
  }

  @Test
  void rfc9111_3_5_authorizationIsStoredOnlyWithPublicSMaxageOrMustRevalidate() throws Exception {
    site.stub(get("/auth/plain").willReturn(aResponse().withHeader("Cache-Control", "max-age=300").withBody("a")));
    site.stub(get("/auth/public").willReturn(aResponse().withHeader("Cache-Control", "public, max-age=300").withBody("b")));
    twice("/auth/plain", "Authorization", "Bearer x");
    twice("/auth/public", "Authorization", "Bearer x");
    assertEquals(2, hits("/auth/plain"));
    assertEquals(1, hits("/auth/public"));
  }

  @Test
  void rfc9111_3_partialResponsesAreNotStoredAsWholeBodies() throws Exception {
    String path = "/n/partial";
    site.stub(
        get(path)
            .willReturn(
                aResponse().withStatus(206).withHeader("Content-Range", "bytes 0-3/10").withHeader("Cache-Control", "max-age=300").withBody("abcd")));
    assertEquals(206, site.get(path).statusCode());
    assertEquals(206, site.get(path).statusCode());
    assertEquals(2, hits(path));
  }

  @Test
  void rfc9111_4_2_3_ageIsComputedAndSentOnHits() throws Exception {
    String path = "/s/aged";
    site.stub(get(path).willReturn(aResponse().withHeader("Cache-Control", "max-age=600").withHeader("Age", "100").withBody("aged")));
    HttpResponse<String> second = twice(path);
    long age = Long.parseLong(second.headers().firstValue("Age").orElseThrow());
    assertEquals(1, second.headers().allValues("Date").size(), "one Date: the origin's");
    assertTrue(age >= 100 && age < 160, "Age " + age);
    assertTrue(SiteFixture.cacheStatus(second).contains("hit"));
  }

  @Test
  void rfc9111_4_2_1_expiresInThePastIsStale() throws Exception {
    String path = "/n/expired";
    site.stub(get(path).willReturn(aResponse().withHeader("Expires", "Thu, 01 Jan 1970 00:00:00 GMT").withHeader("ETag", "\"e1\"").withBody("e")));
    twice(path);
    assertEquals(2, hits(path));
  }

  @Test
  void rfc9111_4_2_1_invalidOrDuplicatedMaxAgeIsStale() throws Exception {
    site.stub(get("/n/invalid").willReturn(aResponse().withHeader("Cache-Control", "max-age=soon").withHeader("ETag", "\"i\"").withBody("i")));
    site.stub(
        get("/n/duplicated")
            .willReturn(aResponse().withHeader("Cache-Control", "max-age=300").withHeader("Cache-Control", "max-age=5").withHeader("ETag", "\"d\"").withBody("d")));
    twice("/n/invalid");
    twice("/n/duplicated");
    assertEquals(2, hits("/n/invalid"));
    assertEquals(2, hits("/n/duplicated"));
  }

  @Test
  void siteDefaultTtlGivesFreshnessToResponsesWithout(@TempDir Path dir) throws Exception {
    try (SiteFixture ttl = new SiteFixture(dir, Map.of())) {
      // A second node whose site has a default TTL.
      try (TestNode node =
          TestNode.start(dir.resolve("ttl"), Map.of("sites", SiteFixture.HOST + "=" + ttl.origin.baseUrl() + ";default-ttl=5m"))) {
        ttl.stub(get("/plain").willReturn(aResponse().withBody("plain")));
        for (int i = 0; i < 2; i++) {
          TestNode.HTTP.send(
              java.net.http.HttpRequest.newBuilder(node.url("/plain")).header("Host", SiteFixture.HOST).build(),
              java.net.http.HttpResponse.BodyHandlers.discarding());
        }
        assertEquals(1, ttl.originCount(getRequestedFor(urlEqualTo("/plain"))));
      }
    }
  }

  @Test
  void aStoredBodyIsReachableByItsSha256() throws Exception {
    String path = "/s/by-key";
    site.stub(get(path).willReturn(aResponse().withHeader("Cache-Control", "max-age=300").withBody("keyed body")));
    site.get(path);
    String key = Bytes.sha256("keyed body".getBytes(StandardCharsets.UTF_8));
    assertEquals("keyed body", new String(site.node.get("/key/" + key).body(), StandardCharsets.UTF_8));
  }
}
