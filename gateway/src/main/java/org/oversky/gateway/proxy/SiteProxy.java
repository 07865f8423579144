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
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.proxy.ProxyHandler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.oversky.cache.BodyWriter;
import org.oversky.cache.ContentStore;
import org.oversky.cache.StoredResponse;
import org.oversky.conf.FetchConfig;
import org.oversky.conf.SiteConfig;
import org.oversky.gateway.http.Dispatch;
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
  private static final Logger LOG = LoggerFactory.getLogger(SiteProxy.class);

  private final ContentStore store;
  private final CachePolicy policy;
  private final FetchConfig fetch;
  private final Consumer<CacheStatus> outcomes;
  private final Consumer<Exchange> finished;
  private final OriginDown originDown;
  private final java.util.Set<String> revalidating = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** What to try when the origin cannot be reached and nothing is stored; it runs the fallback (a 502) if nothing helps. */
  @FunctionalInterface
  interface OriginDown {
    void serve(Request request, Response response, Callback callback, Exchange ex, Runnable fallback);
  }

  SiteProxy(
      ContentStore store,
      CachePolicy policy,
      FetchConfig fetch,
      String via,
      Consumer<CacheStatus> outcomes,
      Consumer<Exchange> finished,
      OriginDown originDown) {
    this.originDown = originDown;
    this.store = store;
    this.policy = policy;
    this.fetch = fetch;
    this.outcomes = outcomes;
    this.finished = finished;
    setViaHost(via);
  }

  @Override
  protected void configureHttpClient(HttpClient client) {
    super.configureHttpClient(client);
    client.setConnectTimeout(fetch.connectTimeout().toMillis());
    client.setIdleTimeout(fetch.readTimeout().toMillis());
    client.setMaxConnectionsPerDestination(256);
    client.setUserAgentField(null);
  }

  @Override
  protected HttpURI rewriteHttpURI(Request request) {
    Exchange ex = exchange(request);
    return HttpURI.build(ex.site().origin() + request.getHttpURI().getPathQuery());
  }

  @Override
  protected void copyRequestHeaders(Request request, org.eclipse.jetty.client.Request toOrigin) {
    super.copyRequestHeaders(request, toOrigin);
    Exchange ex = exchange(request);
    String clientHost = request.getHeaders().get(HttpHeader.HOST);
    toOrigin.headers(h -> {
      h.put(HttpHeader.HOST, hostOf(ex));
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
  private static void forwardingFields(org.eclipse.jetty.http.HttpFields.Mutable h, Request request, String clientHost) {
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
    var origin = ex.site().origin();
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
    if (ex.inFlight() != null) {
      ex.inFlight().fail(failure);
    }
    finished.accept(ex);
    if (!response.isCommitted() && serveStaleOnError(request, response, callback, ex, 502)) {
      return;
    }
    LOG.debug("origin fetch for {} failed: {}", ex.url(), failure.toString());
    if (response.isCommitted()) {
      callback.failed(failure);
      return;
    }
    response.reset();
    if (ex.fill() && ex.validating() == null) {
      originDown.serve(request, response, callback, ex, () -> originProblem(response, callback, ex, failure));
    } else {
      originProblem(response, callback, ex, failure);
    }
  }

  private static void originProblem(Response response, Callback callback, Exchange ex, Throwable failure) {
    boolean timeout = failure instanceof java.util.concurrent.TimeoutException;
    new org.oversky.gateway.http.Problem(
            timeout ? 504 : 502,
            timeout ? "origin-timeout" : "origin-unreachable",
            timeout ? "Origin timed out" : "Origin unreachable",
            "the origin " + ex.site().origin() + " of " + ex.site().host() + (timeout ? " did not answer in time" : " could not be reached: " + failure.getMessage())
                + " and no stored copy may be served")
        .send(response, callback);
  }

  /** Serves the stale stored response when stale-if-error (or the node's setting) allows; false otherwise. */
  private boolean serveStaleOnError(Request request, Response response, Callback callback, Exchange ex, int originStatus) {
    StoredResponse stale = ex.validating();
    if (stale == null || !policy.staleIfError(stale, ex.lifetime(), ex.age(), ex.request())) {
      return false;
    }
    CacheStatus status = CacheStatus.staleOnError(originStatus, ex.lifetime() - ex.age());
    outcomes.accept(status);
    response.reset();
    Dispatch.blocking(request, callback, () -> {
      long age = CachePolicy.currentAge(stale, System.currentTimeMillis());
      if (!StoredResponder.serve(store, request, response, callback, stale, age, status, "1.1 " + getViaHost())) {
        callback.failed(new IOException("the stale copy left the store"));
      }
    });
    return true;
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
    long requestTime = System.currentTimeMillis();
    URI target = URI.create(site.origin() + pathQueryOf(url));
    var toOrigin = getHttpClient().newRequest(target).headers(h -> {
      h.put(HttpHeader.HOST, target.getPort() < 0 ? target.getHost() : target.getHost() + ":" + target.getPort());
      h.put(HttpHeader.VIA, "1.1 " + getViaHost());
      if (stale.first("ETag") != null) {
        h.put(HttpHeader.IF_NONE_MATCH, stale.first("ETag"));
      }
      if (stale.first("Last-Modified") != null) {
        h.put(HttpHeader.IF_MODIFIED_SINCE, stale.first("Last-Modified"));
      }
    });
    toOrigin.send(new org.eclipse.jetty.client.Response.Listener() {
      private BodyWriter writer;
      private List<StoredResponse.Header> headers;
      private long responseTime;

      @Override
      public void onHeaders(org.eclipse.jetty.client.Response r) {
        responseTime = System.currentTimeMillis();
        headers = StoredHeaders.from(r.getHeaders());
        if (r.getStatus() == 304) {
          store.responses().put(new StoredResponse(stale.url(), stale.variant(), stale.status(),
              StoredHeaders.freshen(stale.headers(), r.getHeaders()), stale.body(), requestTime, responseTime));
          outcomes.accept(CacheStatus.revalidated(304, false));
        } else if (r.getStatus() == 200
            && policy.storable(org.eclipse.jetty.http.HttpFields.EMPTY, 200, headers, site).store()
            && CachePolicy.values(headers, "Vary").isEmpty()) {
          String type = Optional.ofNullable(r.getHeaders().get(HttpHeader.CONTENT_TYPE)).orElse("application/octet-stream");
          writer = store.newWriter(type, fetch.maxBodyBytes());
        }
      }

      @Override
      public void onContent(org.eclipse.jetty.client.Response r, java.nio.ByteBuffer content) {
        if (writer != null) {
          try {
            writer.write(content);
          } catch (IOException e) {
            closeQuietly(writer);
            writer = null;
          }
        }
      }

      @Override
      public void onComplete(Result result) {
        try {
          if (writer != null && result.isSucceeded()) {
            var body = writer.commit(Optional.empty());
            store.responses().put(new StoredResponse(url, "", 200, headers, body.key(), requestTime, responseTime));
            outcomes.accept(CacheStatus.revalidated(200, true));
          }
        } catch (IOException e) {
          LOG.debug("background refresh of {} failed: {}", url, e.toString());
        } finally {
          closeQuietly(writer);
          revalidating.remove(url);
        }
      }
    });
  }

  /**
   * Fetches the whole representation for a range request on a miss and stores it, when it is
   * at most {@code maxSize} bytes (by its Content-Length, or cut off at that size while
   * streaming) and it may be stored. Blocks; empty when it was not stored (too large, not
   * storable or a failure), and then the caller passes the range request through.
   */
  Optional<StoredResponse> fetchWhole(Exchange ex, Request request, long maxSize) {
    URI target = URI.create(ex.site().origin() + request.getHttpURI().getPathQuery());
    var toOrigin = getHttpClient().newRequest(target).idleTimeout(fetch.readTimeout().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    java.util.Set<String> connectionListed = new java.util.HashSet<>();
    for (String v : request.getHeaders().getValuesList(HttpHeader.CONNECTION)) {
      for (String n : v.split(",")) {
        connectionListed.add(n.trim().toLowerCase(java.util.Locale.ROOT));
      }
    }
    toOrigin.headers(h -> {
      for (HttpField f : request.getHeaders()) {
        String name = f.getLowerCaseName();
        if (!WHOLE_FETCH_SKIPPED.contains(name) && !name.startsWith("if-") && !connectionListed.contains(name)) {
          h.add(f);
        }
      }
      h.put(HttpHeader.HOST, target.getPort() < 0 ? target.getHost() : target.getHost() + ":" + target.getPort());
      h.add(HttpHeader.VIA, "1.1 " + getViaHost());
      forwardingFields(h, request, request.getHeaders().get(HttpHeader.HOST));
      h.put(HttpHeader.FORWARDED, "for=\"" + Request.getRemoteAddr(request) + "\";host=\"" + request.getHeaders().get(HttpHeader.HOST) + "\";proto=" + (request.isSecure() ? "https" : "http"));
    });
    var listener = new org.eclipse.jetty.client.InputStreamResponseListener();
    toOrigin.send(listener);
    try {
      var fromOrigin = listener.get(fetch.connectTimeout().plus(fetch.readTimeout()).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
      long responseTime = System.currentTimeMillis();
      long length = fromOrigin.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
      List<StoredResponse.Header> all =
          fromOrigin.getHeaders().stream().map(f -> new StoredResponse.Header(f.getName(), f.getValue())).toList();
      if (fromOrigin.getStatus() != 200
          || length > maxSize
          || !policy.storable(request.getHeaders(), 200, all, ex.site()).store()) {
        fromOrigin.abort(new IOException("not filled for a range request"));
        return Optional.empty();
      }
      List<StoredResponse.Header> headers = StoredHeaders.from(fromOrigin.getHeaders());
      String type = Optional.ofNullable(fromOrigin.getHeaders().get(HttpHeader.CONTENT_TYPE)).orElse("application/octet-stream");
      try (var in = listener.getInputStream();
          BodyWriter writer = store.newWriter(type, Math.min(maxSize, fetch.maxBodyBytes()))) {
        try {
          in.transferTo(writer);
        } catch (org.oversky.cache.BodyTooLargeException e) {
          fromOrigin.abort(e);
          return Optional.empty();
        }
        var body = writer.commit(Optional.empty());
        String variant = Variants.key(Variants.names(CachePolicy.values(headers, "Vary")), request.getHeaders());
        StoredResponse stored = new StoredResponse(ex.url(), variant, 200, headers, body.key(), ex.requestTime(), responseTime);
        store.responses().put(stored);
        return Optional.of(stored);
      }
    } catch (IOException | java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      LOG.debug("whole fetch of {} for a range request failed: {}", ex.url(), e.toString());
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
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

  private static void closeQuietly(BodyWriter w) {
    if (w != null) {
      try {
        w.close();
      } catch (IOException ignored) {
        // temp file is removed at the next start at the latest
      }
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
    private BodyWriter writer;
    private List<StoredResponse.Header> headers;
    private String variant = "";
    private int status;
    private long responseTime;
    private long contentLength = -1;
    private volatile Throwable clientFailure;
    private boolean clientFailed;

    private enum Mode { PASS, STORE, FRESHEN, STALE }

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
      responseTime = System.currentTimeMillis();
      if (mode == Mode.FRESHEN || mode == Mode.STALE) {
        return;
      }
      headers = StoredHeaders.from(fromOrigin.getHeaders());
      boolean storable = false;
      if (ex.fill()) {
        // Judged on every field the origin sent (Set-Cookie included), before any is dropped.
        List<StoredResponse.Header> all =
            fromOrigin.getHeaders().stream().map(f -> new StoredResponse.Header(f.getName(), f.getValue())).toList();
        CachePolicy.Verdict verdict = policy.storable(request.getHeaders(), status, all, ex.site());
        storable = verdict.store();
        LOG.debug("{} {}: {}", ex.url(), storable ? "storing" : "not storing", verdict.reason());
      }
      if (storable) {
        variant = Variants.key(Variants.names(CachePolicy.values(headers, "Vary")), request.getHeaders());
        try {
          String type = Optional.ofNullable(fromOrigin.getHeaders().get(HttpHeader.CONTENT_TYPE)).orElse("application/octet-stream");
          writer = store.newWriter(type, fetch.maxBodyBytes(), true);
          contentLength = fromOrigin.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
          if (ex.inFlight() != null) {
            long length = fromOrigin.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
            ex.inFlight().publish(new InFlight.Head(status, headers, variant, length), writer.newReader());
          }
          mode = Mode.STORE;
        } catch (IOException e) {
          LOG.warn("cannot store {}: {}", ex.url(), e.toString());
          abandon(e);
        }
      } else if (ex.inFlight() != null) {
        ex.inFlight().notShared();
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
              : CacheStatus.forward(ex.fill() ? "uri-miss" : "method", mode == Mode.STORE);
      response.getHeaders().put(CacheStatus.HEADER, cs.value());
      response.getHeaders().add(HttpHeader.VIA, "1.1 " + getViaHost());
      outcomes.accept(cs);
    }

    @Override
    public void onContent(org.eclipse.jetty.client.Response fromOrigin, Content.Chunk chunk, Runnable demander) {
      if (mode == Mode.FRESHEN || mode == Mode.STALE) {
        demander.run();
        return;
      }
      boolean storing = mode == Mode.STORE;
      if (mode == Mode.STORE) {
        try {
          int n = chunk.remaining();
          writer.write(chunk.getByteBuffer().slice());
          if (ex.inFlight() != null) {
            ex.inFlight().advance(n);
          }
          if (writer.size() == contentLength) {
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
        var body = writer.commit(Optional.empty());
        store.responses()
            .put(new StoredResponse(ex.url(), variant, status, headers, body.key(), ex.requestTime(), responseTime));
        if (ex.inFlight() != null) {
          ex.inFlight().complete();
        }
      } catch (IOException e) {
        LOG.warn("could not store {}: {}", ex.url(), e.toString());
        if (ex.inFlight() != null) {
          ex.inFlight().fail(e);
        }
      } finally {
        finished.accept(ex);
      }
    }

    private void abandon(Throwable why) {
      mode = Mode.PASS;
      if (writer != null) {
        try {
          writer.close();
        } catch (IOException ignored) {
          // the temp file goes at the next start at the latest
        }
      }
      if (ex.inFlight() != null) {
        ex.inFlight().fail(why);
      }
      finished.accept(ex);
    }

    /** RFC 9111 §4.3.4: the 304 freshens the stored response, which then answers the client. */
    private void freshen(org.eclipse.jetty.client.Response notModified) {
      StoredResponse old = ex.validating();
      StoredResponse fresh =
          new StoredResponse(
              old.url(),
              old.variant(),
              old.status(),
              StoredHeaders.freshen(old.headers(), notModified.getHeaders()),
              old.body(),
              ex.requestTime(),
              responseTime);
      store.responses().put(fresh);
      finished.accept(ex);
      CacheStatus cs = CacheStatus.revalidated(304, false);
      outcomes.accept(cs);
      Dispatch.blocking(request, callback, () -> {
        long age = CachePolicy.currentAge(fresh, System.currentTimeMillis());
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
    return name.equals("cache-status") ? null : field;
  }
}
