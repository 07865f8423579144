package org.oversky.it;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** A node caching the site {@code site.test} in front of a WireMock origin, and a client that speaks to it as that site. */
final class SiteFixture implements AutoCloseable {
  static final String HOST = "site.test";

  final WireMockServer origin;
  final TestNode node;

  SiteFixture(Path dir, Map<String, String> settings) throws Exception {
    origin = Origins.wireMock();
    Map<String, String> all = new HashMap<>();
    all.put("sites", HOST + "=" + origin.baseUrl());
    all.putAll(settings);
    node = TestNode.start(dir, all);
  }

  SiteFixture(Path dir) throws Exception {
    this(dir, Map.of());
  }

  void stub(MappingBuilder mapping) {
    origin.stubFor(mapping);
  }

  /** How many requests matching {@code pattern} reached the origin. */
  int originCount(RequestPatternBuilder pattern) {
    return origin.countRequestsMatching(pattern.build()).getCount();
  }

  HttpResponse<String> get(String path, String... headers) throws Exception {
    return send("GET", path, null, headers);
  }

  HttpResponse<String> send(String method, String path, String body, String... headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(node.url(path))
            .timeout(Duration.ofSeconds(30))
            .header("Host", HOST)
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return TestNode.HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  static String cacheStatus(HttpResponse<?> r) {
    return r.headers().firstValue("Cache-Status").orElse("");
  }

  @Override
  public void close() throws Exception {
    node.close();
    origin.stop();
  }
}
