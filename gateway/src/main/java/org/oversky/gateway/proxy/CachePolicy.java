package org.oversky.gateway.proxy;

import java.util.List;
import java.util.Set;
import org.oversky.gateway.http.HttpDates;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.oversky.cache.StoredResponse;
import org.oversky.conf.CacheConfig;
import org.oversky.conf.SiteConfig;

/**
 * The rules of RFC 9111 for a shared cache: what may be stored (§3), how fresh a stored
 * response is (§4.2.1, §4.2.2), how old it is (§4.2.3), and whether a request lets it be reused
 * (§4.2, §5.2.1). Pure functions of headers and times, so each rule is tested on its own.
 */
final class CachePolicy {
  /** Status codes defined as heuristically cacheable (RFC 9110 §15.1). */
  static final Set<Integer> HEURISTIC_STATUS = Set.of(200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501);

  private final CacheConfig config;

  CachePolicy(CacheConfig config) {
    this.config = config;
  }

  /** Why a response is or is not stored. */
  record Verdict(boolean store, String reason) {}

  /**
   * RFC 9111 §3: may a shared cache store this response to this GET request?
   *
   * @param request the client's request headers
   * @param status the response status
   * @param response the response header fields as they would be stored
   */
  Verdict storable(HttpFields request, int status, List<StoredResponse.Header> response, SiteConfig site) {
    CacheControl req = requestCacheControl(request);
    Directives directives = responseDirectives(response);
    CacheControl res = directives.cc();
    if (status < 200 || status == 206 || status == 304) {
      return new Verdict(false, "status " + status + " is not stored whole");
    }
    if (req.has("no-store") || res.has("no-store")) {
      return new Verdict(false, "no-store");
    }
    if (res.has("private")) {
      return new Verdict(false, "private");
    }
    if (request.contains(HttpHeader.AUTHORIZATION)
        && !(res.has("public") || res.has("s-maxage") || res.has("must-revalidate"))) {
      return new Verdict(false, "Authorization without public, s-maxage or must-revalidate");
    }
    if (first(response, "Set-Cookie") != null && !site.ignoreSetCookie()) {
      return new Verdict(false, "Set-Cookie");
    }
    if (Variants.names(values(response, "Vary")).contains("*")) {
      return new Verdict(false, "Vary: *");
    }
    boolean explicit =
        res.has("public")
            || res.has("s-maxage")
            || res.has("max-age")
            || !directives.targeted() && first(response, "Expires") != null;
    boolean validator = first(response, "ETag") != null || first(response, "Last-Modified") != null;
    boolean heuristic = HEURISTIC_STATUS.contains(status);
    if (explicit || (heuristic && (validator || !site.defaultTtl().isZero()))) {
      return new Verdict(true, explicit ? "explicit freshness" : validator ? "validator" : "site default TTL");
    }
    return new Verdict(false, "no explicit freshness and no validator");
  }

  /**
   * RFC 9111 §4.2.1: the freshness lifetime in seconds: {@code s-maxage}, else {@code max-age},
   * else {@code Expires} minus {@code Date}, else the site's default TTL, else the heuristic of
   * §4.2.2 (a percent of the time since {@code Last-Modified}, capped). Invalid or conflicting
   * freshness information makes a response stale (lifetime 0).
   */
  long freshnessLifetime(StoredResponse r, SiteConfig site) {
    Directives directives = responseDirectives(r.headers());
    CacheControl cc = directives.cc();
    if (cc.conflicting()) {
      return 0;
    }
    long s = cc.seconds("s-maxage");
    if (s != -1) {
      return Math.max(0, s);
    }
    long m = cc.seconds("max-age");
    if (m != -1) {
      return Math.max(0, m);
    }
    List<String> expires = directives.targeted() ? List.of() : r.values("Expires");
    if (!expires.isEmpty()) {
      if (expires.size() > 1) {
        return 0;
      }
      long exp = HttpDates.parse(expires.get(0));
      long date = dateValue(r);
      return exp < 0 ? 0 : Math.max(0, (exp - date) / 1000);
    }
    if (cc.has("no-cache")) {
      return 0;
    }
    if (!site.defaultTtl().isZero()) {
      return site.defaultTtl().toSeconds();
    }
    String lm = r.first("Last-Modified");
    if (lm != null && HEURISTIC_STATUS.contains(r.status())) {
      long modified = HttpDates.parse(lm);
      long date = dateValue(r);
      if (modified > 0 && modified < date) {
        long h = (date - modified) / 1000 * config.heuristicPercent() / 100;
        return Math.min(h, config.heuristicMax().toSeconds());
      }
    }
    return 0;
  }

  /** RFC 9111 §4.2.3: the current age in seconds at {@code nowMillis}. */
  static long currentAge(StoredResponse r, long nowMillis) {
    return currentAge(correctedInitialAge(r), r.responseTime(), nowMillis);
  }

  /** The current age in seconds from a precomputed corrected initial age (ms). */
  static long currentAge(long correctedInitialAge, long responseTime, long nowMillis) {
    long residentTime = nowMillis - responseTime;
    return (correctedInitialAge + residentTime) / 1000;
  }

  /** RFC 9111 §4.2.3: the corrected initial age in ms, fixed once the response is stored. */
  static long correctedInitialAge(StoredResponse r) {
    long date = dateValue(r);
    long apparentAge = Math.max(0, r.responseTime() - date);
    long ageValue = 0;
    String age = r.first("Age");
    if (age != null) {
      // RFC 9111 §5.1: the first member of a list-based value; an invalid one is ignored.
      int comma = age.indexOf(',');
      long seconds = CacheControl.deltaSeconds((comma < 0 ? age : age.substring(0, comma)).trim());
      ageValue = seconds < 0 ? 0 : seconds * 1000;
    }
    long responseDelay = r.responseTime() - r.requestTime();
    long correctedAgeValue = ageValue + responseDelay;
    return Math.max(apparentAge, correctedAgeValue);
  }

  /** The {@code Date} of a stored response, or the time it was received when it has none. */
  static long dateValue(StoredResponse r) {
    String d = r.first("Date");
    long parsed = d == null ? -1 : HttpDates.parse(d);
    return parsed > 0 ? parsed : r.responseTime();
  }

  /** The fields that carry this node's cache directives, first found first used (RFC 9213 §2.2). */
  static final List<String> TARGETED = List.of("Oversky-Cache-Control", "CDN-Cache-Control");

  /**
   * The response directives this node follows.
   *
   * @param cc the directives
   * @param targeted whether they came from a targeted field, so that {@code Cache-Control} and
   *     {@code Expires} are ignored
   */
  record Directives(CacheControl cc, boolean targeted) {}

  /**
   * RFC 9213 §2.2: the first of {@link #TARGETED} with a valid, non-empty value; otherwise {@code
   * Cache-Control}. A targeted field's value is a Structured Fields dictionary: lower-case keys,
   * each with an optional value; one that does not parse as such is ignored.
   */
  static Directives responseDirectives(List<StoredResponse.Header> headers) {
    for (String name : TARGETED) {
      List<String> values = values(headers, name);
      if (!values.isEmpty() && values.stream().allMatch(CachePolicy::validDictionary)) {
        return new Directives(CacheControl.parse(values), true);
      }
    }
    return new Directives(CacheControl.parse(values(headers, "Cache-Control")), false);
  }

  private static final String SF_KEY = "[a-z*][a-z0-9_.*-]*";
  private static final String SF_ITEM =
      "(?:-?[0-9]{1,15}(?:\\.[0-9]{1,3})?|[A-Za-z*][A-Za-z0-9:/!#$%&'*+.^_`|~-]*|\"(?:[^\"\\\\]|\\\\[\"\\\\])*\"|\\?[01])";
  private static final String SF_MEMBER = SF_KEY + "(?:=" + SF_ITEM + ")?(?:;" + SF_KEY + "(?:=" + SF_ITEM + ")?)*";
  private static final java.util.regex.Pattern SF_DICTIONARY =
      java.util.regex.Pattern.compile(SF_MEMBER + "(?:[ \\t]*,[ \\t]*" + SF_MEMBER + ")*");

  /** Whether a field value is a non-empty Structured Fields dictionary (RFC 8941 §3.2). */
  static boolean validDictionary(String value) {
    return SF_DICTIONARY.matcher(value.strip()).matches();
  }

  /** The request's cache directives; {@code Pragma: no-cache} counts only without {@code Cache-Control}. */
  static CacheControl requestCacheControl(HttpFields request) {
    List<String> cc = request.getValuesList(HttpHeader.CACHE_CONTROL);
    if (cc.isEmpty()) {
      String pragma = request.get(HttpHeader.PRAGMA);
      if (pragma != null && pragma.toLowerCase(java.util.Locale.ROOT).contains("no-cache")) {
        return CacheControl.parse(List.of("no-cache"));
      }
    }
    return CacheControl.parse(cc);
  }

  /** How a stored response may be used for a request. */
  enum Use {
    /** Fresh enough for the request: serve it. */
    FRESH,
    /** Stale, but the request accepts it (max-stale). */
    STALE_ACCEPTED,
    /** Stale, within stale-while-revalidate: serve it and refresh in the background. */
    STALE_WHILE_REVALIDATE,
    /** Must be validated with the origin before use. */
    VALIDATE
  }

  /**
   * RFC 9111 §4.2 and §5.2: how {@code stored} may answer a request with directives {@code req}.
   *
   * @param lifetime the stored response's freshness lifetime, s
   * @param age its current age, s
   */
  static Use use(CacheControl req, StoredResponse stored, long lifetime, long age) {
    return use(req, responseDirectives(stored.headers()).cc(), lifetime, age);
  }

  /** As {@link #use(CacheControl, StoredResponse, long, long)} with the stored directives already parsed. */
  static Use use(CacheControl req, CacheControl res, long lifetime, long age) {
    if (req.has("no-cache") || res.has("no-cache")) {
      return Use.VALIDATE;
    }
    long maxAge = req.seconds("max-age");
    long minFresh = req.seconds("min-fresh");
    boolean fresh = lifetime > age;
    if (fresh) {
      boolean ageOk = maxAge < 0 || age <= maxAge;
      boolean minFreshOk = minFresh < 0 || lifetime - age >= minFresh;
      if (ageOk && minFreshOk) {
        return Use.FRESH;
      }
      return Use.VALIDATE;
    }
    if (mustRevalidate(res)) {
      return Use.VALIDATE;
    }
    long staleness = age - lifetime;
    if (req.has("max-stale")) {
      long maxStale = req.seconds("max-stale");
      boolean any = req.value("max-stale") == null;
      if ((any || (maxStale >= 0 && staleness <= maxStale)) && (maxAge < 0 || age <= maxAge)) {
        return Use.STALE_ACCEPTED;
      }
    }
    long swr = res.seconds("stale-while-revalidate");
    if (swr > 0 && staleness <= swr && maxAge < 0) {
      return Use.STALE_WHILE_REVALIDATE;
    }
    return Use.VALIDATE;
  }

  /** Whether a stale {@code stored} may be served because the origin failed (stale-if-error, RFC 5861). */
  boolean staleIfError(StoredResponse stored, long lifetime, long age, CacheControl req) {
    return staleWithin(stored, lifetime, age, req, 0);
  }

  /**
   * Whether {@code stored} is at most as stale as stale-if-error (the response's, the request's,
   * the node's) or {@code floorSeconds} allow; never where the response forbids stale (RFC 9111
   * §4.2.4: no-cache, must-revalidate, proxy-revalidate, s-maxage).
   */
  private boolean staleWithin(StoredResponse stored, long lifetime, long age, CacheControl req, long floorSeconds) {
    CacheControl res = responseDirectives(stored.headers()).cc();
    if (mustRevalidate(res) || res.has("no-cache")) {
      return false;
    }
    long allowed =
        Math.max(
            Math.max(floorSeconds, config.staleIfError().toSeconds()),
            Math.max(res.seconds("stale-if-error"), req.seconds("stale-if-error")));
    return Math.max(0, age - lifetime) <= allowed;
  }

  /**
   * RFC 9111 §4.2.4: whether a stale {@code stored} may be served because the origin could not be
   * reached (refused, reset, timed out, or answered with something that is not HTTP): within
   * stale-if-error, or within the node's {@code cache.stale-on-disconnect}, unless the response
   * forbids stale (must-revalidate, proxy-revalidate, no-cache, s-maxage).
   */
  boolean staleOnDisconnect(StoredResponse stored, long lifetime, long age, CacheControl req) {
    return staleWithin(stored, lifetime, age, req, config.staleOnDisconnect().toSeconds());
  }

  /**
   * How long past its freshness {@code stored} may be served when the origin fails, whatever the
   * request says: its own {@code stale-if-error} or the node's setting; 0 when it forbids stale.
   */
  long staleIfErrorSeconds(StoredResponse stored) {
    CacheControl res = responseDirectives(stored.headers()).cc();
    if (mustRevalidate(res) || res.has("no-cache")) {
      return 0;
    }
    return Math.max(0, Math.max(config.staleIfError().toSeconds(), res.seconds("stale-if-error")));
  }

  /** must-revalidate, proxy-revalidate and s-maxage all forbid a shared cache to serve stale. */
  static boolean mustRevalidate(CacheControl res) {
    return res.has("must-revalidate") || res.has("proxy-revalidate") || res.has("s-maxage");
  }

  static List<String> values(List<StoredResponse.Header> headers, String name) {
    return headers.stream().filter(h -> h.name().equalsIgnoreCase(name)).map(StoredResponse.Header::value).toList();
  }

  static String first(List<StoredResponse.Header> headers, String name) {
    for (StoredResponse.Header h : headers) {
      if (h.name().equalsIgnoreCase(name)) {
        return h.value();
      }
    }
    return null;
  }
}
