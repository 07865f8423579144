package org.oversky.it;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.oversky.conf.ConfigLoader;
import org.oversky.conf.NodeConfig;
import org.oversky.gateway.GatewayServer;

/** A real node on a loopback port in this JVM, with a real HTTP client pointed at it. */
final class TestNode implements AutoCloseable {
  static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  final GatewayServer server;
  final URI base;
  final Path data;

  private TestNode(GatewayServer server, Path data) {
    this.server = server;
    this.base = server.localUrl();
    this.data = data;
  }

  /** A node on a free port allowed to fetch loopback origins, with {@code settings} on top. */
  static TestNode start(Path data, Map<String, String> settings) throws Exception {
    return start(data, settings, java.time.InstantSource.system());
  }

  /** As {@link #start(Path, Map)}, with the cache reckoning time by {@code clock}. */
  static TestNode start(Path data, Map<String, String> settings, java.time.InstantSource clock) throws Exception {
    Map<String, String> flags = new HashMap<>();
    flags.put("listen", "127.0.0.1:0");
    flags.put("data", data.toString());
    flags.put("allow-private-origins", "true");
    flags.put("request-log", "false");
    flags.putAll(settings);
    NodeConfig config = ConfigLoader.load(flags, Map.of());
    return new TestNode(GatewayServer.start(config, clock), data);
  }

  static TestNode start(Path data) throws Exception {
    return start(data, Map.of());
  }

  URI url(String path) {
    return URI.create(base + path);
  }

  HttpResponse<byte[]> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(url(path)).timeout(Duration.ofSeconds(60));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return HTTP.send(b.GET().build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  HttpResponse<byte[]> head(String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(url(path)).timeout(Duration.ofSeconds(60));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return HTTP.send(b.method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  HttpResponse<byte[]> post(String path, String json) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(url(path))
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  /** Registers {@code location} and returns the node's JSON answer; fails unless it is 201. */
  Map<String, Object> register(String location) throws Exception {
    HttpResponse<byte[]> r = post("/api/v1/register", Jsons.location(location));
    if (r.statusCode() != 201) {
      throw new AssertionError("register " + location + " answered " + r.statusCode() + ": " + new String(r.body()));
    }
    return Jsons.parse(r.body());
  }

  /** {@code other}'s state in this node's view ({@code /api/v1/cluster}), or "unknown". */
  String stateOf(TestNode other) throws Exception {
    @SuppressWarnings("unchecked")
    java.util.List<Map<?, ?>> nodes = (java.util.List<Map<?, ?>>) Jsons.parse(get("/api/v1/cluster").body()).get("nodes");
    return nodes.stream().filter(n -> n.get("url").equals(other.base.toString())).map(n -> String.valueOf(n.get("state")))
        .findFirst().orElse("unknown");
  }

  @Override
  public void close() throws Exception {
    server.close();
  }
}
