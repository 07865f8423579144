package org.oversky.gateway.http;

import java.time.ZonedDateTime;
import org.eclipse.jetty.http.HttpDateTime;

/** HTTP dates (RFC 9110 §5.6.7) in epoch milliseconds; all three historical forms are read. */
public final class HttpDates {
  private HttpDates() {}

  /** The date in epoch ms, or -1 when {@code value} is not an HTTP date. */
  public static long parse(String value) {
    if (value == null) {
      return -1;
    }
    try {
      ZonedDateTime t = HttpDateTime.parse(value.trim());
      return t == null ? -1 : t.toInstant().toEpochMilli();
    } catch (RuntimeException e) {
      return -1;
    }
  }

  /** The IMF-fixdate form of an epoch-ms time. */
  public static String format(long epochMillis) {
    return HttpDateTime.format(java.time.Instant.ofEpochMilli(epochMillis));
  }
}
