package org.oversky.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.junit.jupiter.api.Test;

/**
 * When the origin answered a copy another node passes on, as a node with a recent purge reckons
 * it: a copy that may be older than the purge is refused, so every doubt makes it older.
 */
class OriginAnsweredTest {
  private static final long NOW = 1_800_000_000_000L;

  private static long answered(String... fields) {
    HttpFields.Mutable head = HttpFields.build();
    for (int i = 0; i < fields.length; i += 2) {
      head.add(fields[i], fields[i + 1]);
    }
    return SiteHandler.originAnswered(head, NOW);
  }

  @Test
  void ageSecondsBeforeNowLessTheSecondTheFieldRoundsAway() {
    assertEquals(NOW - 1_000, answered(), "no Age: a pass-through from the origin, or a fill under way");
    assertEquals(NOW - 1_000, answered("Age", "0"));
    assertEquals(NOW - 6_000, answered("Age", "5"));
    assertEquals(NOW - 6_000, answered("Age", " 5 "), "whitespace around the value is not part of it");
  }

  @Test
  void noLaterThanItsDate() {
    // a fill still under way at the other node: no Age, the origin's Date ten minutes back
    assertEquals(NOW - 600_000, answered("Date", date(NOW - 600_000)));
    assertEquals(NOW - 6_000, answered("Age", "5", "Date", date(NOW + 60_000)), "a Date ahead of this clock does not make it newer");
  }

  @Test
  void aValueThatDoesNotReadMakesItAsOldAsCanBe() {
    for (String age : new String[] {"-100", "1.5", "", "5, 6", "abc", "18446744073709552", "99999999999999999999"}) {
      assertEquals(Long.MIN_VALUE, answered("Age", age), "Age '" + age + "'");
    }
    assertEquals(Long.MIN_VALUE, answered("Date", "yesterday"));
  }

  private static String date(long millis) {
    return java.time.format.DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", java.util.Locale.US)
        .format(java.time.Instant.ofEpochMilli(millis).atZone(java.time.ZoneOffset.UTC));
  }
}
