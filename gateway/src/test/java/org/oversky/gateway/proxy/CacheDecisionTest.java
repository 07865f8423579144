package org.oversky.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.oversky.gateway.proxy.Stored.T;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.Test;
import org.oversky.cache.StoredResponse;
import org.oversky.conf.CacheConfig;
import org.oversky.conf.SiteConfig;
import org.oversky.gateway.proxy.CacheDecision.Action;

/** The cache's decision, alone: request, stored variants and time in; what to do out. */
class CacheDecisionTest {
  private static final SiteConfig SITE = new SiteConfig("example.com", URI.create("http://origin.example"), Duration.ZERO, false);
  private static final CachePolicy POLICY =
      new CachePolicy(new CacheConfig(10, Duration.ofHours(1), Duration.ZERO, Duration.ofDays(1), 1 << 20));

  private static CacheDecision decide(String method, boolean body, long now, List<StoredResponse> variants, String... fields) {
    HttpFields.Mutable f = HttpFields.build();
    for (int i = 0; i < fields.length; i += 2) {
      f.add(fields[i], fields[i + 1]);
    }
    CacheDecision.Input input = new CacheDecision.Input(method, body, f, CachePolicy.requestCacheControl(f));
    return CacheDecision.decide(input, () -> variants, r -> ResponseFacts.of(r, SITE, POLICY), now);
  }

  private static CacheDecision get(long now, List<StoredResponse> variants, String... fields) {
    return decide("GET", false, now, variants, fields);
  }

  private static final StoredResponse FRESH_60 = Stored.at("Cache-Control", "max-age=60", "ETag", "\"a\"");

  @Test
  void unsafeMethodsAndRequestsWithABodyPassWithoutReadingTheStore() {
    Supplier<List<StoredResponse>> never = () -> {
      throw new AssertionError("the store was read");
    };
    CacheDecision.Input post = new CacheDecision.Input("POST", false, HttpFields.EMPTY, CacheControl.EMPTY);
    assertEquals(Action.PASS, CacheDecision.decide(post, never, r -> null, T).action());
    assertEquals("method", CacheDecision.decide(post, never, r -> null, T).status().outcome());
    CacheDecision.Input fat = new CacheDecision.Input("GET", true, HttpFields.EMPTY, CacheControl.EMPTY);
    assertEquals("oversky; fwd=bypass", CacheDecision.decide(fat, never, r -> null, T).status().value());
  }

  @Test
  void aFreshResponseIsServedWithItsRemainingFreshness() {
    CacheDecision d = get(T + 20_000, List.of(FRESH_60));
    assertEquals(Action.SERVE, d.action());
    assertSame(FRESH_60, d.stored());
    assertEquals(20, d.age());
    assertEquals("oversky; hit; ttl=40", d.status().value());
  }

  @Test
  void aStaleResponseIsValidatedUnlessTheRequestOrTheResponseAllowStale() {
    assertEquals(Action.VALIDATE, get(T + 61_000, List.of(FRESH_60)).action());
    CacheDecision accepted = get(T + 61_000, List.of(FRESH_60), "Cache-Control", "max-stale=5");
    assertEquals(Action.SERVE, accepted.action());
    assertEquals("oversky; hit; ttl=-1; detail=max-stale", accepted.status().value());
    StoredResponse swr = Stored.at("Cache-Control", "max-age=60, stale-while-revalidate=30");
    assertEquals(Action.SERVE_STALE_AND_REFRESH, get(T + 70_000, List.of(swr)).action());
    assertEquals(Action.VALIDATE, get(T + 91_000, List.of(swr)).action());
    assertEquals(Action.VALIDATE, get(T + 1_000, List.of(FRESH_60), "Cache-Control", "no-cache").action());
  }

  @Test
  void nothingStoredIsAFillOrARangeFill() {
    assertEquals(Action.FILL, get(T, List.of()).action());
    assertEquals(Action.RANGE_FILL, get(T, List.of(), "Range", "bytes=0-9").action());
    assertEquals(Action.NOT_CACHED, get(T, List.of(), "Cache-Control", "only-if-cached").action());
    assertEquals(Action.NOT_CACHED, get(T + 61_000, List.of(FRESH_60), "Cache-Control", "only-if-cached").action());
  }

  @Test
  void aHeadIsServedWhenFreshAndOtherwisePassed() {
    assertEquals(Action.SERVE, decide("HEAD", false, T, List.of(FRESH_60)).action());
    assertEquals(Action.PASS, decide("HEAD", false, T + 61_000, List.of(FRESH_60)).action());
    assertEquals(Action.PASS, decide("HEAD", false, T, List.of()).action());
  }

  @Test
  void theNewestVariantTheRequestSelectsIsUsed() {
    String english = Variants.key(Variants.names(List.of("Accept-Language")), HttpFields.build().add("Accept-Language", "en"));
    StoredResponse en = new StoredResponse("http://example.com/", english, 200,
        Stored.headers("Cache-Control", "max-age=60", "Vary", "Accept-Language"), Stored.BODY, T, T);
    StoredResponse enNewer = new StoredResponse("http://example.com/", english, 200,
        Stored.headers("Cache-Control", "max-age=60", "Vary", "Accept-Language"), Stored.BODY, T + 1_000, T + 1_000);
    StoredResponse star = new StoredResponse("http://example.com/", "", 200,
        Stored.headers("Cache-Control", "max-age=60", "Vary", "*"), Stored.BODY, T + 2_000, T + 2_000);
    CacheDecision d = get(T + 2_000, List.of(en, enNewer, star), "Accept-Language", "en");
    assertSame(enNewer, d.stored());
    CacheDecision fr = get(T + 2_000, List.of(en, enNewer, star), "Accept-Language", "fr");
    assertEquals(Action.FILL, fr.action());
    assertNull(fr.stored());
  }
}
