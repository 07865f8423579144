package org.oversky.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CacheControlTest {
  private static CacheControl cc(String... values) {
    return CacheControl.parse(List.of(values));
  }

  @Test
  void rfc9111_5_2_directiveNamesAreCaseInsensitive() {
    CacheControl cc = cc("MAX-AGE=5, No-Store, Public");
    assertEquals(5, cc.seconds("max-age"));
    assertTrue(cc.has("no-store"));
    assertTrue(cc.has("public"));
    assertFalse(cc.has("private"));
  }

  @Test
  void rfc9111_5_2_valuesMayBeQuotedStrings() {
    assertEquals(10, cc("max-age=\"10\"").seconds("max-age"));
    CacheControl cc = cc("no-cache=\"Set-Cookie, X-Foo\", max-age=3");
    assertEquals("Set-Cookie, X-Foo", cc.value("no-cache"));
    assertEquals(3, cc.seconds("max-age"));
    assertFalse(cc.has(" x-foo\""), "a comma inside quotes does not start a directive");
  }

  @Test
  void rfc9110_5_6_4_quotedPairIsUnescaped() {
    CacheControl cc = cc("ext=\"a\\\"b,c\", max-age=1");
    assertEquals("a\"b,c", cc.value("ext"));
    assertEquals(1, cc.seconds("max-age"));
  }

  @Test
  void rfc9110_5_3_everyFieldLineCounts() {
    CacheControl cc = cc("max-age=5", "public", " , must-revalidate,,");
    assertEquals(5, cc.seconds("max-age"));
    assertTrue(cc.has("public"));
    assertTrue(cc.has("must-revalidate"));
    assertFalse(cc.has(""));
  }

  @Test
  void rfc9111_5_2_directiveWithoutValue() {
    CacheControl cc = cc("no-cache, max-stale");
    assertTrue(cc.has("no-cache"));
    assertNull(cc.value("no-cache"));
    assertNull(cc.value("absent"));
  }

  @Test
  void noFieldsIsEmpty() {
    assertSame(CacheControl.EMPTY, CacheControl.parse(List.of()));
    assertFalse(CacheControl.EMPTY.has("no-cache"));
    assertEquals(-1, CacheControl.EMPTY.seconds("max-age"));
  }

  @Test
  void rfc9111_4_2_1_duplicateWithConflictingValuesIsConflicting() {
    CacheControl cc = cc("max-age=10", "max-age=20");
    assertTrue(cc.conflicting());
    assertEquals(10, cc.seconds("max-age"), "the first occurrence is kept");
    assertTrue(cc("max-age=10, MAX-AGE=20").conflicting());
    assertTrue(cc("no-cache, no-cache=\"Set-Cookie\"").conflicting());
  }

  @Test
  void rfc9111_4_2_1_duplicateWithTheSameValueIsNotConflicting() {
    assertFalse(cc("max-age=10", "max-age=10").conflicting());
    assertFalse(cc("max-age=10, max-age=\"10\"").conflicting());
    assertFalse(cc("no-cache, no-cache").conflicting());
    assertFalse(cc("max-age=10, public").conflicting());
  }

  @Test
  void rfc9111_1_2_2_deltaSecondsAbsentIsMinusOne() {
    assertEquals(-1, cc("public").seconds("max-age"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"max-age", "max-age=", "max-age=abc", "max-age=-1", "max-age=+1", "max-age=1.5", "max-age=1 0",
        "max-age=0x10", "max-age=\u0661\u0660", "max-age=\uff11\uff10", "max-age=\"\""})
  void rfc9111_1_2_2_invalidDeltaSecondsIsInvalid(String directive) {
    assertEquals(CacheControl.INVALID, cc(directive).seconds("max-age"), directive);
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "1", "60", "2147483647"})
  void rfc9111_1_2_2_deltaSeconds(String value) {
    assertEquals(Long.parseLong(value), cc("max-age=" + value).seconds("max-age"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"2147483648", "2147483649", "9999999999", "99999999999", "99999999999999999999999999"})
  void rfc9111_1_2_2_hugeDeltaSecondsIs2To31(String value) {
    assertEquals(2147483648L, cc("max-age=" + value).seconds("max-age"), value);
  }

  @Test
  void rfc9111_1_2_2_leadingZerosDoNotMakeAValueHuge() {
    assertEquals(5, cc("max-age=000000000000000005").seconds("max-age"));
    assertEquals(0, cc("max-age=00000000000000000000").seconds("max-age"));
    assertEquals(2147483648L, cc("max-age=0000000000002147483648").seconds("max-age"));
  }
}
