package org.oversky.conf;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * One site the node caches: requests whose {@code Host} matches {@code host} go to one of its
 * {@code origins}.
 *
 * @param host a host name, an IP literal, or {@code *.example.com} (any subdomain); lower case,
 *     without port
 * @param origins the origins, at least one: the lowest priority number first, and within a
 *     priority by weight
 * @param defaultTtl freshness given to responses that carry no explicit freshness (zero: none;
 *     such responses are then stored only when heuristically cacheable)
 * @param ignoreSetCookie whether responses with {@code Set-Cookie} may be stored (the header is
 *     then never stored or replayed); off by default
 * @param redirect whether a node that routing does not choose for a request answers 302 to one it
 *     does ({@code routing=redirect}), instead of serving it ({@code routing=proxy}, the default)
 * @param shield whether a region's misses go through one node of the region, a shield, before
 *     the origin: one node for the whole site ({@code shield=on}), or one for each URL, spread
 *     over the region's nodes by the URL ({@code shield=url}); or a directory node for each URL
 *     that knows which node filled it ({@code shield=directory}; with no cluster secret a site's
 *     cooperation falls back to {@code off}'s URL records); {@link Shield#OFF} by default
 * @param check the active checks of the origins ({@code check=/health;check-interval=5s})
 * @param dnsName the site's name under the CDN's DNS zone ({@code dns-name=www}); empty: its host
 *     with dots as dashes
 * @param replicas how many nodes hold each body the site's cached responses refer to, spread over
 *     regions as registered bodies are ({@code replicas=3}); 0, the default: only the nodes that
 *     fetched it
 */
public record SiteConfig(
    String host, List<Origin> origins, Duration defaultTtl, boolean ignoreSetCookie, boolean redirect, Shield shield, Check check,
    Optional<String> dnsName, int replicas) {
  /** Which node of a region a miss is filled through before the origin (see {@link #shield()}). */
  public enum Shield {
    /** None: every node fills from the cluster (its URL records) or the origin itself. */
    OFF,
    /** One node of the region for the whole site. */
    SITE,
    /** One node of the region for each URL, chosen by the URL: the region's misses spread over its nodes. */
    URL,
    /**
     * One node of the cluster for each URL, its directory, chosen by the URL: it serves the URL
     * when it has it stored, and otherwise remembers which node fills it first and sends the
     * misses of the others there. No URL records.
     */
    DIRECTORY;

    /** {@code on}/{@code true} (one for the site), {@code url}, {@code directory}, or {@code off}/{@code false}. */
    static Shield parse(String value) {
      if (value.equalsIgnoreCase("url")) {
        return URL;
      }
      if (value.equalsIgnoreCase("directory")) {
        return DIRECTORY;
      }
      try {
        return Values.parseBoolean(value) ? SITE : OFF;
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("site option shield is on (one node of a region for the site), url (one for each URL), directory (a node for each URL that knows who filled it) or off, got '" + value + "'", e);
      }
    }
  }

  /** The most copies a site may ask for. */
  public static final int MAX_REPLICAS = 16;

  /**
   * Active checks of the site's origins: {@code HEAD path} on each origin every {@code interval};
   * an answer below 500 counts as an answer, anything else as a failure. {@link #NONE}: no checks.
   *
   * @param path the path asked, starting with '/', or empty for no checks
   * @param interval how often
   */
  public record Check(String path, Duration interval) {
    /** No active checks. */
    public static final Check NONE = new Check("", Duration.ofSeconds(5));

    public Check {
      Objects.requireNonNull(path, "path");
      if (!path.isEmpty() && (!path.startsWith("/") || path.chars().anyMatch(c -> c <= ' ' || c == 127))) {
        throw new IllegalArgumentException("a check path starts with '/' and has no spaces or control characters, got '" + path + "'");
      }
      if (interval.compareTo(Duration.ofMillis(100)) < 0) {
        throw new IllegalArgumentException("check-interval is at least 100ms, got " + interval);
      }
    }

    /** Whether the origins are checked. */
    public boolean on() {
      return !path.isEmpty();
    }
  }

  /** The most origins a site may list. */
  public static final int MAX_ORIGINS = 16;

  /**
   * One origin of a site.
   *
   * @param url its base URL (http or https), without a trailing slash
   * @param priority 1 for the first tried; a higher number only when every origin before it fails
   * @param weight its share of requests among the origins of its priority, 1 to 100
   */
  public record Origin(URI url, int priority, int weight) {
    public Origin {
      Objects.requireNonNull(url, "url");
      if (priority < 1 || weight < 1 || weight > 100) {
        throw new IllegalArgumentException("an origin's priority is 1 or more and its weight 1 to 100");
      }
    }
  }

  /** A site with one origin, in proxy routing mode. */
  public SiteConfig(String host, URI origin, Duration defaultTtl, boolean ignoreSetCookie) {
    this(host, origin, defaultTtl, ignoreSetCookie, false);
  }

  /** A site with one origin. */
  public SiteConfig(String host, URI origin, Duration defaultTtl, boolean ignoreSetCookie, boolean redirect) {
    this(host, List.of(new Origin(Objects.requireNonNull(origin, "origin"), 1, 1)), defaultTtl, ignoreSetCookie, redirect, Shield.DIRECTORY, Check.NONE, Optional.empty(), 0);
  }

  public SiteConfig {
    if (host == null || !host.equals(host.toLowerCase(Locale.ROOT)) || host.isBlank()) {
      throw new IllegalArgumentException("site host must be non-empty lower case");
    }
    if (origins == null || origins.isEmpty() || defaultTtl == null || defaultTtl.isNegative()) {
      throw new IllegalArgumentException("site needs an origin and a non-negative default TTL");
    }
    Objects.requireNonNull(shield, "shield");
    Objects.requireNonNull(check, "check");
    Objects.requireNonNull(dnsName, "dnsName");
    if (dnsName.isPresent() && !dnsName.get().matches(DnsSettings.ZONE_PATTERN)) {
      throw new IllegalArgumentException("site option dns-name is a name under the zone such as www or eu.www, got '" + dnsName.get() + "'");
    }
    if (replicas < 0 || replicas > MAX_REPLICAS) {
      throw new IllegalArgumentException("site option replicas is 0 (off) to " + MAX_REPLICAS + ", got " + replicas);
    }
    if (origins.size() > MAX_ORIGINS) {
      throw new IllegalArgumentException("a site lists at most " + MAX_ORIGINS + " origins, got " + origins.size());
    }
    origins = origins.stream().sorted(Comparator.comparingInt(Origin::priority)).toList();
  }

  /** The first origin's base URL: the one tried first. */
  public URI origin() {
    return origins.get(0).url();
  }

  /**
   * Parses {@code HOST=ORIGINS} with optional {@code ;default-ttl=DURATION}, {@code
   * ;ignore-set-cookie=BOOLEAN}, {@code ;routing=proxy|redirect}, {@code ;shield=on|url|directory|off}, {@code
   * ;check=PATH}, {@code ;check-interval=DURATION}, {@code ;dns-name=NAME} and {@code ;replicas=N}. {@code ORIGINS} is one URL,
   * or several: {@code |} separates priorities (the first tried first), {@code +} origins of one
   * priority, and a {@code *N} after a URL is its weight, as in {@code
   * http://a*3+http://b|http://backup}.
   */
  public static SiteConfig parse(String text) {
    String[] parts = text.trim().split(";");
    int eq = parts[0].indexOf('=');
    if (eq <= 0) {
      throw new IllegalArgumentException("not HOST=URL");
    }
    String host = normaliseHost(parts[0].substring(0, eq));
    List<Origin> origins = parseOrigins(parts[0].substring(eq + 1).trim());
    Duration ttl = Duration.ZERO;
    boolean ignoreSetCookie = false;
    boolean redirect = false;
    Shield shield = Shield.DIRECTORY;
    String checkPath = "";
    Duration checkInterval = Check.NONE.interval();
    Optional<String> dnsName = Optional.empty();
    int replicas = 0;
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
        case "shield" -> shield = Shield.parse(value);
        case "check" -> checkPath = value;
        case "check-interval" -> checkInterval = Values.parseDuration(value);
        case "dns-name" -> dnsName = Optional.of(value.toLowerCase(Locale.ROOT));
        case "replicas" -> {
          try {
            replicas = Integer.parseInt(value);
          } catch (NumberFormatException bad) {
            throw new IllegalArgumentException("site option replicas is a number of nodes, 0 (off) to " + MAX_REPLICAS + ", got '" + value + "'");
          }
        }
        default -> throw new IllegalArgumentException("unknown site option '" + name + "'");
      }
    }
    return new SiteConfig(host, origins, ttl, ignoreSetCookie, redirect, shield, new Check(checkPath, checkInterval), dnsName, replicas);
  }

  private static List<Origin> parseOrigins(String text) {
    List<Origin> out = new ArrayList<>();
    String[] levels = text.split("\\|", -1);
    for (int p = 0; p < levels.length; p++) {
      for (String one : levels[p].split("\\+", -1)) {
        String u = one.trim();
        int weight = 1;
        java.util.regex.Matcher w = WEIGHT.matcher(u);
        if (w.find()) {
          weight = Integer.parseInt(w.group(1));
          if (weight < 1 || weight > 100) {
            throw new IllegalArgumentException("origin weight is 1 to 100, got " + weight + " in '" + one.trim() + "'");
          }
          u = u.substring(0, w.start());
        }
        out.add(new Origin(parseOrigin(u), p + 1, weight));
      }
    }
    return out;
  }

  private static final java.util.regex.Pattern WEIGHT = java.util.regex.Pattern.compile("\\*([0-9]{1,3})$");

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
