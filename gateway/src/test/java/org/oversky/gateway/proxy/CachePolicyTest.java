package org.oversky.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oversky.gateway.proxy.Stored.T;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.oversky.cache.StoredResponse;
import org.oversky.conf.CacheConfig;
import org.oversky.conf.SiteConfig;
import org.oversky.gateway.http.HttpDates;
import org.oversky.gateway.proxy.CachePolicy.Use;

class CachePolicyTest {
  private static final URI ORIGIN = URI.create("http://origin.example");
  private static final SiteConfig SITE = new SiteConfig("example.com", ORIGIN, Duration.ZERO, false);
  private static final CachePolicy POLICY = policy(Duration.ZERO);

  private static CachePolicy policy(Duration staleIfError) {
    return new CachePolicy(new CacheConfig(10, Duration.ofHours(1), staleIfError, Duration.ZERO, 1 << 20));
  }

  private static HttpFields.Mutable request(String... nameValues) {
    HttpFields.Mutable fields = HttpFields.build();
    for (int i = 0; i < nameValues.length; i += 2) {
      fields.add(nameValues[i], nameValues[i + 1]);
    }
    return fields;
  }

  private static boolean storable(int status, String... responseHeaders) {
    return POLICY.storable(request(), status, Stored.headers(responseHeaders), SITE).store();
  }

  private static CacheControl cc(String... values) {
    return CacheControl.parse(List.of(values));
  }

  private static String date(long epochMillis) {
    return HttpDates.format(epochMillis);
  }

  // ---- §3 storing responses ----

  @ParameterizedTest
  @ValueSource(ints = {100, 103, 199, 206, 304})
  void rfc9111_3_onlyWholeFinalResponsesAreStored(int status) {
    assertFalse(storable(status, "Cache-Control", "max-age=60", "ETag", "\"a\""));
  }

  @Test
  void rfc9111_3_explicitFreshnessMakesAnyFinalStatusStorable() {
    assertTrue(storable(200, "Cache-Control", "max-age=60"));
    assertTrue(storable(500, "Cache-Control", "max-age=60"));
    assertTrue(storable(500, "Cache-Control", "s-maxage=60"));
    assertTrue(storable(500, "Cache-Control", "public"));
    assertTrue(storable(500, "Expires", date(T + 60_000)));
  }

  @Test
  void rfc9111_3_heuristicallyCacheableStatusWithValidatorIsStorable() {
    assertTrue(storable(200, "ETag", "\"a\""));
    assertTrue(storable(404, "Last-Modified", date(T - 3_600_000)));
    assertFalse(storable(200), "no freshness, no validator, no default TTL");
    assertFalse(storable(500, "ETag", "\"a\""), "500 is not heuristically cacheable");
    assertFalse(storable(302, "Last-Modified", date(T - 3_600_000)), "302 is not heuristically cacheable");
  }

  @Test
  void rfc9111_3_siteDefaultTtlMakesHeuristicStatusStorable() {
    SiteConfig withTtl = new SiteConfig("example.com", ORIGIN, Duration.ofMinutes(5), false);
    assertTrue(POLICY.storable(request(), 200, List.of(), withTtl).store());
    assertFalse(POLICY.storable(request(), 500, List.of(), withTtl).store());
  }

  @Test
  void rfc9111_5_2_2_5_responseNoStoreIsNotStored() {
    assertFalse(storable(200, "Cache-Control", "max-age=60, no-store"));
    assertFalse(storable(200, "Cache-Control", "public", "Cache-Control", "No-Store"));
  }

  @Test
  void rfc9111_5_2_1_5_requestNoStoreIsNotStored() {
    HttpFields req = request("Cache-Control", "no-store");
    assertFalse(POLICY.storable(req, 200, Stored.headers("Cache-Control", "max-age=60"), SITE).store());
  }

  @Test
  void rfc9111_5_2_2_7_privateIsNotStoredBySharedCache() {
    assertFalse(storable(200, "Cache-Control", "private, max-age=60"));
    assertFalse(storable(200, "Cache-Control", "PRIVATE"));
    assertFalse(storable(200, "Cache-Control", "private=\"Set-Cookie\", max-age=60"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"public", "s-maxage=60", "must-revalidate, max-age=60"})
  void rfc9111_3_5_authorizedRequestStoredOnlyWithPublicSmaxageOrMustRevalidate(String cacheControl) {
    HttpFields req = request("Authorization", "Bearer x");
    assertTrue(POLICY.storable(req, 200, Stored.headers("Cache-Control", cacheControl), SITE).store());
  }

  @Test
  void rfc9111_3_5_authorizedRequestWithPlainMaxAgeIsNotStored() {
    HttpFields req = request("Authorization", "Bearer x");
    List<StoredResponse.Header> res = Stored.headers("Cache-Control", "max-age=60", "ETag", "\"a\"");
    assertFalse(POLICY.storable(req, 200, res, SITE).store());
    assertTrue(POLICY.storable(request(), 200, Stored.headers("Cache-Control", "max-age=60"), SITE).store());
  }

  @Test
  void setCookieIsNotStoredUnlessTheSiteIgnoresIt() {
    List<StoredResponse.Header> res = Stored.headers("Cache-Control", "max-age=60", "Set-Cookie", "id=1");
    assertFalse(POLICY.storable(request(), 200, res, SITE).store());
    SiteConfig ignoring = new SiteConfig("example.com", ORIGIN, Duration.ZERO, true);
    assertTrue(POLICY.storable(request(), 200, res, ignoring).store());
  }

  @ParameterizedTest
  @ValueSource(strings = {"*", " * ", "Accept-Encoding, *", "*, Accept-Language"})
  void rfc9111_4_1_varyStarIsNotStored(String vary) {
    assertFalse(storable(200, "Cache-Control", "max-age=60", "Vary", vary), vary);
  }

  @Test
  void rfc9111_4_1_varyStarInASecondFieldLineIsNotStored() {
    assertFalse(storable(200, "Cache-Control", "max-age=60", "Vary", "Accept-Encoding", "Vary", "*"));
    assertTrue(storable(200, "Cache-Control", "max-age=60", "Vary", "Accept-Encoding"));
  }

  // ---- §4.2.1 freshness lifetime ----

  @Test
  void rfc9111_4_2_1_sMaxageWinsOverMaxAgeInASharedCache() {
    assertEquals(20, POLICY.freshnessLifetime(Stored.at("Cache-Control", "max-age=10, s-maxage=20"), SITE));
    StoredResponse twoLines = Stored.at("Cache-Control", "s-maxage=5", "Cache-Control", "max-age=10");
    assertEquals(5, POLICY.freshnessLifetime(twoLines, SITE));
  }

  @Test
  void rfc9111_4_2_1_maxAgeWinsOverExpires() {
    StoredResponse r = Stored.at("Date", date(T), "Expires", date(T + 1_000_000), "Cache-Control", "max-age=30");
    assertEquals(30, POLICY.freshnessLifetime(r, SITE));
  }

  @Test
  void rfc9111_4_2_1_expiresMinusDate() {
    // The Date is 50 s before the response was received: the lifetime is still Expires - Date.
    StoredResponse r = Stored.response(T, T, "Date", date(T - 50_000), "Expires", date(T + 100_000));
    assertEquals(150, POLICY.freshnessLifetime(r, SITE));
  }

  @Test
  void rfc9111_4_2_1_expiresWithoutDateCountsFromReceipt() {
    StoredResponse r = Stored.response(T - 5_000, T, "Expires", date(T + 100_000));
    assertEquals(100, POLICY.freshnessLifetime(r, SITE));
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "-1", "yesterday", ""})
  void rfc9111_5_3_invalidExpiresIsInThePast(String expires) {
    StoredResponse r = Stored.at("Date", date(T), "Expires", expires, "Last-Modified", date(T - 10_000_000));
    assertEquals(0, POLICY.freshnessLifetime(r, SITE), expires);
  }

  @Test
  void rfc9111_4_2_1_expiresInThePastIsStale() {
    assertEquals(0, POLICY.freshnessLifetime(Stored.at("Date", date(T), "Expires", date(T - 60_000)), SITE));
  }

  @Test
  void rfc9111_4_2_1_twoExpiresLinesAreStale() {
    StoredResponse r = Stored.at("Date", date(T), "Expires", date(T + 60_000), "Expires", date(T + 60_000));
    assertEquals(0, POLICY.freshnessLifetime(r, SITE));
  }

  @Test
  void rfc9111_4_2_1_conflictingDirectivesAreStale() {
    assertEquals(0, POLICY.freshnessLifetime(Stored.at("Cache-Control", "max-age=60, max-age=120"), SITE));
    StoredResponse twoLines = Stored.at("Cache-Control", "max-age=60", "Cache-Control", "max-age=120");
    assertEquals(0, POLICY.freshnessLifetime(twoLines, SITE));
    StoredResponse repeated = Stored.at("Cache-Control", "max-age=60", "Cache-Control", "max-age=60");
    assertEquals(60, POLICY.freshnessLifetime(repeated, SITE));
  }

  @ParameterizedTest
  @ValueSource(strings = {"max-age=abc", "max-age=", "max-age=-5", "max-age=1.5", "s-maxage=x, max-age=60"})
  void rfc9111_4_2_1_invalidFreshnessIsStaleAndNotHeuristic(String cacheControl) {
    StoredResponse r = Stored.at("Date", date(T), "Cache-Control", cacheControl, "Last-Modified", date(T - 10_000_000));
    assertEquals(0, POLICY.freshnessLifetime(r, SITE), cacheControl);
  }

  @Test
  void rfc9111_1_2_2_hugeMaxAgeIsCappedAt2To31() {
    StoredResponse r = Stored.at("Cache-Control", "max-age=99999999999999999999999");
    assertEquals(2147483648L, POLICY.freshnessLifetime(r, SITE));
  }

  // ---- §4.2.2 heuristic freshness ----

  @Test
  void rfc9111_4_2_2_heuristicIsAFractionOfTheTimeSinceLastModified() {
    StoredResponse r = Stored.at("Date", date(T), "Last-Modified", date(T - 1_000_000));
    assertEquals(100, POLICY.freshnessLifetime(r, SITE), "10% of 1000 s");
  }

  @Test
  void rfc9111_4_2_2_heuristicIsCapped() {
    StoredResponse r = Stored.at("Date", date(T), "Last-Modified", date(T - 365L * 24 * 3_600_000));
    assertEquals(3600, POLICY.freshnessLifetime(r, SITE));
  }

  @Test
  void rfc9111_4_2_2_noHeuristicForStatusNotHeuristicallyCacheable() {
    StoredResponse r = Stored.withStatus(302, "Date", date(T), "Last-Modified", date(T - 1_000_000));
    assertEquals(0, POLICY.freshnessLifetime(r, SITE));
    StoredResponse notFound = Stored.withStatus(404, "Date", date(T), "Last-Modified", date(T - 1_000_000));
    assertEquals(100, POLICY.freshnessLifetime(notFound, SITE));
  }

  @Test
  void rfc9111_4_2_2_noHeuristicWhenLastModifiedIsNotBeforeDate() {
    assertEquals(0, POLICY.freshnessLifetime(Stored.at("Date", date(T), "Last-Modified", date(T + 1_000_000)), SITE));
    assertEquals(0, POLICY.freshnessLifetime(Stored.at("Date", date(T), "Last-Modified", "garbage"), SITE));
  }

  @Test
  void rfc9111_4_2_2_noHeuristicWhenExplicitExpirationIsPresent() {
    StoredResponse r = Stored.at("Date", date(T), "Cache-Control", "max-age=5", "Last-Modified", date(T - 1_000_000));
    assertEquals(5, POLICY.freshnessLifetime(r, SITE));
  }

  @Test
  void rfc9111_4_2_2_noCacheGetsNoHeuristicOrDefaultLifetime() {
    SiteConfig withTtl = new SiteConfig("example.com", ORIGIN, Duration.ofMinutes(5), false);
    StoredResponse r = Stored.at("Date", date(T), "Cache-Control", "no-cache", "Last-Modified", date(T - 1_000_000));
    assertEquals(0, POLICY.freshnessLifetime(r, SITE));
    assertEquals(0, POLICY.freshnessLifetime(r, withTtl));
  }

  @Test
  void siteDefaultTtlAppliesOnlyWithoutExplicitFreshness() {
    SiteConfig withTtl = new SiteConfig("example.com", ORIGIN, Duration.ofMinutes(5), false);
    assertEquals(300, POLICY.freshnessLifetime(Stored.at("Last-Modified", date(T - 1_000_000)), withTtl));
    assertEquals(7, POLICY.freshnessLifetime(Stored.at("Cache-Control", "max-age=7"), withTtl));
  }

  // ---- §4.2.3 age ----

  @Test
  void rfc9111_4_2_3_ageCalculation() {
    // Sent at T, received 2 s later; the origin's Date is 3 s before T (apparent age 5 s);
    // Age: 1 plus the 2 s delay gives a corrected age value of 3 s; 10 s resident.
    StoredResponse r = Stored.response(T, T + 2_000, "Date", date(T - 3_000), "Age", "1");
    assertEquals(15, CachePolicy.currentAge(r, T + 12_000));
  }

  @Test
  void rfc9111_4_2_3_correctedAgeValueWinsWhenLarger() {
    StoredResponse r = Stored.response(T, T + 2_000, "Date", date(T - 3_000), "Age", "100");
    assertEquals(112, CachePolicy.currentAge(r, T + 12_000));
  }

  @Test
  void rfc9111_4_2_3_dateInTheFutureGivesNoNegativeApparentAge() {
    StoredResponse r = Stored.response(T, T, "Date", date(T + 3_600_000));
    assertEquals(10, CachePolicy.currentAge(r, T + 10_000));
  }

  @Test
  void rfc9111_4_2_3_withoutDateOrAgeTheAgeIsDelayPlusResidentTime() {
    StoredResponse r = Stored.response(T, T + 1_000, "Cache-Control", "max-age=60");
    assertEquals(31, CachePolicy.currentAge(r, T + 31_000));
    assertEquals(0, CachePolicy.currentAge(Stored.at(), T));
  }

  @ParameterizedTest
  @ValueSource(strings = {"abc", "-5", "1.5", ""})
  void rfc9111_5_1_invalidAgeIsIgnored(String age) {
    StoredResponse r = Stored.response(T, T, "Date", date(T), "Age", age);
    assertEquals(10, CachePolicy.currentAge(r, T + 10_000), age);
  }

  @Test
  void rfc9111_5_1_listBasedAgeUsesTheFirstMember() {
    StoredResponse r = Stored.response(T, T, "Date", date(T), "Age", "30, 40");
    assertEquals(40, CachePolicy.currentAge(r, T + 10_000));
    StoredResponse twoLines = Stored.response(T, T, "Date", date(T), "Age", "30", "Age", "40");
    assertEquals(40, CachePolicy.currentAge(twoLines, T + 10_000));
  }

  @ParameterizedTest
  @ValueSource(strings = {"99999999999999999999", "9999999999999999", "2147483648"})
  void rfc9111_1_2_2_hugeAgeIsTakenAs2To31(String age) {
    StoredResponse r = Stored.response(T, T, "Date", date(T), "Age", age);
    long currentAge = CachePolicy.currentAge(r, T);
    assertEquals(2147483648L, currentAge, age);
    // So a year's max-age does not make it fresh.
    assertEquals(Use.VALIDATE, CachePolicy.use(CacheControl.EMPTY, r, 365L * 24 * 3600, currentAge), age);
  }

  // ---- §4.2 and §5.2 use ----

  private static final StoredResponse PLAIN = Stored.at("Cache-Control", "max-age=100");

  @Test
  void rfc9111_4_2_freshWhileLifetimeExceedsAge() {
    assertEquals(Use.FRESH, CachePolicy.use(CacheControl.EMPTY, PLAIN, 100, 99));
    assertEquals(Use.VALIDATE, CachePolicy.use(CacheControl.EMPTY, PLAIN, 100, 100));
    assertEquals(Use.VALIDATE, CachePolicy.use(CacheControl.EMPTY, PLAIN, 0, 0));
  }

  @Test
  void rfc9111_5_2_1_1_requestMaxAge() {
    assertEquals(Use.FRESH, CachePolicy.use(cc("max-age=10"), PLAIN, 100, 10));
    assertEquals(Use.VALIDATE, CachePolicy.use(cc("max-age=9"), PLAIN, 100, 10));
    assertEquals(Use.VALIDATE, CachePolicy.use(cc("max-age=0"), PLAIN, 100, 1));
  }

  @Test
  void rfc9111_5_2_1_3_requestMinFresh() {
    assertEquals(Use.FRESH, CachePolicy.use(cc("min-fresh=50"), PLAIN, 100, 50));
    assertEquals(Use.VALIDATE, CachePolicy.use(cc("min-fresh=51"), PLAIN, 100, 50));
  }

  @Test
  void rfc9111_5_2_1_2_requestMaxStale() {
    assertEquals(Use.STALE_ACCEPTED, CachePolicy.use(cc("max-stale=10"), PLAIN, 100, 110));
    assertEquals(Use.VALIDATE, CachePolicy.use(cc("max-stale=9"), PLAIN, 100, 110));
    assertEquals(Use.STALE_ACCEPTED, CachePolicy.use(cc("max-stale"), PLAIN, 100, 1_000_000));
    assertEquals(Use.VALIDATE, CachePolicy.use(cc("max-stale=abc"), PLAIN, 100, 101));
  }

  @Test
  void rfc9111_5_2_1_2_maxStaleDoesNotOverrideRequestMaxAge() {
    assertEquals(Use.VALIDATE, CachePolicy.use(cc("max-stale, max-age=105"), PLAIN, 100, 110));
    assertEquals(Use.STALE_ACCEPTED, CachePolicy.use(cc("max-stale, max-age=110"), PLAIN, 100, 110));
  }

  @Test
  void rfc9111_5_2_1_4_requestNoCacheValidatesEvenAFreshResponse() {
    assertEquals(Use.VALIDATE, CachePolicy.use(cc("no-cache"), PLAIN, 100, 0));
    assertEquals(Use.VALIDATE, CachePolicy.use(cc("No-Cache, max-stale"), PLAIN, 100, 0));
  }

  @Test
  void rfc9111_5_2_2_4_responseNoCacheValidatesEvenAFreshResponse() {
    StoredResponse r = Stored.at("Cache-Control", "max-age=100, no-cache");
    assertEquals(Use.VALIDATE, CachePolicy.use(CacheControl.EMPTY, r, 100, 0));
    StoredResponse qualified = Stored.at("Cache-Control", "max-age=100, no-cache=\"Set-Cookie\"");
    assertEquals(Use.VALIDATE, CachePolicy.use(CacheControl.EMPTY, qualified, 100, 0));
  }

  @ParameterizedTest
  @ValueSource(strings = {"must-revalidate", "proxy-revalidate", "s-maxage=100"})
  void rfc9111_5_2_2_2_mustRevalidateForbidsServingStale(String directive) {
    StoredResponse r = Stored.at("Cache-Control", "max-age=100, stale-while-revalidate=60, " + directive);
    assertEquals(Use.FRESH, CachePolicy.use(CacheControl.EMPTY, r, 100, 50), directive);
    assertEquals(Use.VALIDATE, CachePolicy.use(cc("max-stale"), r, 100, 101), directive);
    assertEquals(Use.VALIDATE, CachePolicy.use(CacheControl.EMPTY, r, 100, 101), directive);
  }

  @Test
  void rfc5861_3_staleWhileRevalidateServesStaleWithinTheWindow() {
    StoredResponse r = Stored.at("Cache-Control", "max-age=100, stale-while-revalidate=10");
    assertEquals(Use.FRESH, CachePolicy.use(CacheControl.EMPTY, r, 100, 99));
    assertEquals(Use.STALE_WHILE_REVALIDATE, CachePolicy.use(CacheControl.EMPTY, r, 100, 110));
    assertEquals(Use.VALIDATE, CachePolicy.use(CacheControl.EMPTY, r, 100, 111));
  }

  @Test
  void rfc5861_3_staleWhileRevalidateYieldsToRequestDirectives() {
    StoredResponse r = Stored.at("Cache-Control", "max-age=100, stale-while-revalidate=10");
    assertEquals(Use.VALIDATE, CachePolicy.use(cc("max-age=200"), r, 100, 105));
    assertEquals(Use.VALIDATE, CachePolicy.use(cc("no-cache"), r, 100, 105));
  }

  // ---- RFC 5861 §4 stale-if-error ----

  @Test
  void rfc5861_4_responseStaleIfErrorBoundsStaleness() {
    StoredResponse r = Stored.at("Cache-Control", "max-age=100, stale-if-error=60");
    assertTrue(POLICY.staleIfError(r, 100, 160, CacheControl.EMPTY));
    assertFalse(POLICY.staleIfError(r, 100, 161, CacheControl.EMPTY));
  }

  @Test
  void rfc5861_4_requestStaleIfErrorBoundsStaleness() {
    assertTrue(POLICY.staleIfError(PLAIN, 100, 130, cc("stale-if-error=30")));
    assertFalse(POLICY.staleIfError(PLAIN, 100, 131, cc("stale-if-error=30")));
  }

  @Test
  void rfc5861_4_withoutDirectiveOnlyTheNodeSettingAllowsStale() {
    assertFalse(POLICY.staleIfError(PLAIN, 100, 101, CacheControl.EMPTY));
    CachePolicy lenient = policy(Duration.ofMinutes(1));
    assertTrue(lenient.staleIfError(PLAIN, 100, 160, CacheControl.EMPTY));
    assertFalse(lenient.staleIfError(PLAIN, 100, 161, CacheControl.EMPTY));
  }

  @ParameterizedTest
  @ValueSource(strings = {"must-revalidate", "proxy-revalidate", "s-maxage=100"})
  void rfc9111_4_2_4_staleIfErrorYieldsToMustRevalidate(String directive) {
    StoredResponse r = Stored.at("Cache-Control", "max-age=100, stale-if-error=600, " + directive);
    assertFalse(policy(Duration.ofHours(1)).staleIfError(r, 100, 101, cc("stale-if-error=600")), directive);
  }

  @Test
  void rfc9111_5_2_2_4_noCacheResponseIsNeverServedWithoutValidation() {
    // no-cache: "MUST NOT be used to satisfy any other request without successful validation";
    // a failed validation is not a successful one, even while max-age says it is fresh.
    StoredResponse r = Stored.at("Cache-Control", "no-cache, max-age=100");
    CachePolicy lenient = policy(Duration.ofHours(1));
    assertFalse(lenient.staleIfError(r, 100, 10, CacheControl.EMPTY));
    assertFalse(lenient.staleIfError(r, 100, 200, CacheControl.EMPTY));
  }

  // ---- §4.2.4 stale on disconnect ----

  private static CachePolicy onDisconnect(Duration bound) {
    return new CachePolicy(new CacheConfig(10, Duration.ofHours(1), Duration.ZERO, bound, 1 << 20));
  }

  @Test
  void rfc9111_4_2_4_aDisconnectedCacheServesStaleWithinItsBound() {
    StoredResponse r = Stored.at("Cache-Control", "max-age=100");
    CachePolicy policy = onDisconnect(Duration.ofSeconds(60));
    assertTrue(policy.staleOnDisconnect(r, 100, 160, CacheControl.EMPTY));
    assertFalse(policy.staleOnDisconnect(r, 100, 161, CacheControl.EMPTY));
    assertFalse(policy.staleIfError(r, 100, 101, CacheControl.EMPTY), "a 5xx is not a disconnection");
    assertFalse(onDisconnect(Duration.ZERO).staleOnDisconnect(r, 100, 101, CacheControl.EMPTY), "0s turns it off");
  }

  @ParameterizedTest
  @ValueSource(strings = {"max-age=100, must-revalidate", "max-age=100, proxy-revalidate", "s-maxage=100", "no-cache"})
  void rfc9111_4_2_4_aDisconnectedCacheServesNoStaleThatTheResponseForbids(String directives) {
    StoredResponse r = Stored.at("Cache-Control", directives);
    assertFalse(onDisconnect(Duration.ofDays(1)).staleOnDisconnect(r, 100, 101, CacheControl.EMPTY), directives);
  }

  @Test
  void rfc9111_4_2_4_staleIfErrorStillAppliesWhenDisconnected() {
    StoredResponse r = Stored.at("Cache-Control", "max-age=100, stale-if-error=600");
    assertTrue(onDisconnect(Duration.ZERO).staleOnDisconnect(r, 100, 700, CacheControl.EMPTY));
  }

  // ---- RFC 9213 targeted cache control ----

  @Test
  void rfc9213_2_2_cdnCacheControlReplacesCacheControlAndExpires() {
    StoredResponse r =
        Stored.at("Cache-Control", "no-store", "Expires", date(T + 3_600_000), "Date", date(T), "CDN-Cache-Control", "max-age=60");
    assertEquals(60, POLICY.freshnessLifetime(r, SITE));
    assertTrue(storable(200, "Cache-Control", "no-store", "CDN-Cache-Control", "max-age=60"));
    assertFalse(storable(200, "Cache-Control", "max-age=60", "CDN-Cache-Control", "no-store"));
    StoredResponse noMaxAge = Stored.at("Expires", date(T + 3_600_000), "Date", date(T), "CDN-Cache-Control", "must-revalidate");
    assertEquals(0, POLICY.freshnessLifetime(noMaxAge, SITE), "Expires is ignored when a targeted field is used");
  }

  @Test
  void rfc9213_2_2_theNodesOwnFieldComesFirst() {
    StoredResponse r = Stored.at("CDN-Cache-Control", "max-age=60", "Oversky-Cache-Control", "max-age=5");
    assertEquals(5, POLICY.freshnessLifetime(r, SITE));
    assertEquals(Use.VALIDATE, CachePolicy.use(CacheControl.EMPTY, Stored.at("Cache-Control", "max-age=60", "CDN-Cache-Control", "no-cache"), 60, 1));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "MAX-AGE=60", "max-age=60,", "max-age=\"60", "max age=60", "max-age=60;;"})
  void rfc9213_2_2_anInvalidOrEmptyTargetedFieldIsIgnored(String value) {
    StoredResponse r = Stored.at("Cache-Control", "max-age=30", "CDN-Cache-Control", value);
    assertEquals(30, POLICY.freshnessLifetime(r, SITE), "'" + value + "'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"max-age=60", "max-age=60, must-revalidate", "no-store", "max-age=60,private", "foo=\"bar\", max-age=60", "a=?1, max-age=60"})
  void rfc9213_validDictionariesAreTargetedFields(String value) {
    assertTrue(CachePolicy.validDictionary(value), value);
  }

  // ---- §5.4 Pragma ----

  @Test
  void rfc9111_5_4_pragmaNoCacheCountsWithoutCacheControl() {
    assertTrue(CachePolicy.requestCacheControl(request("Pragma", "no-cache")).has("no-cache"));
    assertTrue(CachePolicy.requestCacheControl(request("Pragma", "No-Cache")).has("no-cache"));
    assertFalse(CachePolicy.requestCacheControl(request()).has("no-cache"));
  }

  @Test
  void rfc9111_5_4_pragmaIsIgnoredWhenCacheControlIsPresent() {
    CacheControl cc = CachePolicy.requestCacheControl(request("Pragma", "no-cache", "Cache-Control", "max-age=60"));
    assertFalse(cc.has("no-cache"));
    assertEquals(60, cc.seconds("max-age"));
  }

  @Test
  void rfc9111_5_2_requestDirectivesFromEveryCacheControlLine() {
    CacheControl cc =
        CachePolicy.requestCacheControl(request("Cache-Control", "Max-Age=5", "cache-control", "max-stale=7"));
    assertEquals(5, cc.seconds("max-age"));
    assertEquals(7, cc.seconds("max-stale"));
  }
}
