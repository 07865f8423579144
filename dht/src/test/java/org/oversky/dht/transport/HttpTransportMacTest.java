package org.oversky.dht.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.HttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.oversky.dht.rpc.Envelope;
import org.oversky.dht.rpc.NodeIdentity;
import org.oversky.dht.rpc.Request;
import org.oversky.dht.rpc.Response;
import org.oversky.dht.rpc.RpcCodec;
import org.oversky.dht.rpc.RpcRejectedException;

/**
 * Over HTTP, a node signs its first request to a peer and seals the next ones with a MAC; a peer
 * that has started again since (same identity, a new X25519 key) refuses the MAC as a stale
 * session, and the request goes again, signed, once, without the caller seeing a failure.
 */
class HttpTransportMacTest {
  private final RpcCodec codec = new RpcCodec();
  private final List<String> seen = new CopyOnWriteArrayList<>(); // "mac", "signed" or the refusal, per request received
  private HttpServer server;
  private URI base;
  private KeyPair peerKeys;
  private volatile NodeIdentity peer;
  private HttpClient client;

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    peerKeys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    peer = new NodeIdentity(peerKeys, base);
    server.createContext("/dht/v1/", exchange -> {
      try (exchange) {
        byte[] in = exchange.getRequestBody().readAllBytes();
        NodeIdentity me = peer;
        byte[] out;
        int status;
        try {
          Envelope request = codec.decode(in, me);
          seen.add(request.isMac() ? "mac" : "signed");
          out = codec.encode(me, new Response.Pong(), Optional.of(request.sender()));
          status = 200;
        } catch (RpcRejectedException e) {
          seen.add(e.reason().slug());
          out = ("{\"type\":\"dht-" + e.reason().slug() + "\"}").getBytes(StandardCharsets.UTF_8);
          status = e.reason().httpStatus();
        }
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, out.length);
        exchange.getResponseBody().write(out);
      }
    });
    server.start();
    client = new HttpClient();
    client.start();
  }

  @AfterEach
  void stop() throws Exception {
    client.stop();
    server.stop(0);
  }

  private Reply ping(HttpTransport transport) throws Exception {
    return transport.send(base, new Request.Ping(), Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS);
  }

  @Test
  void theFirstRequestIsSignedTheNextCarryAMacAndARestartedPeerIsAskedAgainSigned() throws Exception {
    HttpTransport transport = new HttpTransport(client, codec, NodeIdentity.generate(URI.create("http://127.0.0.1:9")));

    assertInstanceOf(Response.Pong.class, ping(transport).payload());
    assertInstanceOf(Response.Pong.class, ping(transport).payload());
    assertEquals(List.of("signed", "mac"), seen, "the answer to the first named the peer's X25519 key");

    peer = new NodeIdentity(peerKeys, base); // the peer starts again: same identity, a new X25519 key
    assertInstanceOf(Response.Pong.class, ping(transport).payload());
    assertInstanceOf(Response.Pong.class, ping(transport).payload());
    assertEquals(List.of("signed", "mac", "stale-session", "signed", "mac"), seen);
  }
}
