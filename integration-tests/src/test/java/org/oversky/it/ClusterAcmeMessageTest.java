package org.oversky.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A challenge's answer sent by another node of the cluster ({@code POST /api/v1/cluster/acme}):
 * taken only when signed with the cluster's secret for this kind of message, recent and well
 * formed; then the node answers the authority's HTTP-01 request with it. A forged, replayed, stale
 * or malformed message changes nothing.
 */
class ClusterAcmeMessageTest {
  private static final String SECRET = "acme-message-secret";

  private static HttpResponse<String> send(TestNode n, byte[] body, String mac) throws Exception {
    return TestNode.HTTP.send(HttpRequest.newBuilder(n.url("/api/v1/cluster/acme")).header("Oversky-Cluster-Mac", mac)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static byte[] message(String fields, long at, String id) {
    return ("{" + fields + ", \"at\": " + at + ", \"id\": \"" + id + "\", \"from\": \"http://127.0.0.1:1\"}").getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aSignedAnswerIsServedAndForgedStaleOrMalformedOnesAreRefused(@TempDir Path dir) throws Exception {
    try (TestNode n = TestNode.start(dir.resolve("node"), Map.of("cluster.secret", SECRET))) {
      long now = System.currentTimeMillis();
      String token = "tok3n_A-1";
      byte[] answer = message("\"type\": \"http-01\", \"token\": \"" + token + "\", \"value\": \"" + token + ".thumbprint\"", now, "id-1");
      assertEquals(404, n.get("/.well-known/acme-challenge/" + token).statusCode(), "nothing waits for the token yet");

      assertEquals(403, send(n, answer, ClusterMac.of("another-secret", "acme", answer)).statusCode(), "another cluster's secret");
      assertEquals(403, send(n, answer, ClusterMac.of(SECRET, "purge", answer)).statusCode(), "signed for another kind of message");
      assertEquals(404, n.get("/.well-known/acme-challenge/" + token).statusCode(), "a refused message changes nothing");

      HttpResponse<String> taken = send(n, answer, ClusterMac.of(SECRET, "acme", answer));
      assertEquals(200, taken.statusCode(), taken.body());
      HttpResponse<byte[]> served = n.get("/.well-known/acme-challenge/" + token);
      assertEquals(200, served.statusCode());
      assertEquals(token + ".thumbprint", new String(served.body(), StandardCharsets.US_ASCII));
      assertTrue(served.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
      assertEquals(200, send(n, answer, ClusterMac.of(SECRET, "acme", answer)).statusCode(), "the same message again is harmless");

      byte[] stale = message("\"type\": \"http-01\", \"token\": \"old\", \"value\": \"old.x\"", now - 600_000, "id-2");
      assertEquals(422, send(n, stale, ClusterMac.of(SECRET, "acme", stale)).statusCode(), "made ten minutes ago");
      byte[] badDigest = message("\"type\": \"tls-alpn-01\", \"host\": \"a.example\", \"value\": \"bm90IDMyIGJ5dGVz\"", now, "id-3");
      HttpResponse<String> malformed = send(n, badDigest, ClusterMac.of(SECRET, "acme", badDigest));
      assertEquals(400, malformed.statusCode(), malformed.body());
      assertTrue(malformed.body().contains("malformed-acme-message"), malformed.body());
      byte[] badToken = message("\"type\": \"http-01\", \"token\": \"../etc\", \"value\": \"x\"", now, "id-4");
      assertEquals(400, send(n, badToken, ClusterMac.of(SECRET, "acme", badToken)).statusCode(), "a token is base64url");
    }
  }
}
