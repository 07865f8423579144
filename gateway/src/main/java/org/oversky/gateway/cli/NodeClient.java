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
      String host = node.getHost();
      if (!resolves(host)) {
        throw new CliException("cannot resolve the node's host '" + host + "' (from " + node
            + "); check the name in --node (or $OVERSKY_NODE), or give the node's IP address");
      }
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

  /** The admin token: {@code given} (--admin-token), else $OVERSKY_ADMIN_TOKEN; a usage error naming {@code action} when neither is set. */
  static String adminToken(String given, String action) {
    String token = given != null ? given : System.getenv("OVERSKY_ADMIN_TOKEN");
    if (token == null || token.isBlank()) {
      throw new CliException(action + " is an admin action: give the node's admin token with --admin-token or OVERSKY_ADMIN_TOKEN", 2);
    }
    return token;
  }

  /** Whether {@code host} has an address; its failure is the answer, not an error to report. */
  private static boolean resolves(String host) {
    try {
      java.net.InetAddress.getByName(host);
      return true;
    } catch (java.net.UnknownHostException e) {
      return false;
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
