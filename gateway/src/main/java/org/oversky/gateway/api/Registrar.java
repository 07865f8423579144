package org.oversky.gateway.api;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.oversky.cache.ContentStore;
import org.oversky.cache.StoredBody;
import org.oversky.gateway.fetch.FetchException;
import org.oversky.gateway.fetch.OriginFetcher;
import org.oversky.gateway.http.Json;
import org.oversky.gateway.http.Problem;

/** Registers a URL: fetch it under the outbound policy, store it, answer with its key. */
final class Registrar {
  private final OriginFetcher fetcher;
  private final ContentStore store;
  private final java.util.function.Consumer<org.oversky.cache.ContentKey> registered;

  /** {@code registered} is told of each key registered, so that its copies are placed at once. */
  Registrar(OriginFetcher fetcher, ContentStore store, java.util.function.Consumer<org.oversky.cache.ContentKey> registered) {
    this.fetcher = fetcher;
    this.store = store;
    this.registered = registered;
  }

  /** Registers {@code location} and answers {@code 201} with the key, or a problem. */
  void registerAndRespond(String location, Response response, Callback callback) {
    StoredBody body;
    try {
      body = fetcher.fetchInto(OriginFetcher.parseLocation(location), store);
    } catch (FetchException e) {
      e.toProblem().send(response, callback);
      return;
    } catch (IOException e) {
      new Problem(
              507, "store-failed", "Could not store the body", "storing the body failed: " + e.getMessage())
          .send(response, callback);
      return;
    }
    registered.accept(body.key());
    String url = "/key/" + body.key().hex();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("key", body.key().hex());
    out.put("size", body.size());
    out.put("contentType", body.contentType());
    out.put("integrity", "sha256-" + body.key().base64());
    out.put("url", url);
    out.put("location", location.trim());
    response.getHeaders().put(HttpHeader.LOCATION, url);
    Json.send(response, callback, 201, out);
  }
}
