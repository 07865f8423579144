package org.oversky.gateway.proxy;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.PreEncodedHttpField;
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
    putFields(response, fields(stored));
    finish(request, response, callback, stored, body, age, status, via, validators(stored));
  }

  /** The hit path's serve: the stored fields and validators come worked out in {@code facts}. */
  static void serve(
      Request request, Response response, Callback callback, StoredResponse stored, Body body, ResponseFacts facts, long age, CacheStatus status, String via) {
    putFields(response, facts.fields());
    finish(request, response, callback, stored, body, age, status, via, facts.validators());
  }

  /**
   * The stored fields to send, encoded once: all but {@code Age}, which is computed per answer.
   * Each names its {@link HttpHeader} where there is one, so that {@code Date} is known as such.
   */
  static List<HttpField> fields(StoredResponse r) {
    return r.headers().stream()
        .filter(h -> !h.name().equalsIgnoreCase("Age") && !StoredHeaders.onlyForThisNode(h.name().toLowerCase(java.util.Locale.ROOT)))
        .map(h -> (HttpField) new PreEncodedHttpField(HttpHeader.CACHE.get(h.name()), h.name(), h.value()))
        .toList();
  }

  /** The stored response's validators. */
  static BodyResponder.Validators validators(StoredResponse r) {
    String lastModified = r.first("Last-Modified");
    return new BodyResponder.Validators(r.first("ETag"), lastModified == null ? -1 : HttpDates.parse(lastModified));
  }

  private static void putFields(Response response, List<HttpField> fields) {
    var headers = response.getHeaders();
    for (HttpField f : fields) {
      if (f.is(HttpHeader.DATE.asString())) {
        headers.put(f); // the origin's, instead of the one the server added: exactly one Date
      } else {
        headers.add(f);
      }
    }
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
    if (StoredHeaders.fromCluster(request)) {
      for (StoredResponse.Header h : stored.headers()) {
        if (StoredHeaders.forCluster(h.name().toLowerCase(java.util.Locale.ROOT))) {
          headers.add(h.name(), h.value()); // another node of the cluster stores this answer
        }
      }
    }
    headers.put(HttpHeader.AGE, Long.toString(Math.max(0, age)));
    headers.put(CacheStatus.HEADER, status.value());
    headers.add(HttpHeader.VIA, via);
    BodyResponder.respond(request, response, callback, body, stored.status(), validators);
  }
}
