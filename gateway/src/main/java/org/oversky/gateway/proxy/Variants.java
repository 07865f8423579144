package org.oversky.gateway.proxy;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.eclipse.jetty.http.HttpFields;
import org.oversky.cache.StoredResponse;

/**
 * {@code Vary} (RFC 9111 §4.1): the request header values a stored response was selected by,
 * normalised (names lower case and sorted; values joined, white space collapsed, lower case only
 * for the fields whose values are case-insensitive) so that requests that differ only in form
 * share a variant. An absent field is keyed apart from an empty one.
 */
final class Variants {
  /** Request fields whose values RFC 9110 §12.5 defines as case-insensitive. */
  private static final Set<String> CASE_INSENSITIVE =
      Set.of("accept", "accept-charset", "accept-encoding", "accept-language");

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
      List<String> values = request.getValuesList(name);
      if (values.isEmpty()) {
        b.append(name).append('\n');
        continue;
      }
      String normal = String.join(",", values).replaceAll("\\s*,\\s*", ",").replaceAll("\\s+", " ").trim();
      if (CASE_INSENSITIVE.contains(name)) {
        normal = normal.toLowerCase(Locale.ROOT);
      }
      b.append(name).append('=').append(normal).append('\n');
    }
    return b.toString();
  }

  /** The newest stored variant that the request selects, or null ({@code Vary: *} never matches). */
  static StoredResponse select(List<StoredResponse> variants, HttpFields request) {
    StoredResponse best = null;
    for (StoredResponse r : variants) {
      List<String> vary = r.values("Vary");
      TreeSet<String> names = names(vary);
      if (names.contains("*")) {
        continue;
      }
      if (key(names, request).equals(r.variant()) && (best == null || r.responseTime() > best.responseTime())) {
        best = r;
      }
    }
    return best;
  }
}
