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
 * What a URL record says: that a node holds a response for a site URL (the stored response:
 * status, headers, body key and the times its age is computed from, and where that node serves
 * the body); that the URL's responses vary on some request fields (each variant then has a record
 * of its own, under the URL and its variant key); or that a node is fetching the URL from the
 * origin right now.
 *
 * @param fetching true for an in-flight marker, which carries no response
 * @param url the site URL
 * @param response the stored response (null for a marker or a vary record)
 * @param varyNames for a vary record, the request fields the responses vary on; else empty
 * @param provider the base URL of the node that published it
 */
record UrlRecord(boolean fetching, String url, StoredResponse response, List<String> varyNames, URI provider) {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Most field names a vary record lists. */
  static final int MAX_VARY_NAMES = 16;

  UrlRecord {
    varyNames = List.copyOf(varyNames);
  }

  static UrlRecord of(StoredResponse response, URI provider) {
    return new UrlRecord(false, response.url(), response, List.of(), provider);
  }

  static UrlRecord fetching(String url, URI provider) {
    return new UrlRecord(true, url, null, List.of(), provider);
  }

  static UrlRecord vary(String url, List<String> names, URI provider) {
    return new UrlRecord(false, url, null, names, provider);
  }

  /** Whether this record points to per-variant records instead of holding a response. */
  boolean isVary() {
    return !fetching && response == null;
  }

  byte[] toJson() {
    ObjectNode o = JSON.createObjectNode();
    o.put("kind", fetching ? "fetching" : isVary() ? "vary" : "response");
    o.put("url", url);
    o.put("provider", provider.toString());
    if (isVary()) {
      ArrayNode names = o.putArray("vary");
      varyNames.forEach(names::add);
    } else if (!fetching) {
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
      if ("vary".equals(o.path("kind").asText())) {
        JsonNode names = o.path("vary");
        if (!names.isArray() || names.isEmpty() || names.size() > MAX_VARY_NAMES) {
          return Optional.empty();
        }
        List<String> out = new ArrayList<>();
        for (JsonNode n : names) {
          if (!n.isTextual() || !n.asText().matches("[a-z0-9!#$%&'*+.^_`|~-]{1,64}")) {
            return Optional.empty();
          }
          out.add(n.asText());
        }
        return Optional.of(vary(url, out, provider));
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
