package org.oversky.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.oversky.gateway.proxy.Stored.T;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.oversky.cache.StoredResponse;

class VariantsTest {
  private static HttpFields request(String... nameValues) {
    HttpFields.Mutable fields = HttpFields.build();
    for (int i = 0; i < nameValues.length; i += 2) {
      fields.add(nameValues[i], nameValues[i + 1]);
    }
    return fields;
  }

  /** A response stored for {@code storedFor} with the given Vary field lines, as the proxy stores it. */
  private static StoredResponse variant(HttpFields storedFor, long responseTime, String... vary) {
    List<StoredResponse.Header> headers = new ArrayList<>();
    for (String v : vary) {
      headers.add(new StoredResponse.Header("Vary", v));
    }
    String key = Variants.key(Variants.names(List.of(vary)), storedFor);
    return new StoredResponse("http://example.com/", key, 200, headers, Stored.BODY, responseTime, responseTime);
  }

  private static String key(String vary, String... requestHeaders) {
    return Variants.key(Variants.names(List.of(vary)), request(requestHeaders));
  }

  @Test
  void rfc9111_4_1_namesAreCaseInsensitiveAndCombinedAcrossLines() {
    TreeSet<String> names = Variants.names(List.of("Accept-Encoding, ACCEPT-language", " accept ,, Accept-Encoding"));
    assertEquals(List.of("accept", "accept-encoding", "accept-language"), List.copyOf(names));
    assertEquals(List.of(), List.copyOf(Variants.names(List.of())));
  }

  @Test
  void rfc9111_4_1_withoutVaryTheKeyIsEmpty() {
    assertEquals("", Variants.key(new TreeSet<>(), request("Accept-Encoding", "gzip")));
  }

  @Test
  void rfc9111_4_1_whitespaceAndLineCombiningDoNotMatter() {
    String one = key("Accept-Encoding", "Accept-Encoding", "gzip, br");
    assertEquals(one, key("Accept-Encoding", "Accept-Encoding", "gzip,br"));
    assertEquals(one, key("Accept-Encoding", "Accept-Encoding", "  gzip  ,   br "));
    assertEquals(one, key("Accept-Encoding", "Accept-Encoding", "gzip", "accept-encoding", "br"));
    assertNotEquals(one, key("Accept-Encoding", "Accept-Encoding", "br, gzip, zstd"));
  }

  @Test
  void rfc9111_4_1_caseInsensitiveValuesAreCaseNormalised() {
    assertEquals(key("Accept-Encoding", "Accept-Encoding", "gzip"), key("Accept-Encoding", "Accept-Encoding", "GZIP"));
    assertEquals(
        key("Accept-Language", "Accept-Language", "en-GB"), key("Accept-Language", "Accept-Language", "EN-gb"));
  }

  @Test
  void rfc9111_4_1_caseSensitiveValuesAreNotCaseNormalised() {
    // Cookie values are case-sensitive: folding them would share one user's variant with another.
    assertNotEquals(key("Cookie", "Cookie", "session=AbC"), key("Cookie", "Cookie", "session=abc"));
    assertNotEquals(key("X-Tenant", "X-Tenant", "Acme"), key("X-Tenant", "X-Tenant", "ACME"));
  }

  @Test
  void rfc9111_4_1_absentFieldMatchesOnlyAbsentField() {
    // "If ... a header field is absent from a request, it can only match another request if it
    // is also absent there." (An empty Accept-Encoding means identity only; an absent one, any.)
    assertEquals(key("Accept-Encoding"), key("Accept-Encoding", "Accept", "text/html"));
    assertNotEquals(key("Accept-Encoding"), key("Accept-Encoding", "Accept-Encoding", ""));
  }

  @Test
  void rfc9111_4_1_selectPicksTheMatchingVariant() {
    StoredResponse en = variant(request("Accept-Language", "en"), T, "Accept-Language");
    StoredResponse fr = variant(request("Accept-Language", "fr"), T, "Accept-Language");
    List<StoredResponse> stored = List.of(en, fr);
    assertSame(fr, Variants.select(stored, request("Accept-Language", "fr")));
    assertSame(en, Variants.select(stored, request("accept-language", "EN")));
    assertNull(Variants.select(stored, request("Accept-Language", "de")));
    assertNull(Variants.select(stored, request()));
  }

  @Test
  void rfc9111_4_1_selectMatchesEveryNominatedField() {
    HttpFields storedFor = request("Accept-Language", "en", "Accept-Encoding", "gzip");
    StoredResponse r = variant(storedFor, T, "Accept-Language", "Accept-Encoding");
    assertSame(r, Variants.select(List.of(r), request("Accept-Encoding", "gzip", "Accept-Language", "en")));
    assertNull(Variants.select(List.of(r), request("Accept-Encoding", "br", "Accept-Language", "en")));
  }

  @Test
  void rfc9111_4_1_responseWithoutVaryMatchesAnyRequest() {
    StoredResponse r = variant(request("Accept-Language", "en"), T);
    assertSame(r, Variants.select(List.of(r), request("Accept-Language", "fr")));
  }

  @Test
  void rfc9111_4_1_mostRecentOfSeveralMatchingVariants() {
    StoredResponse older = variant(request("Accept-Encoding", "gzip"), T, "Accept-Encoding");
    StoredResponse newer = variant(request("Accept-Encoding", "gzip"), T + 1_000, "Accept-Encoding");
    assertSame(newer, Variants.select(List.of(older, newer), request("Accept-Encoding", "gzip")));
    assertSame(newer, Variants.select(List.of(newer, older), request("Accept-Encoding", "gzip")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"*", " * ", "Accept-Encoding, *", "*,Accept-Encoding"})
  void rfc9111_4_1_varyStarNeverMatches(String vary) {
    StoredResponse r = variant(request("Accept-Encoding", "gzip"), T, vary);
    assertNull(Variants.select(List.of(r), request("Accept-Encoding", "gzip")), vary);
  }

  @Test
  void rfc9111_4_1_varyStarOnASecondLineNeverMatches() {
    StoredResponse r = variant(request("Accept-Encoding", "gzip"), T, "Accept-Encoding", "*");
    assertNull(Variants.select(List.of(r), request("Accept-Encoding", "gzip")));
  }
}
