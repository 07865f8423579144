package org.oversky.gateway.proxy;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.InstantSource;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.oversky.cache.StoredResponse;
import org.oversky.conf.FetchConfig;
import org.oversky.conf.SiteConfig;
import org.oversky.gateway.metrics.Failures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The origin fetches no client waits on: the refresh of stale-while-revalidate and the
 * background fill of a range miss. They use the proxy's HTTP client and store through the {@link
 * Storer}; {@link SiteProxy} is left the adapter of the requests a client makes.
 */
final class BackgroundFetches {
  private final java.util.function.LongConsumer fromOrigin;
  private static final Logger LOG = LoggerFactory.getLogger(BackgroundFetches.class);

  private final Supplier<HttpClient> client;
  private final Storer storer;
  private final FetchConfig fetch;
  private final String via;
  private final Consumer<CacheStatus> outcomes;
  private final Consumer<Exchange> finished;
  private final Failures failures;
  private final InstantSource clock;
  private final Set<String> revalidating = ConcurrentHashMap.newKeySet();
  /** Signs this node's {@link DirectoryBook#NODE_HEADER} toward other nodes. */
  private final DirectoryBook directory;
  private final SiteProxy.PurgedCopy purgedCopy;

  /**
   * @param client the proxy's HTTP client (made when the proxy starts)
   * @param via this node's {@code Via} value, such as {@code 1.1 oversky-ab12cd34}
   * @param finished told when a background fill is over (the collapser's entry goes)
   * @param fromOrigin told of each body chunk received from an origin (its size)
   */

  BackgroundFetches(
      Supplier<HttpClient> client,
      Storer storer,
      FetchConfig fetch,
      String via,
      Consumer<CacheStatus> outcomes,
      Consumer<Exchange> finished,
      java.util.function.LongConsumer fromOrigin,
      Failures failures,
      DirectoryBook directory,
      SiteProxy.PurgedCopy purgedCopy,
      InstantSource clock) {
    this.directory = directory;
    this.purgedCopy = purgedCopy;
    this.fromOrigin = fromOrigin;
    this.client = client;
    this.storer = storer;
    this.fetch = fetch;
    this.via = via;
    this.outcomes = outcomes;
    this.finished = finished;
    this.failures = failures;
    this.clock = clock;
  }

  /**
   * Refreshes a stale stored response with no client waiting (stale-while-revalidate): a
   * conditional request to the origin; a 304 freshens the stored response, a storable 200
   * replaces it. One refresh per URL at a time.
   */
  void revalidate(SiteConfig site, String url, StoredResponse stale, long lifetime, long age) {
    if (!revalidating.add(url)) {
      return;
    }
    long requestTime = clock.millis();
    URI target = URI.create(site.origin() + RequestTargets.forUri(pathQueryOf(url)));
    var toOrigin = client.get().newRequest(target).headers(h -> {
      h.put(HttpHeader.HOST, target.getPort() < 0 ? target.getHost() : target.getHost() + ":" + target.getPort());
      h.put(HttpHeader.VIA, via);
      if (stale.first("ETag") != null) {
        h.put(HttpHeader.IF_NONE_MATCH, stale.first("ETag"));
      }
      if (stale.first("Last-Modified") != null) {
        h.put(HttpHeader.IF_MODIFIED_SINCE, stale.first("Last-Modified"));
      }
    });
    toOrigin.send(new org.eclipse.jetty.client.Response.Listener() {
      private Storer.Fill fill;

      @Override
      public void onHeaders(org.eclipse.jetty.client.Response r) {
        long responseTime = clock.millis();
        if (r.getStatus() == 304) {
          storer.freshen(stale, r.getHeaders(), requestTime, responseTime);
          outcomes.accept(CacheStatus.revalidated(304, false));
        } else if (r.getStatus() == 200 && CachePolicy.values(stale.headers(), "Vary").isEmpty()) {
          // No client request here: only a response that varies on nothing can be stored for all.
          fill = storer.open(site, url, HttpFields.EMPTY, 200, r.getHeaders(), requestTime, responseTime, Long.MAX_VALUE, false)
              .filter(f -> f.variant.isEmpty())
              .orElse(null);
        }
      }

      @Override
      public void onContent(org.eclipse.jetty.client.Response r, java.nio.ByteBuffer content) {
        fromOrigin.accept(content.remaining());
        if (fill != null) {
          try {
            fill.write(content);
          } catch (IOException e) {
            failures.report(LOG, "refresh-store-failed", "stopped storing the background refresh of " + url, e);
            fill.close();
            fill = null;
          }
        }
      }

      @Override
      public void onComplete(Result result) {
        try {
          if (fill != null && result.isSucceeded()) {
            fill.commit();
            outcomes.accept(CacheStatus.revalidated(200, true));
          } else if (result.isFailed()) {
            failures.report(LOG, "refresh-failed", "the background refresh of " + url + " failed", result.getFailure());
          }
        } catch (IOException e) {
          failures.report(LOG, "refresh-store-failed", "could not store the background refresh of " + url, e);
        } finally {
          if (fill != null) {
            fill.close();
          }
          revalidating.remove(url);
        }
      }
    });
  }

  /**
   * Fetches the whole representation of {@code ex}'s URL in the background, for a range request
   * on a miss: the body goes into the store through the {@link Storer} and is shared through
   * {@code ex.inFlight()} as it arrives, so the range requests waiting on it are answered from
   * its bytes. The fetch is not tied to any client: it goes on when they leave. A response that
   * is not a storable 200 is not shared ({@link InFlight#notShared}); one over {@code maxSize}
   * is abandoned at its head and reported to {@code tooLarge}.
   */
  void fillInBackground(Exchange ex, Request request, long maxSize, Runnable tooLarge) {
    HttpFields requestFields = HttpFields.build(request.getHeaders()).asImmutable(); // the request may be recycled first
    var toOrigin = wholeRequest(ex, request);
    new WholeFill(ex, requestFields, maxSize, tooLarge, toOrigin, RequestTargets.forUri(request.getHttpURI().getPathQuery())).attempt(toOrigin);
  }

  /** Times a broken background fill resumes where it stopped before it gives up. */
  static final int MAX_RESUMES = 3;

  /**
   * One background fill: the whole object, and when the connection breaks part-way, the rest
   * with {@code Range} and {@code If-Range} (the first answer's strong ETag or Last-Modified), so
   * the origin never sends a byte twice. A changed object (a 200 to the resumption) ends the fill.
   */
  private final class WholeFill {
    private final Exchange ex;
    private final HttpFields requestFields;
    private final HttpFields originFields;
    private URI target;
    /** The path and query asked, whoever is asked. */
    private final String pathQuery;
    /** Set when the answer is not used: the next one asked gets the request when it is over. */
    private boolean movingOn;
    private final long maxSize;
    private final Runnable tooLarge;
    private Storer.Fill fill;
    private String validator;
    private int resumes;

    WholeFill(Exchange ex, HttpFields requestFields, long maxSize, Runnable tooLarge, org.eclipse.jetty.client.Request first, String pathQuery) {
      this.ex = ex;
      this.requestFields = requestFields;
      this.originFields = HttpFields.build(first.getHeaders()).asImmutable();
      this.target = first.getURI();
      this.pathQuery = pathQuery;
      this.maxSize = maxSize;
      this.tooLarge = tooLarge;
    }

    void attempt(org.eclipse.jetty.client.Request toOrigin) {
      boolean resuming = fill != null;
      InFlight flight = ex.inFlight();
      if (!resuming) {
        ex.origin().sending();
      }
      toOrigin.send(new org.eclipse.jetty.client.Response.Listener() {
        @Override
        public void onHeaders(org.eclipse.jetty.client.Response r) {
          if (!resuming && !usable(r)) {
            movingOn = true; // nothing of this answer is stored: onComplete asks the next one
            r.abort(new IOException("not used: the fill moves on to " + ex.origin().current())); // not read to its end
            return;
          }
          if (resuming) {
            String range = r.getHeaders().get(HttpHeader.CONTENT_RANGE);
            if (r.getStatus() != 206 || range == null || !range.startsWith("bytes " + fill.size() + "-")) {
              r.abort(new IOException("the origin did not resume at byte " + fill.size() + " (status " + r.getStatus() + ")"));
            }
            return;
          }
          long length = r.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
          if (r.getStatus() == 200 && length > maxSize) {
            tooLarge.run();
            r.abort(new IOException("larger than cache.range-fill-max"));
            return;
          }
          fill =
              r.getStatus() != 200
                  ? null
                  : storer.open(ex.site(), ex.url(), requestFields, 200, r.getHeaders(), ex.requestTime(), clock.millis(), maxSize, true)
                      .orElse(null);
          try {
            if (fill == null) {
              ex.origin().notStored(ex.url());
              flight.notShared();
              r.abort(new IOException("not a storable 200"));
              return;
            }
            validator = strongValidator(r.getHeaders());
            flight.publish(fill.head(), fill.newReader());
          } catch (IOException e) {
            r.abort(e);
          }
        }

        @Override
        public void onContent(org.eclipse.jetty.client.Response r, ByteBuffer content) {
          fromOrigin.accept(content.remaining());
          if (fill == null || movingOn || resuming && r.getStatus() != 206) {
            return;
          }
          try {
            int n = content.remaining();
            fill.write(content);
            flight.advance(n);
          } catch (IOException e) {
            if (e instanceof org.oversky.cache.BodyTooLargeException) {
              tooLarge.run();
            }
            r.abort(e);
          }
        }

        @Override
        public void onComplete(Result result) {
          if (movingOn || !resuming && fill == null && result.isFailed() && result.getResponse().getStatus() == 0 && failOver(result.getFailure())) {
            movingOn = false;
            attempt(retarget());
            return;
          }
          if (result.isFailed() && canResume()) {
            resumes++;
            failures.report(LOG, "range-fill-resumed", "the background fill of " + ex.url() + " broke at byte " + fill.size()
                + "; asking the origin for the rest", result.getFailure());
            attempt(resumption());
            return;
          }
          finish(result);
        }
      });
    }

    /**
     * Whether an answer's head is the fill's, or the next one asked gets the request: a
     * directory's answer naming whom to fill from ({@link OriginAttempt#follow}); one without the
     * cluster's proof; a 5xx while another is left to ask, unless a node says it is the origin's
     * own ({@link OriginAttempt#ORIGIN_FAILED_HEADER}).
     */
    private boolean usable(org.eclipse.jetty.client.Response r) {
      OriginAttempt origin = ex.origin();
      String answer = r.getHeaders().get(DirectoryBook.ANSWER_HEADER);
      String next = r.getHeaders().get(DirectoryBook.NEXT_HEADER);
      if (next != null && origin.follow(next, answer)) {
        return false;
      }
      boolean originFailed = origin.atShield() && r.getHeaders().contains(OriginAttempt.ORIGIN_FAILED_HEADER) && origin.answeredByCluster(answer);
      if (!origin.answeredByCluster(answer) || r.getStatus() >= 500 && !originFailed) {
        return !failOver(new IOException(origin.current() + " answered " + r.getStatus()
            + (origin.answeredByCluster(answer) ? "" : " without the cluster's proof")));
      }
      if (origin.atShield() && r.getStatus() < 500 && origin.hasNext() && purgedCopy.test(ex.url(), r.getHeaders(), clock.millis(), null)) {
        origin.refused(); // that node has not had a purge this one has: its copy is not stored here
        directory.countPurgedCopyRefused();
        return false;
      }
      if (r.getStatus() < 500) {
        origin.answered();
      }
      return true;
    }

    /** Moves to the next one to ask after {@code why}, when one is left; false (nothing changed) otherwise. */
    private boolean failOver(Throwable why) {
      if (!ex.origin().hasNext()) {
        return false;
      }
      URI asked = ex.origin().current();
      ex.origin().failedOver();
      failures.report(LOG, "range-fill-failed-over", asked + " failed the background fill of " + ex.url() + "; trying " + ex.origin().current(), why);
      return true;
    }

    /** The whole request again, to the one {@code ex} asks now. */
    private org.eclipse.jetty.client.Request retarget() {
      target = URI.create(ex.origin().current() + pathQuery);
      return client.get()
          .newRequest(target)
          .idleTimeout(ex.origin().idleMillis(fetch), java.util.concurrent.TimeUnit.MILLISECONDS)
          .headers(h -> {
            h.add(originFields);
            targetFields(h, ex, target);
          });
    }

    /**
     * Whether a broken fill may go on with a range: a known length, a validator, bytes left, tries
     * left, and not from a directory (its claim may have expired, and its answer proves the first
     * request only).
     */
    private boolean canResume() {
      return fill != null
          && !ex.origin().atDirectory()
          && validator != null
          && fill.contentLength > 0
          && fill.size() < fill.contentLength
          && resumes < MAX_RESUMES;
    }

    private org.eclipse.jetty.client.Request resumption() {
      return client.get()
          .newRequest(target)
          .idleTimeout(ex.origin().idleMillis(fetch), java.util.concurrent.TimeUnit.MILLISECONDS)
          .headers(h -> {
            h.add(originFields);
            targetFields(h, ex, target); // the one that answered, which the first request may not have asked
            h.put(HttpHeader.RANGE, "bytes=" + fill.size() + "-");
            h.put(HttpHeader.IF_RANGE, validator);
          });
    }

    private void finish(Result result) {
      InFlight flight = ex.inFlight();
      try {
        boolean whole = fill != null && (fill.contentLength < 0 || fill.size() == fill.contentLength);
        if (result.isSucceeded() && whole) {
          fill.commit();
          flight.complete();
        } else {
          flight.fail(result.isFailed() ? result.getFailure() : new IOException("not stored"));
          if (fill != null && result.isFailed()) {
            failures.report(LOG, "range-fill-failed", "the background fill of " + ex.url() + " failed", result.getFailure());
          }
        }
      } catch (IOException e) {
        failures.report(LOG, "store-failed", "could not store " + ex.url(), e);
        flight.fail(e);
      } finally {
        if (fill != null) {
          fill.close();
        }
        finished.accept(ex);
      }
    }
  }

  /** A validator that may make a range conditional (RFC 9110 §13.1.5): a strong ETag, else Last-Modified; or null. */
  private static String strongValidator(HttpFields fields) {
    String etag = fields.get(HttpHeader.ETAG);
    if (etag != null && !etag.startsWith("W/")) {
      return etag;
    }
    return fields.get(HttpHeader.LAST_MODIFIED);
  }


  /**
   * A request to the origin for the whole representation of the client's request: its
   * end-to-end fields as sent (they may select a variant), without ranges, conditions and
   * hop-by-hop fields, with this node's forwarding fields.
   */
  private org.eclipse.jetty.client.Request wholeRequest(Exchange ex, Request request) {
    URI target = URI.create(ex.origin().current() + RequestTargets.forUri(request.getHttpURI().getPathQuery()));
    var toOrigin = client.get().newRequest(target).idleTimeout(ex.origin().idleMillis(fetch), java.util.concurrent.TimeUnit.MILLISECONDS);
    java.util.Set<String> connectionListed = new java.util.HashSet<>();
    for (String v : request.getHeaders().getValuesList(HttpHeader.CONNECTION)) {
      for (String n : v.split(",")) {
        connectionListed.add(n.trim().toLowerCase(java.util.Locale.ROOT));
      }
    }
    String clientHost = request.getHeaders().get(HttpHeader.HOST);
    toOrigin.headers(h -> {
      for (HttpField f : request.getHeaders()) {
        String name = f.getLowerCaseName();
        if (!WHOLE_FETCH_SKIPPED.contains(name) && !name.startsWith("if-") && !connectionListed.contains(name)) {
          h.add(f);
        }
      }
      targetFields(h, ex, target);
      h.add(HttpHeader.VIA, via);
      SiteProxy.forwardingFields(h, request, clientHost);
      h.put(HttpHeader.FORWARDED, "for=\"" + Request.getRemoteAddr(request) + "\";host=\"" + clientHost + "\";proto=" + (request.isSecure() ? "https" : "http"));
    });
    return toOrigin;
  }

  /**
   * The fields that depend on whom {@code ex} asks now, at {@code target}: {@code Host}, and
   * toward a shield, directory or filler this node's {@code Oversky-Shielded}, proof and claim.
   */
  private void targetFields(HttpFields.Mutable h, Exchange ex, URI target) {
    h.put(HttpHeader.HOST, target.getPort() < 0 ? target.getHost() : target.getHost() + ":" + target.getPort());
    h.remove(OriginAttempt.SHIELDED_HEADER);
    h.remove(DirectoryBook.CLAIM_HEADER);
    h.remove(DirectoryBook.NODE_HEADER);
    if (ex.origin().atShield()) {
      h.put(OriginAttempt.SHIELDED_HEADER, "1"); // as the proxy's fills: the shield goes to the origin itself
      String proof = directory.nodeProof(ex.origin().current().toString());
      if (proof != null) {
        h.put(DirectoryBook.NODE_HEADER, proof);
      }
    }
    ex.origin().claim().ifPresent(claim -> h.put(DirectoryBook.CLAIM_HEADER, claim));
  }

  private static final java.util.Set<String> WHOLE_FETCH_SKIPPED =
      java.util.Set.of(
          "host", "range", "connection", "keep-alive", "proxy-connection", "te", "transfer-encoding", "trailer", "upgrade",
          "proxy-authorization", "content-length", "expect", "forwarded");

  private static String pathQueryOf(String url) {
    int scheme = url.indexOf("://");
    int slash = url.indexOf('/', scheme + 3);
    return slash < 0 ? "/" : url.substring(slash);
  }
}
