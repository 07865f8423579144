package org.oversky.gateway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import org.oversky.gateway.http.Json;

/** The command line's HTTP client of a node's API, with errors that say what to do. */
final class NodeClient {
  static final String DEFAULT_NODE = "http://127.0.0.1:8080";

  private final URI node;
  private final HttpClient http =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(5))
          .followRedirects(HttpClient.Redirect.NORMAL)
          .build();

  NodeClient(String node) {
    String base = node != null ? node : System.getenv().getOrDefault("OVERSKY_NODE", DEFAULT_NODE);
    try {
      this.node = URI.create(base.endsWith("/") ? base.substring(0, base.length() - 1) : base);
    } catch (IllegalArgumentException e) {
      throw new CliException("--node expects a URL such as " + DEFAULT_NODE + ", got '" + base + "'", 2);
    }
  }

  URI resolve(String path) {
    return URI.create(node + path);
  }

  <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    try {
      return http.send(request, handler);
    } catch (ConnectException e) {
      throw new CliException(
          "cannot reach the node at " + node + " (connection refused); start one with 'oversky serve' or point --node at one");
    } catch (HttpTimeoutException e) {
      throw new CliException("the node at " + node + " did not answer in time");
    } catch (IOException e) {
      throw new CliException("talking to the node at " + node + " failed: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted");
    }
  }

  /** The {@code detail} of a problem body, or the body itself. */
  static String describeError(int status, byte[] body) {
    try {
      JsonNode problem = Json.MAPPER.readTree(body);
      if (problem != null && problem.has("detail")) {
        return status + ": " + problem.get("detail").asText();
      }
    } catch (IOException ignored) {
      // not JSON
    }
    return status + ": " + new String(body, java.nio.charset.StandardCharsets.UTF_8).strip();
  }
}
