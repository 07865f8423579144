package org.oversky.gateway.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * An RFC 9457 problem: what went wrong, in a JSON body with a stable {@code type} per error, so
 * clients can branch on the type and people can read the detail.
 *
 * @param status the HTTP status
 * @param slug the stable error name; the type is {@code urn:oversky:problem:<slug>}
 * @param title a short summary that is the same for every occurrence
 * @param detail this occurrence: what was wrong and what to do
 * @param extra further members of the problem object
 */
public record Problem(int status, String slug, String title, String detail, Map<String, Object> extra) {
  public static final String MEDIA_TYPE = "application/problem+json";
  private static final ObjectMapper JSON = new ObjectMapper();

  public Problem {
    extra = Map.copyOf(extra);
  }

  public Problem(int status, String slug, String title, String detail) {
    this(status, slug, title, detail, Map.of());
  }

  /** The problem's {@code type} URI. */
  public String type() {
    return "urn:oversky:problem:" + slug;
  }

  /** The JSON body. */
  public byte[] toJson() {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", type());
    body.put("title", title);
    body.put("status", status);
    body.put("detail", detail);
    body.putAll(extra);
    try {
      return JSON.writeValueAsBytes(body);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Sends this problem as the whole response. */
  public void send(Response response, Callback callback) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, MEDIA_TYPE);
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    response.write(true, ByteBuffer.wrap(toJson()), callback);
  }

  /** 400: the request is malformed; {@code detail} says how. */
  public static Problem badRequest(String slug, String detail) {
    return new Problem(400, slug, "Bad request", detail);
  }

  /** 404 for a path the node does not serve. */
  public static Problem noRoute(String method, String path) {
    return new Problem(
        404, "no-route", "Not found", method + " " + path + " is not served here; see the HTTP API reference in docs/api.md");
  }

  /** 405 for a method a route does not take. */
  public static Problem methodNotAllowed(String method, String allowed) {
    return new Problem(
        405, "method-not-allowed", "Method not allowed", method + " is not allowed here; use " + allowed, Map.of("allow", allowed));
  }
}
