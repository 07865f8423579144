package org.oversky.gateway.dht;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;
import org.oversky.dht.node.DhtNode;
import org.oversky.dht.rpc.Envelope;
import org.oversky.dht.rpc.NodeIdentity;
import org.oversky.dht.rpc.Rpc;
import org.oversky.dht.rpc.RpcCodec;
import org.oversky.dht.rpc.RpcRejectedException;
import org.oversky.dht.transport.HttpTransport;
import org.oversky.gateway.http.Dispatch;
import org.oversky.gateway.http.Problem;
import org.oversky.gateway.http.RequestBodies;

/**
 * {@code POST /dht/v1/<rpc>}: the DHT's endpoint. The body is read up to the message bound,
 * decoded and verified; a refusal is a 4xx problem whose type names the reason ({@code
 * urn:oversky:problem:dht-bad-signature}, …) and changes nothing.
 */
public final class DhtHandler {
  /** The path prefix this handler serves. */
  public static final String PREFIX = "/dht/v1/";

  private final DhtNode node;
  private final NodeIdentity identity;
  private final RpcCodec codec;

  DhtHandler(DhtNode node, NodeIdentity identity, RpcCodec codec) {
    this.node = node;
    this.identity = identity;
    this.codec = codec;
  }

  /**
   * Handles a request whose path below the gateway's mount point is {@code path}, on the thread
   * that parsed it: a message of a declared length within the bound is read as it arrives and
   * answered where its last byte lands (decoding, checking and answering need no I/O); any other
   * body is read on a pool thread.
   */
  public void serve(String path, Request request, Response response, Callback callback) {
    if (!HttpMethod.POST.is(request.getMethod())) {
      Problem.methodNotAllowed(request.getMethod(), "POST").send(response, callback);
      return;
    }
    Optional<Rpc> rpc = Rpc.ofWireName(path.substring(PREFIX.length()));
    if (rpc.isEmpty()) {
      new Problem(
              404, "dht-unknown-rpc", "Unknown RPC",
              "the DHT's RPCs are ping, find_node, get_providers, add_provider, add_providers, get_record and put_record; see docs/api.md")
          .send(response, callback);
      return;
    }
    long declared = request.getLength();
    if (declared < 0 || declared > RpcCodec.MAX_BODY_BYTES) {
      Dispatch.blocking(request, callback, () -> {
        Optional<byte[]> read = RequestBodies.read(request, RpcCodec.MAX_BODY_BYTES);
        if (read.isEmpty()) {
          node.countRejected();
          refuse(
              new RpcRejectedException(
                  RpcRejectedException.Reason.BODY_TOO_LARGE, "a message has at most " + RpcCodec.MAX_BODY_BYTES + " bytes"),
              response,
              callback);
          return;
        }
        answer(rpc.get(), read.get(), request, response, callback);
      });
      return;
    }
    // The framing holds the body to its declared length, within the bound.
    Content.Source.asByteBuffer(request, new Promise<ByteBuffer>() {
      @Override
      public void succeeded(ByteBuffer buffer) {
        byte[] body = new byte[buffer.remaining()];
        buffer.get(body);
        answer(rpc.get(), body, request, response, callback);
      }

      @Override
      public void failed(Throwable failure) {
        callback.failed(failure); // the connection broke or the body ended short
      }
    });
  }

  private void answer(Rpc rpc, byte[] body, Request request, Response response, Callback callback) {
    Optional<InetAddress> from = remoteAddress(request);
    if (from.isEmpty()) {
      new Problem(400, "dht-no-address", "Bad request", "the connection has no IP address")
          .send(response, callback);
      return;
    }
    Envelope envelope;
    try {
      envelope = codec.decodeRequest(rpc, body, identity);
    } catch (RpcRejectedException e) {
      node.countRejected();
      refuse(e, response, callback);
      return;
    }
    byte[] answer;
    try {
      // with a MAC when the requester sent its X25519 key: no signature to make or check
      answer = codec.encode(identity, node.handle(envelope.sender(), from.get(), (org.oversky.dht.rpc.Request) envelope.payload()),
          java.util.Optional.of(envelope.sender()));
    } catch (RpcRejectedException e) {
      refuse(e, response, callback); // the node counted it
      return;
    } catch (RuntimeException e) {
      callback.failed(e);
      return;
    }
    response.setStatus(200);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, HttpTransport.MEDIA_TYPE);
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    response.write(true, ByteBuffer.wrap(answer), callback);
  }

  private static void refuse(RpcRejectedException e, Response response, Callback callback) {
    RpcRejectedException.Reason reason = e.reason();
    new Problem(
            reason.httpStatus(), "dht-" + reason.slug(), "DHT message refused", e.getMessage(), Map.of("reason", reason.name()))
        .send(response, callback);
  }

  private static Optional<InetAddress> remoteAddress(Request request) {
    SocketAddress remote = request.getConnectionMetaData().getRemoteSocketAddress();
    return remote instanceof InetSocketAddress inet && inet.getAddress() != null
        ? Optional.of(inet.getAddress())
        : Optional.empty();
  }
}
