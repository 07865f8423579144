package org.oversky.gateway.proxy;

import java.nio.charset.StandardCharsets;

/**
 * A request's path and query as a {@link java.net.URI} takes them. Clients send characters that
 * RFC 3986 leaves out of a URI ({@code |}, {@code {}}, {@code ^}, a backquote, a quote, and bytes
 * beyond ASCII, often in a query), and the server takes them; the origin's request is built as a
 * {@code URI}, which refused them, so such a request failed here with a 500. Those characters are
 * sent percent-encoded (their UTF-8 bytes), as browsers encode them and as origins decode them;
 * everything a URI allows, escapes included, is sent as the client sent it.
 */
public final class RequestTargets {
  private RequestTargets() {}

  /** {@code pathQuery} with every character a URI's path or query may not hold percent-encoded. */
  public static String forUri(String pathQuery) {
    int query = pathQuery.indexOf('?');
    for (int i = 0; i < pathQuery.length(); i++) {
      if (!allowed(pathQuery, i, query >= 0 && i > query)) {
        return encode(pathQuery, query);
      }
    }
    return pathQuery; // the common case: nothing to copy
  }

  private static String encode(String pathQuery, int query) {
    StringBuilder out = new StringBuilder(pathQuery.length() + 16);
    for (int i = 0; i < pathQuery.length(); i++) {
      char c = pathQuery.charAt(i);
      if (allowed(pathQuery, i, query >= 0 && i > query)) {
        out.append(c);
        continue;
      }
      int cp = pathQuery.codePointAt(i);
      for (byte b : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) {
        out.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16))).append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
      }
      i += Character.charCount(cp) - 1;
    }
    return out.toString();
  }

  /**
   * Whether the character at {@code i} may stand as it is: RFC 3986's pchar, '/', '?', a '%' that
   * starts an escape, and in the query '[' and ']', which a URI takes there and which origins that
   * sign or parse the raw query ({@code filter[a]=1}) expect as sent.
   */
  private static boolean allowed(String s, int i, boolean inQuery) {
    char c = s.charAt(i);
    if (inQuery && (c == '[' || c == ']')) {
      return true;
    }
    if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
      return true;
    }
    if (c == '%') {
      return i + 2 < s.length() && hex(s.charAt(i + 1)) && hex(s.charAt(i + 2));
    }
    return "-._~!$&'()*+,;=:@/?".indexOf(c) >= 0;
  }

  private static boolean hex(char c) {
    return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
  }
}
