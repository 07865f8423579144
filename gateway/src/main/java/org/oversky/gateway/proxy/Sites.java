package org.oversky.gateway.proxy;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.oversky.conf.SiteConfig;

/**
 * Maps a request's {@code Host} to the site it belongs to: exact names first, then the nearest
 * {@code *.domain} wildcard. Matching ignores the port and letter case; IP literals match as
 * written (IPv6 with or without brackets).
 */
public final class Sites {
  private final Map<String, SiteConfig> byHost = new HashMap<>();

  public Sites(List<SiteConfig> sites) {
    for (SiteConfig s : sites) {
      byHost.put(s.host(), s);
    }
  }

  /** Whether no site is configured. */
  public boolean isEmpty() {
    return byHost.isEmpty();
  }

  /** The site for a {@code Host} header value, if any. */
  public Optional<SiteConfig> match(String hostHeader) {
    if (hostHeader == null || byHost.isEmpty()) {
      return Optional.empty();
    }
    String host = hostOnly(hostHeader);
    SiteConfig exact = byHost.get(host);
    if (exact != null) {
      return Optional.of(exact);
    }
    for (int dot = host.indexOf('.'); dot >= 0; dot = host.indexOf('.', dot + 1)) {
      SiteConfig wild = byHost.get("*" + host.substring(dot));
      if (wild != null) {
        return Optional.of(wild);
      }
    }
    return Optional.empty();
  }

  /** The host of a {@code Host} value: lower case, without port, brackets or a trailing dot. */
  public static String hostOnly(String hostHeader) {
    String h = hostHeader.trim().toLowerCase(Locale.ROOT);
    if (h.startsWith("[")) {
      int end = h.indexOf(']');
      return end > 0 ? h.substring(1, end) : h;
    }
    int colon = h.indexOf(':');
    if (colon >= 0 && h.indexOf(':', colon + 1) < 0) {
      h = h.substring(0, colon);
    }
    return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
  }
}
