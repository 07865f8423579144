package org.oversky.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 9110 §5.6.7: exactly the three forms a recipient must accept. */
class HttpDatesTest {
  private static final long NOW = Instant.parse("2026-12-02T00:00:00Z").toEpochMilli();
  private static final long EXAMPLE = Instant.parse("1994-11-06T08:49:37Z").toEpochMilli();

  @Test
  void rfc9110_5_6_7_theThreeFormsAreRead() {
    assertEquals(EXAMPLE, HttpDates.parse("Sun, 06 Nov 1994 08:49:37 GMT", NOW));
    assertEquals(EXAMPLE, HttpDates.parse("Sunday, 06-Nov-94 08:49:37 GMT", NOW));
    assertEquals(EXAMPLE, HttpDates.parse("Sun Nov  6 08:49:37 1994", NOW));
    assertEquals(EXAMPLE, HttpDates.parse("  Sun, 06 Nov 1994 08:49:37 GMT ", NOW), "whitespace around a field value is not part of it");
  }

  @Test
  void rfc9110_5_6_7_aTwoDigitYearMoreThanFiftyYearsAheadIsInThePast() {
    assertEquals(Instant.parse("2076-01-01T00:00:00Z").toEpochMilli(), HttpDates.parse("Wednesday, 01-Jan-76 00:00:00 GMT", NOW));
    assertEquals(Instant.parse("1977-01-01T00:00:00Z").toEpochMilli(), HttpDates.parse("Saturday, 01-Jan-77 00:00:00 GMT", NOW));
    assertEquals(Instant.parse("2099-12-01T16:00:00Z").toEpochMilli(), HttpDates.parse("Tuesday, 01-Dec-99 16:00:00 GMT", Instant.parse("2090-01-01T00:00:00Z").toEpochMilli()));
    assertEquals(Instant.parse("2010-01-01T00:00:00Z").toEpochMilli(), HttpDates.parse("Friday, 01-Jan-10 00:00:00 GMT", NOW));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Thu, 01 Dec 2099 16:00:00 UTC", // another zone
        "Thu, 01 Dec 2099 16:00:00 +0000",
        "Thu, 01 Dec 99 16:00:00 GMT", // two-digit year in the fixed form
        "Thu 01 Dec 2099 16:00:00 GMT", // no comma
        "Thu,  01 Dec 2099 16:00:00 GMT", // extra space
        "Thu, 01 Dec  2099 16:00:00 GMT",
        "Thu, 01-Dec-2099 16:00:00 GMT", // dashes in the fixed form
        "Thursday, 01-Dec-2099 16:00:00 GMT", // four-digit year in RFC 850
        "thu, 01 dec 2099 16:00:00 gmt", // names are case-sensitive
        "Thu, 1 Dec 2099 16:00:00 GMT", // one-digit day in the fixed form
        "Thu, 01 Dec 2099 16:00 GMT",
        "Thu, 31 Feb 2099 16:00:00 GMT", // no such day
        "Thu, 01 Dec 2099 25:00:00 GMT",
        "Thu, 01 Foo 2099 16:00:00 GMT",
        "Xyz, 01 Dec 2099 16:00:00 GMT",
        "Thu Dec 1 16:00:00 2099", // asctime needs two places for the day
        "2099-12-01T16:00:00Z",
        "0",
        "-1",
        ""
      })
  void rfc9110_5_6_7_anythingElseIsNotADate(String value) {
    assertEquals(-1, HttpDates.parse(value, NOW), value);
  }

  @Test
  void formatWritesTheFixedForm() {
    assertEquals("Sun, 06 Nov 1994 08:49:37 GMT", HttpDates.format(EXAMPLE));
    assertEquals(EXAMPLE, HttpDates.parse(HttpDates.format(EXAMPLE), NOW));
  }
}
