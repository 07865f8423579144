package org.oversky.conf;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;

/**
 * One site the node caches: requests whose {@code Host} matches {@code host} go to {@code
 * origin}.
 *
 * @param host a host name, an IP literal, or {@code *.example.com} (any subdomain); lower case,
 *     without port
 * @param origin the origin's base URL (http or https), without a trailing slash
 * @param defaultTtl freshness given to responses that carry no explicit freshness (zero: none;
 *     such responses are then stored only when heuristically cacheable)
 * @param ignoreSetCookie whether responses with {@code Set-Cookie} may be stored (the header is
 *     then never stored or replayed); off by default
 * @param redirect whether a node that routing does not choose for a request answers 302 to one it
 *     does ({@code routing=redirect}), instead of serving it ({@code routing=proxy}, the default)
 */
public record SiteConfig(String host, URI origin, Duration defaultTtl, boolean ignoreSetCookie, boolean redirect) {
  /** A site in proxy routing mode. */
  public SiteConfig(String host, URI origin, Duration defaultTtl, boolean ignoreSetCookie) {
    this(host, origin, defaultTtl, ignoreSetCookie, false);
  }

  public SiteConfig {
    if (host == null || !host.equals(host.toLowerCase(Locale.ROOT)) || host.isBlank()) {
      throw new IllegalArgumentException("site host must be non-empty lower case");
    }
    if (origin == null || defaultTtl == null || defaultTtl.isNegative()) {
      throw new IllegalArgumentException("site needs an origin and a non-negative default TTL");
    }
  }

  /**
   * Parses {@code HOST=URL} with optional {@code ;default-ttl=DURATION}, {@code
   * ;ignore-set-cookie=BOOLEAN} and {@code ;routing=proxy|redirect}.
   */
  public static SiteConfig parse(String text) {
    String[] parts = text.trim().split(";");
    int eq = parts[0].indexOf('=');
    if (eq <= 0) {
      throw new IllegalArgumentException("not HOST=URL");
    }
    String host = normaliseHost(parts[0].substring(0, eq));
    URI origin = parseOrigin(parts[0].substring(eq + 1).trim());
    Duration ttl = Duration.ZERO;
    boolean ignoreSetCookie = false;
    boolean redirect = false;
    for (int i = 1; i < parts.length; i++) {
      String p = parts[i].trim();
      int e = p.indexOf('=');
      String name = e < 0 ? p : p.substring(0, e).trim();
      String value = e < 0 ? "" : p.substring(e + 1).trim();
      switch (name) {
        case "default-ttl" -> ttl = Values.parseDuration(value);
        case "ignore-set-cookie" -> ignoreSetCookie = Values.parseBoolean(value);
        case "routing" -> redirect = switch (value.toLowerCase(Locale.ROOT)) {
          case "proxy" -> false;
          case "redirect" -> true;
          default -> throw new IllegalArgumentException("site option routing is proxy or redirect, got '" + value + "'");
        };
        default -> throw new IllegalArgumentException("unknown site option '" + name + "'");
      }
    }
    return new SiteConfig(host, origin, ttl, ignoreSetCookie, redirect);
  }

  private static String normaliseHost(String raw) {
    String h = raw.trim().toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    String check = h.startsWith("*.") ? h.substring(2) : h;
    if (check.isEmpty()
        || !(check.matches("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\\.?")
            || check.matches("[0-9a-f:.]+") && check.contains(":"))) {
      throw new IllegalArgumentException("'" + raw.trim() + "' is not a host name, IP literal or *.domain");
    }
    return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
  }

  private static URI parseOrigin(String raw) {
    try {
      URI u = new URI(raw);
      String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
      if (!(scheme.equals("http") || scheme.equals("https")) || u.getHost() == null) {
        throw new IllegalArgumentException("origin '" + raw + "' is not an http(s) URL");
      }
      if (u.getRawQuery() != null || u.getRawFragment() != null) {
        throw new IllegalArgumentException("origin '" + raw + "' must not have a query or fragment");
      }
      String s = u.toString();
      return URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("origin '" + raw + "' is not a URL", e);
    }
  }
}
