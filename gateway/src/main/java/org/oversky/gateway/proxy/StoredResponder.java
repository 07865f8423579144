package org.oversky.gateway.proxy;

import java.io.IOException;
import java.util.Optional;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.oversky.cache.Body;
import org.oversky.cache.ContentStore;
import org.oversky.cache.StoredResponse;
import org.oversky.gateway.http.BodyResponder;
import org.oversky.gateway.http.HttpDates;

/** Answers a request from a stored site response: its headers, its current {@code Age}, and the body. */
final class StoredResponder {
  private StoredResponder() {}

  /**
   * Serves {@code stored} (may read the disk: call it on a pool thread); false when its body has
   * meanwhile left the store and nothing was sent.
   */
  static boolean serve(
      ContentStore store,
      Request request,
      Response response,
      Callback callback,
      StoredResponse stored,
      long age,
      CacheStatus status,
      String via)
      throws IOException {
    Optional<Body> body = store.open(stored.body());
    if (body.isEmpty()) {
      return false;
    }
    serve(request, response, callback, stored, body.get(), age, status, via);
    return true;
  }

  /** Serves {@code stored} with a body already opened; does not block when the body is in memory. */
  static void serve(
      Request request,
      Response response,
      Callback callback,
      StoredResponse stored,
      Body body,
      long age,
      CacheStatus status,
      String via) {
    var headers = response.getHeaders();
    for (StoredResponse.Header h : stored.headers()) {
      if (h.name().equalsIgnoreCase("Date")) {
        headers.put(h.name(), h.value()); // the origin's, instead of the one the server added
      } else if (!h.name().equalsIgnoreCase("Age")) {
        headers.add(h.name(), h.value());
      }
    }
    String lastModified = stored.first("Last-Modified");
    finish(request, response, callback, stored, body, age, status, via,
        new BodyResponder.Validators(stored.first("ETag"), lastModified == null ? -1 : HttpDates.parse(lastModified)));
  }

  /** The hit path's serve: the stored fields and validators come worked out in {@code facts}. */
  static void serve(
      Request request, Response response, Callback callback, StoredResponse stored, Body body, ResponseFacts facts, long age, CacheStatus status, String via) {
    var headers = response.getHeaders();
    for (var f : facts.fields()) {
      if (f.getHeader() == HttpHeader.DATE) {
        headers.put(f); // the origin's, instead of the one the server added
      } else {
        headers.add(f);
      }
    }
    finish(request, response, callback, stored, body, age, status, via, facts.validators());
  }

  private static void finish(
      Request request,
      Response response,
      Callback callback,
      StoredResponse stored,
      Body body,
      long age,
      CacheStatus status,
      String via,
      BodyResponder.Validators validators) {
    var headers = response.getHeaders();
    headers.put(HttpHeader.AGE, Long.toString(Math.max(0, age)));
    headers.put(CacheStatus.HEADER, status.value());
    headers.add(HttpHeader.VIA, via);
    BodyResponder.respond(request, response, callback, body, stored.status(), validators);
  }
}
