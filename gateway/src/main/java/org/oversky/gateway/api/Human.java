package org.oversky.gateway.api;

import java.util.Locale;

/** Figures as a person reads them on the status page: sizes in binary units, durations in the largest units, counts with their noun. */
final class Human {
  private static final String[] UNITS = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB"};

  private Human() {}

  /** {@code 1 byte}, {@code 512 bytes}, {@code 1.5 KiB}, {@code 12 MiB}, {@code 2.3 GiB}: one decimal below 10 of a unit. */
  static String bytes(long n) {
    if (n < 1024) {
      return n == 1 ? "1 byte" : n + " bytes";
    }
    double v = n;
    int unit = 0;
    while (v >= 1024 && unit < UNITS.length - 1) {
      v /= 1024;
      unit++;
    }
    return (v < 10 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.0f", v)) + " " + UNITS[unit];
  }

  /** {@code 45 s}, {@code 3 min 20 s}, {@code 5 h 12 min}, {@code 3 d 4 h}: the two largest units. */
  static String duration(long seconds) {
    long d = seconds / 86_400;
    long h = seconds % 86_400 / 3_600;
    long m = seconds % 3_600 / 60;
    long s = seconds % 60;
    if (d > 0) {
      return d + " d " + h + " h";
    }
    if (h > 0) {
      return h + " h " + m + " min";
    }
    if (m > 0) {
      return m + " min " + s + " s";
    }
    return s + " s";
  }

  /** {@code 1 bucket}, {@code 2 buckets}, {@code 0 bodies}: the count and its noun, singular only for 1. */
  static String count(long n, String one, String many) {
    return String.format(Locale.ROOT, "%,d", n) + " " + (n == 1 ? one : many);
  }

  /** {@link #count} of a figure from the status document (a number, or 0 when absent). */
  static String count(Object n, String one, String many) {
    return count(n instanceof Number x ? x.longValue() : 0, one, many);
  }

  /** A figure from the status document with thousands separated: {@code 12,345}. */
  static String number(Object n) {
    return String.format(Locale.ROOT, "%,d", n instanceof Number x ? x.longValue() : 0);
  }

  /** {@link #bytes} of a figure from the status document. */
  static String bytes(Object n) {
    return bytes(n instanceof Number x ? x.longValue() : 0);
  }
}
