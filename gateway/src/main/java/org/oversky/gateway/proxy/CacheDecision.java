package org.oversky.gateway.proxy;

import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.oversky.cache.StoredResponse;

/**
 * What the cache does with one site request, as a value: computed by {@link #decide} from the
 * request, the stored variants of its URL and the time, and nothing else (as OkHttp's {@code
 * CacheStrategy}). Both the hit path on the parsing thread and the pool path act on it; neither
 * re-derives any part of it.
 *
 * @param action what to do
 * @param stored the stored response to serve or validate (null for the other actions)
 * @param lifetime its freshness lifetime, s
 * @param age its current age, s
 * @param status the {@code Cache-Status} of a {@link Action#SERVE} or {@link
 *     Action#SERVE_STALE_AND_REFRESH}; for a {@link Action#PASS}, the one whose outcome is the
 *     {@code fwd} reason ({@code method}, {@code bypass}); null
 *     otherwise (the proxy sets it when the origin answers)
 */
record CacheDecision(Action action, StoredResponse stored, long lifetime, long age, CacheStatus status) {

  /** The possible decisions. */
  enum Action {
    /** Answer from {@code stored}: fresh, or stale as the request allows (max-stale). */
    SERVE,
    /** Answer from the stale {@code stored} and refresh it with no client waiting (stale-while-revalidate). */
    SERVE_STALE_AND_REFRESH,
    /** Ask the origin to validate {@code stored} (conditional request); a 304 freshens it. */
    VALIDATE,
    /** Nothing stored: fill it (collapsed with other misses, the cluster first, then the origin). */
    FILL,
    /** Nothing stored and the request has a Range: one background fill of the whole object. */
    RANGE_FILL,
    /** only-if-cached and nothing usable is stored: {@code 504}. */
    NOT_CACHED,
    /** Forward without the cache, neither served from nor stored into it. */
    PASS
  }

  /**
   * The request as the decision sees it.
   *
   * @param method the method
   * @param hasBody whether it carries content
   * @param fields its header fields (Vary selection, Range)
   * @param directives its cache directives
   */
  record Input(String method, boolean hasBody, HttpFields fields, CacheControl directives) {}

  static CacheDecision pass(String forward) {
    return new CacheDecision(Action.PASS, null, 0, 0, CacheStatus.forward(forward, false));
  }

  /**
   * Decides.
   *
   * @param variants the URL's stored responses (any order; those whose Vary the request does not
   *     select are skipped), read only when the request may be answered from the cache
   * @param facts the worked-out facts of a stored response (freshness, age, directives, Vary)
   * @param nowMillis the time, epoch ms
   */
  static CacheDecision decide(
      Input request,
      Supplier<List<StoredResponse>> variants,
      Function<StoredResponse, ResponseFacts> facts,
      long nowMillis) {
    boolean get = HttpMethod.GET.is(request.method());
    if (!get && !HttpMethod.HEAD.is(request.method())) {
      return pass("method");
    }
    if (request.hasBody()) {
      // Its meaning is the origin's business, and its answer must not serve anyone else.
      return pass("bypass");
    }
    StoredResponse stored = null;
    ResponseFacts known = null;
    for (StoredResponse r : variants.get()) {
      ResponseFacts f = facts.apply(r);
      if (f.varyNames().contains("*") || !Variants.key(f.varyNames(), request.fields()).equals(r.variant())) {
        continue;
      }
      if (stored == null || r.responseTime() > stored.responseTime()) {
        stored = r;
        known = f;
      }
    }
    long lifetime = known == null ? 0 : known.lifetime();
    long age = known == null ? 0 : known.age(stored, nowMillis);
    if (stored != null) {
      CachePolicy.Use use = CachePolicy.use(request.directives(), known.directives(), lifetime, age);
      switch (use) {
        case FRESH -> {
          return new CacheDecision(Action.SERVE, stored, lifetime, age, CacheStatus.hit(lifetime - age));
        }
        case STALE_ACCEPTED -> {
          return new CacheDecision(Action.SERVE, stored, lifetime, age, CacheStatus.staleHit(lifetime - age, "max-stale"));
        }
        case STALE_WHILE_REVALIDATE -> {
          return new CacheDecision(
              Action.SERVE_STALE_AND_REFRESH, stored, lifetime, age, CacheStatus.staleHit(lifetime - age, "stale-while-revalidate"));
        }
        case VALIDATE -> {
          // decided below
        }
      }
    }
    if (request.directives().has("only-if-cached")) {
      return new CacheDecision(Action.NOT_CACHED, null, 0, 0, CacheStatus.onlyIfCached());
    }
    if (!get) {
      return pass("method"); // a HEAD is never a fill: it has no body to store
    }
    if (stored != null) {
      return new CacheDecision(Action.VALIDATE, stored, lifetime, age, null);
    }
    return new CacheDecision(request.fields().contains(HttpHeader.RANGE) ? Action.RANGE_FILL : Action.FILL, null, 0, 0, null);
  }
}
