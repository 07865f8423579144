package org.oversky.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oversky.cache.ContentKey;
import org.oversky.dht.id.NodeId;
import org.oversky.dht.rpc.Envelope;
import org.oversky.dht.rpc.NodeIdentity;
import org.oversky.dht.rpc.Payload;
import org.oversky.dht.rpc.Request;
import org.oversky.dht.rpc.Response;
import org.oversky.dht.rpc.Rpc;
import org.oversky.dht.rpc.RpcCodec;

/**
 * Hostile peers against real nodes: forged and malformed DHT messages (each a 4xx that stores
 * nothing), and a provider that serves bytes that do not match their key (they never reach a
 * client).
 */
class DhtHostileTest {
  private static final RpcCodec CODEC = new RpcCodec();

  @Test
  void forgedAndMalformedMessagesAreRefusedWithA4xxAndStoreNothing(@TempDir Path dir) throws Exception {
    try (TestNode node = TestNode.start(dir.resolve("n"))) {
      URI forgerUrl = URI.create("http://127.0.0.1:" + NodeProcess.freePort());
      NodeIdentity forger = NodeIdentity.generate(forgerUrl);
      NodeId key = NodeId.ofHex(Bytes.sha256("some body".getBytes(StandardCharsets.UTF_8)));
      long expires = System.currentTimeMillis() + 3_600_000;
      Request.AddProvider add = new Request.AddProvider(key, forgerUrl, expires);
      String valid = new String(CODEC.encode(forger, add), StandardCharsets.UTF_8);

      assertProblem(node, "add_provider", "not json", 400, "dht-malformed-json");
      assertProblem(node, "add_provider", "{}", 400, "dht-bad-field");
      assertProblem(node, "add_provider", flipSignature(valid), 401, "dht-bad-signature");
      assertProblem(node, "add_provider", valid.replace("\"id\":\"", "\"id\":\"0").replaceFirst("(\"id\":\"0[0-9a-f]{63})[0-9a-f]", "$1"), 401, "dht-id-mismatch");
      assertProblem(node, "add_provider", valid.replace("\"ts\":", "\"ts\": "), 400, "dht-not-canonical");
      RpcCodec past = new RpcCodec(Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-10)), RpcCodec.DEFAULT_MAX_CLOCK_SKEW);
      assertProblem(node, "add_provider", new String(past.encode(forger, add), StandardCharsets.UTF_8), 401, "dht-stale-timestamp");
      assertProblem(node, "find_node", valid, 400, "dht-unexpected-message");
      assertProblem(node, "add_provider", "x".repeat(RpcCodec.MAX_BODY_BYTES + 10), 413, "dht-body-too-large");
      URI someoneElse = URI.create("http://127.0.0.1:9");
      assertProblem(node, "add_provider", text(forger, new Request.AddProvider(key, someoneElse, expires)), 403, "dht-provider-mismatch");
      assertProblem(node, "nonsense", valid, 404, "dht-unknown-rpc");
      HttpResponse<byte[]> get = node.get("/dht/v1/ping");
      assertEquals(405, get.statusCode());

      // Nothing was stored: a valid, signed get_providers from an honest stranger finds no provider.
      NodeIdentity honest = NodeIdentity.generate(URI.create("http://127.0.0.1:" + NodeProcess.freePort()));
      HttpResponse<byte[]> asked = post(node, "get_providers", text(honest, new Request.GetProviders(key)));
      assertEquals(200, asked.statusCode());
      Envelope answer = CODEC.decodeResponse(Rpc.GET_PROVIDERS, asked.body(), honest);
      assertTrue(((Response.Providers) answer.payload()).providers().isEmpty(), answer.toString());
      assertEquals(0, Cluster.hosts(node), "no forger entered the routing table");
      Map<?, ?> dht = (Map<?, ?>) Jsons.parse(node.get("/api/v1/status").body()).get("dht");
      assertEquals(9, ((Number) dht.get("rpcRejected")).intValue(), dht.toString());

      // A valid announcement is accepted: the refusals above were about the messages, not the node.
      assertEquals(200, post(node, "add_provider", valid).statusCode());
    }
  }

  @Test
  void aProviderServingWrongBytesNeverReachesTheClient(@TempDir Path dir) throws Exception {
    byte[] body = Bytes.random(100_000, 7);
    String key = Bytes.sha256(body);
    byte[] wrong = Bytes.random(100_000, 8);
    WireMockServer liar = Origins.wireMock();
    liar.stubFor(WireMock.get("/key/" + key).willReturn(WireMock.ok().withBody(wrong)));
    WireMockServer origin = Origins.serving("/obj.bin", body);
    try (TestNode node = TestNode.start(dir.resolve("n"), Map.of("dht.key-miss", "proxy"))) {
      NodeIdentity liarId = NodeIdentity.generate(URI.create(liar.baseUrl()));
      long expires = System.currentTimeMillis() + 3_600_000;
      HttpResponse<byte[]> announced =
          post(node, "add_provider", text(liarId, new Request.AddProvider(NodeId.ofHex(key), URI.create(liar.baseUrl()), expires)));
      assertEquals(200, announced.statusCode(), new String(announced.body()));

      HttpResponse<byte[]> r = node.get("/key/" + key);
      assertEquals(502, r.statusCode(), "only the liar provides the key");
      assertFalse(new String(r.body(), StandardCharsets.ISO_8859_1).contains(new String(wrong, 0, 64, StandardCharsets.ISO_8859_1)));
      assertFalse(node.server.gateway().store().contains(new ContentKey(key)), "nothing of the liar's was kept");
      assertEquals(0, node.server.gateway().store().list().size());
      assertTrue(node.get("/metrics").body().length > 0);
      assertTrue(new String(node.get("/metrics").body(), StandardCharsets.UTF_8).contains("oversky_dht_peer_mismatches_total 1.0"));

      // With an honest provider too, the client gets the right bytes whichever is tried first.
      try (TestNode honest = TestNode.start(dir.resolve("h"), Map.of("dht.bootstrap", node.base.toString()))) {
        honest.register(origin.baseUrl() + "/obj.bin");
        HttpResponse<byte[]> good = DhtClusterTest.awaitStatus(node, "/key/" + key, 200);
        assertArrayEquals(body, good.body());
      }
    } finally {
      liar.stop();
      origin.stop();
    }
  }

  @Test
  void aNodeNeverRedirectsToAProviderItCouldNotVerify(@TempDir Path dir) throws Exception {
    try (TestNode node = TestNode.start(dir.resolve("n"))) {
      URI nowhere = URI.create("http://127.0.0.1:" + NodeProcess.freePort());
      NodeIdentity ghost = NodeIdentity.generate(nowhere);
      String key = Bytes.sha256("a body nobody has".getBytes(StandardCharsets.UTF_8));
      long expires = System.currentTimeMillis() + 3_600_000;
      assertEquals(200, post(node, "add_provider", text(ghost, new Request.AddProvider(NodeId.ofHex(key), nowhere, expires))).statusCode());
      HttpResponse<byte[]> r = node.get("/key/" + key);
      assertEquals(502, r.statusCode(), "not a redirect to a node that never answered and has no body");
      assertTrue(new String(r.body(), StandardCharsets.UTF_8).contains("providers-failed"));
    }
  }

  @Test
  void aMessageIsReadWhateverItsFramingAndABodyBeyondTheBoundIsRefused(@TempDir Path dir) throws Exception {
    try (TestNode node = TestNode.start(dir.resolve("n"))) {
      NodeIdentity peer = NodeIdentity.generate(URI.create("http://127.0.0.1:" + NodeProcess.freePort()));
      byte[] ping = CODEC.encode(peer, new Request.Ping());

      // With a Content-Length, read as it arrives, on the thread that parsed the request.
      try (java.net.Socket socket = new java.net.Socket("127.0.0.1", node.base.getPort())) {
        var out = socket.getOutputStream();
        out.write(("POST /dht/v1/ping HTTP/1.1\r\nHost: n\r\nContent-Type: application/json\r\nContent-Length: "
                + ping.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(ping, 0, ping.length / 2);
        out.flush();
        out.write(ping, ping.length / 2, ping.length - ping.length / 2);
        out.flush();
        String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
        String json = answer.substring(answer.indexOf("\r\n\r\n") + 4);
        assertEquals(Rpc.PING, CODEC.decodeResponse(Rpc.PING, json.getBytes(StandardCharsets.ISO_8859_1), peer).rpc());
      }

      // Chunked, with no length: read on a pool thread, the same answer.
      HttpResponse<byte[]> chunked = TestNode.HTTP.send(
          HttpRequest.newBuilder(node.url("/dht/v1/ping"))
              .timeout(Duration.ofSeconds(30))
              .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(ping)))
              .build(),
          HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(200, chunked.statusCode(), new String(chunked.body(), StandardCharsets.UTF_8));
      HttpResponse<byte[]> tooLong = TestNode.HTTP.send(
          HttpRequest.newBuilder(node.url("/dht/v1/ping"))
              .timeout(Duration.ofSeconds(30))
              .POST(HttpRequest.BodyPublishers.ofInputStream(
                  () -> new java.io.ByteArrayInputStream(new byte[RpcCodec.MAX_BODY_BYTES + 1])))
              .build(),
          HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(413, tooLong.statusCode());
      assertTrue(new String(tooLong.body(), StandardCharsets.UTF_8).contains("dht-body-too-large"));
    }
  }

  private static String text(NodeIdentity from, Payload payload) {
    return new String(CODEC.encode(from, payload), StandardCharsets.UTF_8);
  }

  private static String flipSignature(String message) {
    int at = message.lastIndexOf("\"sig\":\"") + 7;
    char c = message.charAt(at);
    return message.substring(0, at) + (c == '0' ? '1' : '0') + message.substring(at + 1);
  }

  private static HttpResponse<byte[]> post(TestNode node, String rpc, String body) throws Exception {
    return TestNode.HTTP.send(
        HttpRequest.newBuilder(node.url("/dht/v1/" + rpc))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private static void assertProblem(TestNode node, String rpc, String body, int status, String slug) throws Exception {
    HttpResponse<byte[]> r = post(node, rpc, body);
    String text = new String(r.body(), StandardCharsets.UTF_8);
    assertEquals(status, r.statusCode(), rpc + " answered " + text);
    assertTrue(text.contains("urn:oversky:problem:" + slug), "expected problem " + slug + ", got " + text);
  }
}
