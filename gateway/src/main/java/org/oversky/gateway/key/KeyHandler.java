package org.oversky.gateway.key;

import java.util.Optional;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.oversky.cache.Body;
import org.oversky.cache.ContentKey;
import org.oversky.cache.ContentStore;
import org.oversky.gateway.http.BodyResponder;
import org.oversky.gateway.http.Dispatch;
import org.oversky.gateway.http.Problem;

/**
 * {@code GET|HEAD /key/<sha256>}: a stored body by its content key. A body in memory is answered
 * at once without blocking; anything that needs the disk is dispatched to the thread pool. With
 * {@code Cache-Control: only-if-cached}, a key this node does not hold gets 504 at once, never
 * a lookup elsewhere: how nodes ask each other what they hold.
 */
public final class KeyHandler extends Handler.Abstract.NonBlocking {
  /** The path prefix this handler serves. */
  public static final String PREFIX = "/key/";

  static final String IMMUTABLE = "public, max-age=31536000, immutable";
  // The same on every body: encoded once.
  private static final HttpField CACHE_CONTROL = new PreEncodedHttpField(HttpHeader.CACHE_CONTROL, IMMUTABLE);
  private static final HttpField ACCEPT_RANGES = new PreEncodedHttpField(HttpHeader.ACCEPT_RANGES, "bytes");
  private static final HttpField NOSNIFF = new PreEncodedHttpField("X-Content-Type-Options", "nosniff");
  // Anyone can store anything: never let a stored page run script as this node's origin.
  private static final HttpField SANDBOX = new PreEncodedHttpField("Content-Security-Policy", "sandbox");

  /** What to do for a key this node does not hold, such as asking the DHT. */
  @FunctionalInterface
  public interface Misses {
    /** Answers the request for {@code key}, which is not stored here; called on a pool thread. */
    void serve(ContentKey key, Request request, Response response, Callback callback) throws Exception;

    /** A node on its own: 404. */
    Misses NOT_FOUND =
        (key, request, response, callback) ->
            new Problem(404, "key-not-found", "Not found", "no body with key " + key + " is stored on this node")
                .send(response, callback);
  }

  private final ContentStore store;
  private final Misses misses;

  public KeyHandler(ContentStore store, Misses misses) {
    this.store = store;
    this.misses = misses;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    return serve(Request.getPathInContext(request), request, response, callback);
  }

  /** Handles a request whose path below the gateway's mount point is {@code path}. */
  public boolean serve(String path, Request request, Response response, Callback callback) throws Exception {
    String method = request.getMethod();
    if (!HttpMethod.GET.is(method) && !HttpMethod.HEAD.is(method)) {
      Problem.methodNotAllowed(method, "GET, HEAD").send(response, callback);
      return true;
    }
    String text = path.startsWith(PREFIX) ? path.substring(PREFIX.length()) : "";
    if (!ContentKey.isWellFormed(text)) {
      Problem.badRequest(
              "malformed-key",
              "'" + abbreviate(text) + "' is not a content key: use the SHA-256 of the body as 64 lowercase hex digits")
          .send(response, callback);
      return true;
    }
    ContentKey key = new ContentKey(text);
    if (onlyIfCached(request) && !store.contains(key)) { // RFC 9111 5.2.1.7: never ask elsewhere
      new Problem(504, "not-stored-here", "Not stored here",
              "this node holds no body with key " + key + ", and the request said only-if-cached")
          .send(response, callback);
      return true;
    }
    Optional<Body> inMemory = store.openInMemory(key);
    if (inMemory.isPresent()) {
      respond(request, response, callback, inMemory.get());
    } else {
      Dispatch.blocking(request, callback, () -> fromStore(key, request, response, callback));
    }
    return true;
  }

  private void fromStore(ContentKey key, Request request, Response response, Callback callback) throws Exception {
    Optional<Body> body = store.open(key);
    if (body.isEmpty()) {
      misses.serve(key, request, response, callback);
      return;
    }
    respond(request, response, callback, body.get());
  }

  /** Sends a body with the headers of content addressing: it can never change under its key. */
  public static void respond(Request request, Response response, Callback callback, Body body) {
    String etag = "\"" + body.meta().key().hex() + "\"";
    var headers = response.getHeaders();
    headers.put(HttpHeader.ETAG, etag);
    headers.put(CACHE_CONTROL);
    headers.put("Repr-Digest", "sha-256=:" + body.meta().key().base64() + ":");
    headers.put(ACCEPT_RANGES);
    headers.put(NOSNIFF);
    headers.put(SANDBOX);
    BodyResponder.respond(request, response, callback, body, 200, new BodyResponder.Validators(etag, -1));
  }

  /** Whether the request's {@code Cache-Control} has {@code only-if-cached}: answer from this node's store or not at all. */
  private static boolean onlyIfCached(Request request) {
    return request.getHeaders().contains(HttpHeader.CACHE_CONTROL, "only-if-cached"); // Jetty splits the list, no copy
  }

  private static String abbreviate(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "…" : s;
  }
}
