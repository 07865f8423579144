package org.oversky.gateway.proxy;

import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.proxy.ProxyHandler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpFields;
import org.oversky.cache.ContentStore;
import org.oversky.cache.StoredResponse;
import org.oversky.conf.FetchConfig;
import org.oversky.conf.SiteConfig;
import org.oversky.gateway.http.Dispatch;
import org.oversky.gateway.http.ExactFields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards site requests to their origin and tees cacheable responses into the store while they
 * stream to the client.
 *
 * <p>Why Jetty's core {@link ProxyHandler} and not the ee10 {@code ProxyServlet}: the core
 * handler hands each response chunk to an extensible listener ({@code ProxyResponseListener})
 * together with a demander, so the tee is one subclass that writes the chunk to the store and
 * then lets the client write pace the origin (back-pressure included), with no servlet layer or
 * blocking streams in between. The handler also does what a proxy must on the request side:
 * every method, the path and query as sent, the request body, 1xx interim responses,
 * hop-by-hop stripping, {@code Via} and {@code Forwarded}, and pooled origin connections.
 */
final class SiteProxy extends ProxyHandler {
  /** Told of each body chunk received from an origin (its size), for the node's figures. */
  private final java.util.function.LongConsumer fromOrigin;
  private static final Logger LOG = LoggerFactory.getLogger(SiteProxy.class);

  private final ContentStore store;
  private final CachePolicy policy;
  private final FetchConfig fetch;
  private final Consumer<CacheStatus> outcomes;
  private final Consumer<Exchange> finished;
  private final OriginDown originDown;
  private final org.oversky.gateway.metrics.Failures failures;
  private final Storer storer;
  static final int RESPONSE_BUFFER_BYTES = 128 * 1024;
  private final java.time.InstantSource clock;

  /** What to try when the origin cannot be reached and nothing is stored; it runs the fallback (a 502) if nothing helps. */
  @FunctionalInterface
  interface OriginDown {
    void serve(Request request, Response response, Callback callback, Exchange ex, Runnable fallback);
  }

  /**
   * Whether a copy of a URL another node answered with these fields, received at that time, may
   * be older than a purge here that names it (see {@link SiteHandler#purgedCopy}).
   */
  @FunctionalInterface
  interface PurgedCopy {
    boolean test(String url, org.eclipse.jetty.http.HttpFields head, long receivedAt, StoredResponse validating);
  }

  /** Signs this node's {@link DirectoryBook#NODE_HEADER} toward other nodes, and counts the copies refused. */
  private final DirectoryBook directory;
  private final PurgedCopy purgedCopy;

  SiteProxy(
      ContentStore store,
      CachePolicy policy,
      Storer storer,
      FetchConfig fetch,
      String via,
      Consumer<CacheStatus> outcomes,
      Consumer<Exchange> finished,
      OriginDown originDown,
      java.util.function.LongConsumer fromOrigin,
      org.oversky.gateway.metrics.Failures failures,
      DirectoryBook directory,
      PurgedCopy purgedCopy,
      java.time.InstantSource clock) {
    this.directory = directory;
    this.purgedCopy = purgedCopy;
    this.fromOrigin = fromOrigin;
    this.clock = clock;
    this.originDown = originDown;
    this.failures = failures;
    this.storer = storer;
    this.store = store;
    this.policy = policy;
    this.fetch = fetch;
    this.outcomes = outcomes;
    this.finished = finished;
    setViaHost(via);
  }

  /** Field values pass exactly as the origin sent them (see {@link ExactFields}). */
  @Override
  protected HttpClient newHttpClient() {
    return ExactFields.client();
  }

  @Override
  protected void configureHttpClient(HttpClient client) {
    super.configureHttpClient(client);
    client.setConnectTimeout(fetch.connectTimeout().toMillis());
    client.setIdleTimeout(fetch.readTimeout().toMillis());
    client.setMaxConnectionsPerDestination(256);
    // Bigger reads from origins: fewer chunks (each one hashed, written and signalled to
    // followers) per body. 16 KiB (Jetty's default) filled 21 MB at about 70 MB/s.
    client.setResponseBufferSize(RESPONSE_BUFFER_BYTES);
    // Jetty's default pool keeps buffers of up to 64 KiB only: every read buffer of 128 KiB was a
    // new direct buffer, zeroed and faulted in (a tenth of a node's CPU in a crawl of small files).
    client.setByteBufferPool(new ArrayByteBufferPool(0, 4096, RESPONSE_BUFFER_BYTES));
    client.setUserAgentField(null);
  }

  @Override
  protected HttpURI rewriteHttpURI(Request request) {
    Exchange ex = exchange(request);
    ex.origin().sending();
    return HttpURI.build(ex.origin().current() + RequestTargets.forUri(request.getHttpURI().getPathQuery()));
  }

  @Override
  protected void copyRequestHeaders(Request request, org.eclipse.jetty.client.Request toOrigin) {
    super.copyRequestHeaders(request, toOrigin);
    Exchange ex = exchange(request);
    String clientHost = request.getHeaders().get(HttpHeader.HOST);
    toOrigin.headers(h -> {
      h.put(HttpHeader.HOST, hostOf(ex));
      h.remove(OriginAttempt.SHIELDED_HEADER);
      h.remove(DirectoryBook.CLAIM_HEADER);
      h.remove(DirectoryBook.NODE_HEADER);
      if (ex.origin().atShield()) {
        h.put(OriginAttempt.SHIELDED_HEADER, "1");
        // the node may wait for the origin itself (and a directory for the filler before it): it
        // answers the origin's failure before this node gives up on it and asks the origin too
        toOrigin.idleTimeout(ex.origin().idleMillis(fetch), java.util.concurrent.TimeUnit.MILLISECONDS);
        String proof = directory.nodeProof(ex.origin().current().toString());
        if (proof != null) {
          h.put(DirectoryBook.NODE_HEADER, proof); // the node asked answers with the fields for the cluster
        }
      }
      ex.origin().claim().ifPresent(claim -> h.put(DirectoryBook.CLAIM_HEADER, claim));
      forwardingFields(h, request, clientHost);
      // The client's Forwarded is dropped: addProxyHeaders then writes this node's own element.
      h.remove(HttpHeader.FORWARDED);
      if (ex.fill()) {
        // A cache fill asks for the whole representation; the client's own conditions and
        // ranges are answered from what gets stored.
        h.remove(HttpHeader.IF_NONE_MATCH);
        h.remove(HttpHeader.IF_MODIFIED_SINCE);
        h.remove(HttpHeader.IF_MATCH);
        h.remove(HttpHeader.IF_UNMODIFIED_SINCE);
        h.remove(HttpHeader.IF_RANGE);
        h.remove(HttpHeader.RANGE);
        StoredResponse v = ex.validating();
        if (v != null) {
          if (v.first("ETag") != null) {
            h.put(HttpHeader.IF_NONE_MATCH, v.first("ETag"));
          }
          if (v.first("Last-Modified") != null) {
            h.put(HttpHeader.IF_MODIFIED_SINCE, v.first("Last-Modified"));
          }
        }
      }
    });
  }

  /**
   * The forwarding fields the origin sees are this node's, never the client's: a client could
   * otherwise make the origin vary a response that is then stored for everyone.
   */
  static void forwardingFields(org.eclipse.jetty.http.HttpFields.Mutable h, Request request, String clientHost) {
    h.remove(HttpHeader.X_FORWARDED_HOST);
    h.remove(HttpHeader.X_FORWARDED_FOR);
    h.remove(HttpHeader.X_FORWARDED_PROTO);
    for (String name : UNTRUSTED_FORWARDING) {
      h.remove(name);
    }
    if (clientHost != null) {
      h.put(HttpHeader.X_FORWARDED_HOST, clientHost);
    }
    h.put(HttpHeader.X_FORWARDED_FOR, Request.getRemoteAddr(request));
    h.put(HttpHeader.X_FORWARDED_PROTO, request.isSecure() ? "https" : "http");
  }

  /** Forwarding fields some frameworks believe; a client's are never passed to the origin. */
  private static final List<String> UNTRUSTED_FORWARDING =
      List.of(
          "X-Forwarded-Port", "X-Forwarded-Server", "X-Forwarded-Scheme", "X-Forwarded-Ssl", "X-Real-IP", "X-Host",
          "X-Original-URL", "X-Rewrite-URL");

  private static String hostOf(Exchange ex) {
    var origin = ex.origin().current();
    return origin.getPort() < 0 ? origin.getHost() : origin.getHost() + ":" + origin.getPort();
  }

  @Override
  protected org.eclipse.jetty.client.Response.CompleteListener newServerToProxyResponseListener(
      Request request, org.eclipse.jetty.client.Request toOrigin, Response response, Callback callback) {
    return new Tee(request, toOrigin, response, callback, exchange(request));
  }

  @Override
  protected void onServerToProxyResponseFailure(
      Request request,
      org.eclipse.jetty.client.Request toOrigin,
      org.eclipse.jetty.client.Response fromOrigin,
      Response response,
      Callback callback,
      Throwable failure) {
    Exchange ex = exchange(request);
    OriginFailure why = OriginFailure.of(failure, clientBodyFailed(request));
    URI asked = ex.origin().current();
    if (!why.clientFault() && !response.isCommitted() && failOver(ex, request)) {
      failures.report(LOG, why.type(), asked + " " + why.words() + " (for " + ex.url() + "); trying " + ex.origin().current(), failure);
      retry(request, response, callback);
      return;
    }
    if (!why.clientFault()) {
      ex.origin().failed();
    }
    if (ex.inFlight() != null) {
      ex.inFlight().fail(failure);
    }
    finished.accept(ex);
    if (why.clientFault()) {
      LOG.debug("request body for {} failed: {}", ex.url(), failure.toString());
    } else {
      failures.report(LOG, why.type(), ex.origin().current() + " " + why.words() + " (for " + ex.url() + ")", failure);
    }
    if (response.isCommitted()) {
      callback.failed(failure);
      return;
    }
    if (!why.clientFault() && serveStaleOnDisconnect(request, response, callback, ex, why)) {
      return;
    }
    response.reset();
    keepDirectoryAnswer(request, response);
    if (!why.clientFault() && ex.fill() && ex.validating() == null) {
      originDown.serve(request, response, callback, ex, () -> originProblem(request, response, callback, ex, why));
    } else {
      originProblem(request, response, callback, ex, why);
    }
  }

  /**
   * Moves {@code ex} to its next origin when the request may be sent again (a GET or HEAD
   * without a body) and another origin is left; false otherwise.
   */
  private static boolean failOver(Exchange ex, Request request) {
    boolean again = mayResend(ex, request);
    if (again) {
      ex.origin().failedOver();
    }
    return again;
  }

  /** Whether {@code request} may be sent again (a GET or HEAD without a body) to another origin {@code ex} has left. */
  private static boolean mayResend(Exchange ex, Request request) {
    return (HttpMethod.GET.is(request.getMethod()) || HttpMethod.HEAD.is(request.getMethod()))
        && !SiteHandler.hasBody(request) && ex.origin().hasNext();
  }

  /** Sends the request again, to the origin its exchange now names. */
  private void retry(Request request, Response response, Callback callback) {
    try {
      handle(request, response, callback);
    } catch (Exception e) {
      callback.failed(e);
    }
  }

  /** Whether the client's request body failed to arrive (malformed, cut off): the failure is then the client's. */
  private static boolean clientBodyFailed(Request request) {
    Content.Chunk chunk = request.read();
    if (chunk == null) {
      return false;
    }
    boolean failed = Content.Chunk.isFailure(chunk);
    chunk.release();
    return failed;
  }

  private static void originProblem(Request request, Response response, Callback callback, Exchange ex, OriginFailure why) {
    if (!why.clientFault() && !ex.origin().atShield() && StoredHeaders.fromCluster(request)) {
      response.getHeaders().put(OriginAttempt.ORIGIN_FAILED_HEADER, "1"); // the node that asked does not ask the origin too
    }
    String detail =
        why.clientFault()
            ? why.words() + "; nothing was forwarded to the origin as complete"
            : "the origin of " + ex.site().host() + " " + why.words() + ", and no stored copy may be served";
    new org.oversky.gateway.http.Problem(why.status(), why.type(), why.title(), detail).send(response, callback);
  }

  /**
   * The origin could not be reached or did not answer usably: serves the stale stored response
   * when stale-if-error or the node's {@code cache.stale-on-disconnect} allows (RFC 9111 §4.2.4);
   * false otherwise.
   */
  private boolean serveStaleOnDisconnect(Request request, Response response, Callback callback, Exchange ex, OriginFailure why) {
    StoredResponse stale = ex.validating();
    if (stale == null || !policy.staleOnDisconnect(stale, ex.lifetime(), ex.age(), ex.request())) {
      return false;
    }
    CacheStatus status = CacheStatus.staleOnDisconnect(why.type(), ex.lifetime() - ex.age());
    return serveStale(request, response, callback, stale, status);
  }

  /** Serves the stale stored response when stale-if-error (or the node's setting) allows; false otherwise. */
  private boolean serveStaleOnError(Request request, Response response, Callback callback, Exchange ex, int originStatus) {
    StoredResponse stale = ex.validating();
    if (stale == null || !policy.staleIfError(stale, ex.lifetime(), ex.age(), ex.request())) {
      return false;
    }
    return serveStale(request, response, callback, stale, CacheStatus.staleOnError(originStatus, ex.lifetime() - ex.age()));
  }

  private boolean serveStale(Request request, Response response, Callback callback, StoredResponse stale, CacheStatus status) {
    outcomes.accept(status);
    response.reset();
    keepDirectoryAnswer(request, response);
    Dispatch.blocking(request, callback, () -> {
      long age = CachePolicy.currentAge(stale, clock.millis());
      if (!StoredResponder.serve(store, request, response, callback, stale, age, status, "1.1 " + getViaHost())) {
        callback.failed(new IOException("the stale copy left the store"));
      }
    });
    return true;
  }

  /**
   * Puts this node's answer to a claim as the URL's directory ({@link DirectoryBook#ANSWER_HEADER})
   * on the response, as the upstream's head or a reset has left it: without it the claimant takes
   * no answer of this node, its stale copy or the origin's failure either.
   */
  private static void keepDirectoryAnswer(Request request, Response response) {
    if (request.getAttribute(DirectoryBook.ANSWER_HEADER) instanceof String answer) {
      response.getHeaders().put(DirectoryBook.ANSWER_HEADER, answer);
    }
  }

  static Exchange exchange(Request request) {
    return (Exchange) request.getAttribute(Exchange.ATTRIBUTE);
  }

  /** The response listener that tees into the store; see the class comment for why here. */
  private final class Tee extends ProxyResponseListener {
    private final Request request;
    private final Response response;
    private final Callback callback;
    private final Exchange ex;
    private Mode mode = Mode.PASS;
    /** A 5xx from another node, decided once its head is read ({@link #onHeaders}). */
    private boolean nodeError;
    /** Whether the node asked answered with the origin's failure ({@link OriginAttempt#ORIGIN_FAILED_HEADER}). */
    private boolean originFailedBehind;
    private Storer.Fill fill;
    private int status;
    private long responseTime;
    private volatile Throwable clientFailure;
    private boolean clientFailed;

    private enum Mode { PASS, STORE, FRESHEN, STALE, RETRY }

    Tee(Request request, org.eclipse.jetty.client.Request toOrigin, Response response, Callback callback, Exchange ex) {
      super(request, toOrigin, response, callback);
      this.request = request;
      this.response = response;
      this.callback = callback;
      this.ex = ex;
    }

    @Override
    public void onBegin(org.eclipse.jetty.client.Response fromOrigin) {
      status = fromOrigin.getStatus();
      if (status >= 500 && ex.origin().atShield()) {
        nodeError = true; // another node's error: its head says whether the origin failed behind it (onHeaders)
        return;
      }
      begin(fromOrigin, true);
    }

    /**
     * The answer's status is known: on a 5xx, moves to the next origin when {@code mayFailOver}
     * and one is left; otherwise starts passing the answer on (or freshens, or serves stale).
     */
    private void begin(org.eclipse.jetty.client.Response fromOrigin, boolean mayFailOver) {
      URI asked = ex.origin().current();
      if (status >= 500 && mayFailOver && failOver(ex, request)) {
        failures.report(LOG, "origin-5xx", asked + " answered " + status + " (for " + ex.url() + "); trying " + ex.origin().current(), null);
        mode = Mode.RETRY; // nothing of this answer reaches the client
        return;
      }
      long upstream = status >= 500 && mayFailOver ? ex.origin().failed() : ex.origin().answered();
      request.setAttribute(org.oversky.gateway.http.AccessLog.UPSTREAM_MILLIS, upstream);
      if (ex.validating() != null && status == 304) {
        mode = Mode.FRESHEN;
        return;
      }
      if (ex.validating() != null && status >= 500
          && policy.staleIfError(ex.validating(), ex.lifetime(), ex.age(), ex.request())) {
        mode = Mode.STALE;
        return;
      }
      super.onBegin(fromOrigin);
    }

    @Override
    public void onHeaders(org.eclipse.jetty.client.Response fromOrigin) {
      responseTime = clock.millis();
      if (nodeError) {
        nodeError = false;
        // the node asked the origin and got this error: asking the origin from here as well would
        // double the load on an origin already failing, and fail the same way
        originFailedBehind = fromOrigin.getHeaders().contains(OriginAttempt.ORIGIN_FAILED_HEADER)
            && ex.origin().answeredByCluster(fromOrigin.getHeaders().get(DirectoryBook.ANSWER_HEADER));
        begin(fromOrigin, !originFailedBehind);
      }
      if (mode == Mode.STALE || mode == Mode.RETRY) {
        return;
      }
      String next = mode == Mode.FRESHEN ? null : fromOrigin.getHeaders().get(DirectoryBook.NEXT_HEADER);
      if (next != null && ex.origin().follow(next, fromOrigin.getHeaders().get(DirectoryBook.ANSWER_HEADER))) {
        mode = Mode.RETRY; // the directory named whom to fill from: its filler, or the origin
        return;
      }
      if (!ex.origin().answeredByCluster(fromOrigin.getHeaders().get(DirectoryBook.ANSWER_HEADER)) && failOver(ex, request)) {
        // a node the view holds (every node the DHT knows) but not of the cluster: nothing it
        // says is used, a 304 that would freshen the stored response no more than a body
        failures.report(LOG, "directory-not-of-cluster", "the directory asked for " + ex.url()
            + " answered without the cluster's proof (a node of another cluster, or of an older version); trying " + ex.origin().current(), null);
        mode = Mode.RETRY;
        return;
      }
      if (status < 500 && ex.origin().atShield() && mayResend(ex, request)
          && purgedCopy.test(ex.url(), fromOrigin.getHeaders(), responseTime, mode == Mode.FRESHEN ? ex.validating() : null)) {
        // the node asked has not had a purge this one has: nothing of its answer is stored, used or
        // read, and the request goes on to the origin (onComplete)
        URI asked = ex.origin().current();
        ex.origin().refused();
        directory.countPurgedCopyRefused();
        mode = Mode.RETRY;
        fromOrigin.abort(new IOException(asked + " answered " + ex.url() + " with a copy older than a purge here"));
        return;
      }
      if (mode == Mode.FRESHEN) {
        return;
      }
      if (ex.fill()) {
        fill =
            storer.open(ex.site(), ex.url(), request.getHeaders(), status, fromOrigin.getHeaders(), ex.requestTime(), responseTime, Long.MAX_VALUE, true)
                .orElse(null);
        if (fill == null) {
          ex.origin().notStored(ex.url());
        }
        if (fill != null && ex.origin().atShield() && !ex.origin().atDirectory()) {
          fill.fromShield(); // the shield stored it and told the cluster; a directory node may not have
        }
      }
      if (fill != null) {
        try {
          if (ex.inFlight() != null) {
            ex.inFlight().publish(fill.head(), fill.newReader());
          }
          mode = Mode.STORE;
        } catch (IOException e) {
          failures.report(LOG, "store-failed", "cannot store " + ex.url(), e);
          abandon(e);
        }
      } else if (ex.inFlight() != null) {
        ex.inFlight().notShared();
      }
      if (!Invalidation.isSafe(request.getMethod())) {
        Invalidation.afterUnsafe(
            store.responses(), ex.url(), Sites.hostOnly(request.getHeaders().get(HttpHeader.HOST)), status, fromOrigin.getHeaders());
      }
      super.onHeaders(fromOrigin);
      // RFC 9110 §7.6.1: fields the origin names in Connection are hop-by-hop too.
      for (String value : fromOrigin.getHeaders().getValuesList(HttpHeader.CONNECTION)) {
        for (String name : value.split(",")) {
          if (!name.isBlank()) {
            response.getHeaders().remove(name.trim());
          }
        }
      }
      CacheStatus cs =
          ex.validating() != null
              ? CacheStatus.revalidated(status, mode == Mode.STORE)
              : ex.origin().atShield() && CacheStatus.servedByCache(fromOrigin.getHeaders().get(CacheStatus.HEADER))
                  ? CacheStatus.fromShield(mode == Mode.STORE)
                  : CacheStatus.forward(ex.forward(), mode == Mode.STORE);
      response.getHeaders().put(CacheStatus.HEADER, cs.value());
      keepDirectoryAnswer(request, response); // this node answers a claim as the URL's directory
      if (StoredHeaders.fromCluster(request)) {
        for (HttpField f : fromOrigin.getHeaders()) {
          if (StoredHeaders.forCluster(f.getLowerCaseName())) {
            response.getHeaders().add(f); // the node that asked stores this answer
          }
        }
      }
      response.getHeaders().add(HttpHeader.VIA, "1.1 " + getViaHost());
      if (status >= 500 && StoredHeaders.fromCluster(request) && (!ex.origin().atShield() || originFailedBehind)) {
        response.getHeaders().put(OriginAttempt.ORIGIN_FAILED_HEADER, "1"); // the node that asked does not ask the origin too
      }
      outcomes.accept(cs);
    }

    @Override
    public void onContent(org.eclipse.jetty.client.Response fromOrigin, Content.Chunk chunk, Runnable demander) {
      SiteProxy.this.fromOrigin.accept(chunk.remaining());
      if (mode == Mode.FRESHEN || mode == Mode.STALE || mode == Mode.RETRY) {
        demander.run();
        return;
      }
      boolean storing = mode == Mode.STORE;
      if (mode == Mode.STORE) {
        try {
          int n = chunk.remaining();
          fill.write(chunk.getByteBuffer().slice());
          if (ex.inFlight() != null) {
            ex.inFlight().advance(n);
          }
          if (fill.complete()) {
            // The whole body is in: store it before the client sees its last byte, so that a
            // request the client sends next finds it stored.
            commit();
            mode = Mode.PASS;
          }
        } catch (IOException e) {
          // Too large or the disk failed: stop storing, keep proxying.
          LOG.debug("stopped storing {}: {}", ex.url(), e.toString());
          abandon(e);
        }
      }
      if (storing) {
        toClient(chunk, demander);
        return;
      }
      super.onContent(fromOrigin, chunk, demander);
    }

    /**
     * While storing, a client that goes away does not end the fetch: the store and any collapsed
     * followers still get the whole body (Jetty's listener would abort the origin request).
     */
    private void toClient(Content.Chunk chunk, Runnable demander) {
      if (clientFailure != null) {
        demander.run();
        return;
      }
      chunk.retain();
      response.write(false, chunk.getByteBuffer(), new Callback() {
        @Override
        public void succeeded() {
          chunk.release();
          demander.run();
        }

        @Override
        public void failed(Throwable x) {
          chunk.release();
          clientFailure = x;
          demander.run();
        }

        @Override
        public InvocationType getInvocationType() {
          return InvocationType.NON_BLOCKING;
        }
      });
    }

    private void failClient() {
      if (!clientFailed) {
        clientFailed = true;
        callback.failed(clientFailure);
      }
    }

    @Override
    public void onSuccess(org.eclipse.jetty.client.Response fromOrigin) {
      switch (mode) {
        case RETRY -> { } // onComplete sends the request again
        case FRESHEN -> freshen(fromOrigin);
        case STALE -> {
          finished.accept(ex);
          if (!serveStaleOnError(request, response, callback, ex, status)) {
            callback.failed(new IOException("stale copy not usable"));
          }
        }
        case STORE -> {
          commit();
          if (clientFailure != null) {
            failClient();
          } else {
            super.onSuccess(fromOrigin);
          }
        }
        case PASS -> {
          finished.accept(ex);
          if (clientFailure != null) {
            failClient();
          } else {
            super.onSuccess(fromOrigin);
          }
        }
      }
    }

    @Override
    public void onComplete(Result result) {
      if (mode == Mode.RETRY) {
        retry(request, response, callback);
        return;
      }
      if (mode == Mode.FRESHEN || mode == Mode.STALE) {
        if (result.isFailed()) {
          onServerToProxyResponseFailure(request, result.getRequest(), result.getResponse(), response, callback, result.getFailure());
        }
        return;
      }
      if (result.isFailed() && mode == Mode.STORE) {
        abandon(result.getFailure());
      }
      if (clientFailure != null) {
        failClient(); // the client is gone; nothing more to write
        return;
      }
      super.onComplete(result);
    }

    private void commit() {
      try {
        fill.commit();
        if (ex.inFlight() != null) {
          ex.inFlight().complete();
        }
      } catch (IOException e) {
        failures.report(LOG, "store-failed", "could not store " + ex.url(), e);
        if (ex.inFlight() != null) {
          ex.inFlight().fail(e);
        }
      } finally {
        fill.close();
        finished.accept(ex);
      }
    }

    private void abandon(Throwable why) {
      mode = Mode.PASS;
      if (fill != null) {
        fill.close();
      }
      if (ex.inFlight() != null) {
        ex.inFlight().fail(why);
      }
      finished.accept(ex);
    }

    /** RFC 9111 §4.3.4: the 304 freshens the stored response, which then answers the client. */
    private void freshen(org.eclipse.jetty.client.Response notModified) {
      StoredResponse fresh = storer.freshen(ex.validating(), notModified.getHeaders(), ex.requestTime(), responseTime);
      finished.accept(ex);
      CacheStatus cs = CacheStatus.revalidated(304, false);
      outcomes.accept(cs);
      Dispatch.blocking(request, callback, () -> {
        long age = CachePolicy.currentAge(fresh, clock.millis());
        if (!StoredResponder.serve(store, request, response, callback, fresh, age, cs, "1.1 " + getViaHost())) {
          callback.failed(new IOException("the stored body left the store during revalidation"));
        }
      });
    }
  }

  /** For the fields a proxy never passes on from the origin. */
  @Override
  protected HttpField filterServerToProxyResponseField(HttpField field) {
    String name = field.getLowerCaseName();
    return name.equals("cache-status") || name.equals("oversky-origin-failed") || StoredHeaders.onlyForThisNode(name) ? null : field;
  }
}
