package org.oversky.dht.rpc;

import java.net.URI;
import java.net.URISyntaxException;

/** The one rule for URLs in messages, shared by the records (which throw) and the decoder. */
final class Urls {
  /** Longest URL a message may carry, in characters. */
  static final int MAX_CHARS = 512;

  private Urls() {}

  /**
   * Why {@code text} is not a URL a message may carry, or {@code null} when it is: at most {@link
   * #MAX_CHARS} printable ASCII characters (no space, quote or backslash, so it needs no JSON
   * escape), an absolute {@code http} or {@code https} URL (scheme in lowercase) with a host and no
   * user info, query or fragment.
   */
  static String problem(String text) {
    String chars = charsProblem(text);
    if (chars != null) {
      return chars;
    }
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      return "not a URL: " + quote(text);
    }
    return partsProblem(uri, text);
  }

  private static String charsProblem(String text) {
    if (text == null) {
      return "a URL is required";
    }
    if (text.length() > MAX_CHARS) {
      return "a URL has at most " + MAX_CHARS + " characters, got " + text.length();
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\\') {
        return "a URL is printable ASCII without spaces, quotes or backslashes (percent-encode the rest), got "
            + quote(text);
      }
    }
    return null;
  }

  /** The checks of {@link #problem} on the parts of an already parsed {@code uri} whose text is {@code text}. */
  private static String partsProblem(URI uri, String text) {
    String scheme = uri.getScheme();
    if (!("http".equals(scheme) || "https".equals(scheme)) || uri.getHost() == null) {
      return "a URL here is absolute http or https with a host, such as http://203.0.113.5:8080, got "
          + quote(text);
    }
    if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
      return "a URL here has no user info, query or fragment, got " + quote(text);
    }
    return null;
  }

  /** Checks a record component; {@code what} names it in the message. */
  static URI require(URI url, String what) {
    if (url == null) {
      throw new NullPointerException(what);
    }
    // The URI is parsed already: check its text and its parts, without parsing its text again
    // (records are built for every contact of every message).
    String text = url.toString();
    String problem = charsProblem(text);
    if (problem == null) {
      problem = partsProblem(url, text);
    }
    if (problem != null) {
      throw new IllegalArgumentException(what + ": " + problem);
    }
    return url;
  }

  /** Quotes hostile input for an error message without letting it grow without bound. */
  static String quote(String text) {
    if (text == null) {
      return "null";
    }
    return text.length() <= 80
        ? "'" + text + "'"
        : "'" + text.substring(0, 80) + "...' (" + text.length() + " chars)";
  }
}
