package org.oversky.gateway.proxy;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The directives of {@code Cache-Control} header fields (RFC 9111 §5.2), parsed once. Directive
 * names are case-insensitive; values may be tokens or quoted strings. A directive given twice
 * with different values is {@linkplain #conflicting conflicting}; RFC 9111 §4.2.1 lets a cache
 * then treat the response as stale, which is what this node does.
 */
final class CacheControl {
  private final Map<String, String> directives = new HashMap<>();
  private boolean conflicting;

  private CacheControl() {}

  static final CacheControl EMPTY = new CacheControl();

  /** Parses every value of the {@code Cache-Control} fields. */
  static CacheControl parse(List<String> fieldValues) {
    if (fieldValues.isEmpty()) {
      return EMPTY;
    }
    CacheControl cc = new CacheControl();
    for (String value : fieldValues) {
      cc.parseOne(value);
    }
    return cc;
  }

  private void parseOne(String s) {
    int i = 0;
    int n = s.length();
    while (i < n) {
      while (i < n && (s.charAt(i) == ',' || s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
        i++;
      }
      int start = i;
      while (i < n && s.charAt(i) != '=' && s.charAt(i) != ',') {
        i++;
      }
      String name = s.substring(start, i).trim().toLowerCase(Locale.ROOT);
      String value = null;
      if (i < n && s.charAt(i) == '=') {
        i++;
        if (i < n && s.charAt(i) == '"') {
          StringBuilder b = new StringBuilder();
          i++;
          while (i < n && s.charAt(i) != '"') {
            if (s.charAt(i) == '\\' && i + 1 < n) {
              i++;
            }
            b.append(s.charAt(i++));
          }
          i++; // closing quote
          value = b.toString();
          while (i < n && s.charAt(i) != ',') {
            i++;
          }
        } else {
          int vs = i;
          while (i < n && s.charAt(i) != ',') {
            i++;
          }
          value = s.substring(vs, i).trim();
        }
      }
      if (!name.isEmpty()) {
        if (directives.containsKey(name) && !java.util.Objects.equals(directives.get(name), value)) {
          conflicting = true;
        }
        directives.putIfAbsent(name, value);
      }
    }
  }

  boolean has(String directive) {
    return directives.containsKey(directive);
  }

  /** True when one directive appeared twice with different values. */
  boolean conflicting() {
    return conflicting;
  }

  /**
   * A delta-seconds directive: its value, {@code -1} when absent, {@link #INVALID} when present
   * with a value that is not a non-negative whole number.
   */
  long seconds(String directive) {
    if (!directives.containsKey(directive)) {
      return -1;
    }
    return deltaSeconds(directives.get(directive));
  }

  /**
   * RFC 9111 §1.2.2 {@code delta-seconds = 1*DIGIT} (ASCII digits only): its value, capped at
   * 2^31 as a value too large to represent must be; {@link #INVALID} when malformed or null.
   */
  static long deltaSeconds(String v) {
    if (v == null || v.isEmpty()) {
      return INVALID;
    }
    long n = 0;
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c < '0' || c > '9') {
        return INVALID;
      }
      n = Math.min(n * 10 + (c - '0'), 2147483648L);
    }
    return n;
  }

  /** Marks a delta-seconds directive that is present but malformed. */
  static final long INVALID = -2;

  /** The raw value of a directive (null when absent or without a value). */
  String value(String directive) {
    return directives.get(directive);
  }
}
