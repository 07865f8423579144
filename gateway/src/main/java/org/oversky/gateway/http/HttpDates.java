package org.oversky.gateway.http;

import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * HTTP dates (RFC 9110 §5.6.7) in epoch milliseconds. Exactly the three forms a recipient must
 * accept are read, and nothing else:
 *
 * <ul>
 *   <li>IMF-fixdate: {@code Sun, 06 Nov 1994 08:49:37 GMT}
 *   <li>obsolete RFC 850: {@code Sunday, 06-Nov-94 08:49:37 GMT} (a two-digit year more than 50
 *       years in the future is taken as the most recent past year with those digits)
 *   <li>asctime: {@code Sun Nov  6 08:49:37 1994}
 * </ul>
 *
 * The names are case-sensitive and the spacing exact, as the grammar says. Anything else (other
 * zones, a missing comma, two-digit years in the fixed form, dashes in it, extra spaces) is not a
 * date: for {@code Expires} that means already expired (RFC 9111 §5.3).
 */
public final class HttpDates {
  private static final String[] DAYS = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  private static final String[] LONG_DAYS = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
  private static final String[] MONTHS = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

  private HttpDates() {}

  /** The date in epoch ms, or -1 when {@code value} is not an HTTP date. */
  public static long parse(String value) {
    return parse(value, System.currentTimeMillis());
  }

  /**
   * The date in epoch ms, or -1 when {@code value} is not an HTTP date; {@code nowMillis} places
   * the century of an RFC 850 date.
   */
  public static long parse(String value, long nowMillis) {
    if (value == null) {
      return -1;
    }
    String v = value.strip(); // optional whitespace around a field value is not part of it
    try {
      if (v.length() == 29 && v.charAt(3) == ',') {
        return fixdate(v);
      }
      if (v.length() == 24 && v.charAt(3) == ' ') {
        return asctime(v);
      }
      int comma = v.indexOf(',');
      if (comma > 0) {
        return rfc850(v, comma, nowMillis);
      }
    } catch (DateTimeException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }

  /** {@code Sun, 06 Nov 1994 08:49:37 GMT} */
  private static long fixdate(String v) {
    if (index(DAYS, v.substring(0, 3)) < 0
        || !v.startsWith(", ", 3)
        || v.charAt(7) != ' '
        || v.charAt(11) != ' '
        || v.charAt(16) != ' '
        || !v.endsWith(" GMT")) {
      return -1;
    }
    int day = digits(v, 5, 2);
    int month = index(MONTHS, v.substring(8, 11));
    int year = digits(v, 12, 4);
    return at(year, month, day, v, 17);
  }

  /** {@code Sunday, 06-Nov-94 08:49:37 GMT} */
  private static long rfc850(String v, int comma, long nowMillis) {
    String rest = v.substring(comma);
    if (index(LONG_DAYS, v.substring(0, comma)) < 0
        || rest.length() != 24
        || !rest.startsWith(", ")
        || rest.charAt(4) != '-'
        || rest.charAt(8) != '-'
        || rest.charAt(11) != ' '
        || !rest.endsWith(" GMT")) {
      return -1;
    }
    int day = digits(rest, 2, 2);
    int month = index(MONTHS, rest.substring(5, 8));
    int yy = digits(rest, 9, 2);
    int thisYear = LocalDateTime.ofEpochSecond(Math.floorDiv(nowMillis, 1000), 0, ZoneOffset.UTC).getYear();
    int year = thisYear / 100 * 100 + yy;
    if (year > thisYear + 50) {
      year -= 100;
    } else if (year <= thisYear - 50) {
      year += 100;
      if (year > thisYear + 50) {
        year -= 100;
      }
    }
    return at(year, month, day, rest, 12);
  }

  /** {@code Sun Nov  6 08:49:37 1994} */
  private static long asctime(String v) {
    if (index(DAYS, v.substring(0, 3)) < 0 || v.charAt(7) != ' ' || v.charAt(10) != ' ' || v.charAt(19) != ' ') {
      return -1;
    }
    int month = index(MONTHS, v.substring(4, 7));
    int day = v.charAt(8) == ' ' ? digits(v, 9, 1) : digits(v, 8, 2);
    int year = digits(v, 20, 4);
    return at(year, month, day, v, 11);
  }

  /** The time at {@code hh:mm:ss} starting at {@code t}, on the given day; -1 when out of range. */
  private static long at(int year, int month, int day, String v, int t) {
    if (month < 0 || v.charAt(t + 2) != ':' || v.charAt(t + 5) != ':') {
      return -1;
    }
    int hour = digits(v, t, 2);
    int minute = digits(v, t + 3, 2);
    int second = digits(v, t + 6, 2);
    if (hour > 23 || minute > 59 || second > 60) {
      return -1;
    }
    // A leap second (:60) is the next second's start, as close as epoch time gets.
    LocalDateTime time = LocalDateTime.of(year, month + 1, day, hour, minute, Math.min(second, 59));
    return time.toEpochSecond(ZoneOffset.UTC) * 1000 + (second == 60 ? 1000 : 0);
  }

  private static int digits(String v, int from, int count) {
    int n = 0;
    for (int i = from; i < from + count; i++) {
      char c = v.charAt(i);
      if (c < '0' || c > '9') {
        throw new NumberFormatException("not a digit at " + i);
      }
      n = n * 10 + (c - '0');
    }
    return n;
  }

  private static int index(String[] names, String name) {
    for (int i = 0; i < names.length; i++) {
      if (names[i].equals(name)) {
        return i;
      }
    }
    return -1;
  }

  /** The IMF-fixdate form of an epoch-ms time (two-digit day: Jetty's formatter writes one digit). */
  public static String format(long epochMillis) {
    return IMF_FIXDATE.format(java.time.Instant.ofEpochMilli(epochMillis));
  }

  private static final java.time.format.DateTimeFormatter IMF_FIXDATE =
      java.time.format.DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", java.util.Locale.US).withZone(ZoneOffset.UTC);
}
