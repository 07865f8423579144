package org.oversky.gateway.proxy;

import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import org.eclipse.jetty.http.HttpFields;
import org.oversky.cache.StoredResponse;

/**
 * {@code Vary} (RFC 9111 §4.1): the request header values a stored response was selected by,
 * normalised (names lower case and sorted; values joined, white space collapsed, lower case) so
 * that requests that differ only in form share a variant.
 */
final class Variants {
  private Variants() {}

  /** The header names a response's {@code Vary} fields nominate, normalised; empty without Vary. */
  static TreeSet<String> names(List<String> varyValues) {
    TreeSet<String> names = new TreeSet<>();
    for (String v : varyValues) {
      for (String n : v.split(",")) {
        String name = n.trim().toLowerCase(Locale.ROOT);
        if (!name.isEmpty()) {
          names.add(name);
        }
      }
    }
    return names;
  }

  /** The variant key of a request for the nominated header names. */
  static String key(TreeSet<String> names, HttpFields request) {
    if (names.isEmpty()) {
      return "";
    }
    StringBuilder b = new StringBuilder();
    for (String name : names) {
      String joined = String.join(",", request.getValuesList(name));
      String normal = joined.replaceAll("\\s*,\\s*", ",").replaceAll("\\s+", " ").trim().toLowerCase(Locale.ROOT);
      b.append(name).append('=').append(normal).append('\n');
    }
    return b.toString();
  }

  /** The newest stored variant that the request selects, or null ({@code Vary: *} never matches). */
  static StoredResponse select(List<StoredResponse> variants, HttpFields request) {
    StoredResponse best = null;
    for (StoredResponse r : variants) {
      List<String> vary = r.values("Vary");
      if (vary.stream().anyMatch(v -> v.trim().equals("*"))) {
        continue;
      }
      if (key(names(vary), request).equals(r.variant()) && (best == null || r.responseTime() > best.responseTime())) {
        best = r;
      }
    }
    return best;
  }
}
