package org.oversky.gateway.coop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.oversky.cache.ContentKey;
import org.oversky.cache.StoredResponse;

/**
 * What a URL record says: either that a node holds a response for a site URL (the stored
 * response: status, headers, body key and the times its age is computed from, and where that
 * node serves the body), or that a node is fetching the URL from the origin right now.
 *
 * @param fetching true for an in-flight marker, which carries no response
 * @param url the site URL
 * @param response the stored response (null for a marker)
 * @param provider the base URL of the node that published it
 */
record UrlRecord(boolean fetching, String url, StoredResponse response, URI provider) {
  private static final ObjectMapper JSON = new ObjectMapper();

  static UrlRecord of(StoredResponse response, URI provider) {
    return new UrlRecord(false, response.url(), response, provider);
  }

  static UrlRecord fetching(String url, URI provider) {
    return new UrlRecord(true, url, null, provider);
  }

  byte[] toJson() {
    ObjectNode o = JSON.createObjectNode();
    o.put("kind", fetching ? "fetching" : "response");
    o.put("url", url);
    o.put("provider", provider.toString());
    if (!fetching) {
      o.put("variant", response.variant());
      o.put("status", response.status());
      ArrayNode headers = o.putArray("headers");
      for (StoredResponse.Header h : response.headers()) {
        headers.addArray().add(h.name()).add(h.value());
      }
      o.put("body", response.body().hex());
      o.put("requestTime", response.requestTime());
      o.put("responseTime", response.responseTime());
    }
    try {
      return JSON.writeValueAsBytes(o);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The record in {@code json}, if it is a well-formed one for {@code url}. */
  static Optional<UrlRecord> parse(byte[] json, String url) {
    try {
      JsonNode o = JSON.readTree(json);
      if (o == null || !o.isObject() || !url.equals(o.path("url").asText(null))) {
        return Optional.empty();
      }
      URI provider = URI.create(o.path("provider").asText());
      if (!("http".equals(provider.getScheme()) || "https".equals(provider.getScheme())) || provider.getHost() == null) {
        return Optional.empty();
      }
      if ("fetching".equals(o.path("kind").asText())) {
        return Optional.of(fetching(url, provider));
      }
      if (!"response".equals(o.path("kind").asText()) || !o.path("headers").isArray()) {
        return Optional.empty();
      }
      List<StoredResponse.Header> headers = new ArrayList<>();
      for (JsonNode h : o.path("headers")) {
        if (!h.isArray() || h.size() != 2 || !h.get(0).isTextual() || !h.get(1).isTextual()) {
          return Optional.empty();
        }
        headers.add(new StoredResponse.Header(h.get(0).asText(), h.get(1).asText()));
      }
      String body = o.path("body").asText();
      int status = o.path("status").asInt(-1);
      if (!ContentKey.isWellFormed(body) || status < 200 || status > 599) {
        return Optional.empty();
      }
      StoredResponse r =
          new StoredResponse(
              url,
              o.path("variant").asText(""),
              status,
              headers,
              new ContentKey(body),
              o.path("requestTime").asLong(),
              o.path("responseTime").asLong());
      return Optional.of(of(r, provider));
    } catch (IOException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
