package org.oversky.dht.transport;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.BufferingResponseListener;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.Connection;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpMethod;
import org.oversky.dht.rpc.Envelope;
import org.oversky.dht.rpc.NodeIdentity;
import org.oversky.dht.rpc.Request;
import org.oversky.dht.rpc.Response;
import org.oversky.dht.rpc.Sender;
import org.oversky.dht.rpc.RpcCodec;
import org.oversky.dht.rpc.RpcRejectedException;

/**
 * Requests as {@code POST <base URL>/dht/v1/<rpc>} with a JSON body, on a Jetty {@link
 * HttpClient} the caller owns (and starts). An answer counts only when it is a 200 whose body is a
 * valid message of the same RPC from its sender, signed or with a MAC for this node; its address
 * is the remote end of the connection it came on. Redirects are not followed.
 *
 * <p>The first request to a base URL is signed; the answer names the node there and its X25519
 * key, and the next requests to that URL carry a MAC under the key the two share instead of a
 * signature ({@link RpcCodec#seal}). A node that has restarted since refuses such a MAC ({@code
 * stale-session}); the request is then sent again, signed, once.
 */
public final class HttpTransport implements Transport {
  /** The media type of DHT messages. */
  public static final String MEDIA_TYPE = "application/json";

  private static final int MAX_PROBLEM_CHARS = 300;

  private final HttpClient client;
  private final RpcCodec codec;
  private final NodeIdentity self;
  /** The node last met at each base URL, from its verified answers: whom a request there is sealed for. */
  private final java.util.Map<URI, Sender> met = java.util.Collections.synchronizedMap(
      new java.util.LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<URI, Sender> eldest) {
          return size() > MAX_MET;
        }
      });
  private static final int MAX_MET = 4096;

  /**
   * A transport on {@code client}, whose handling of {@code 401} answers it turns off: a node
   * refuses a message it cannot verify with a {@code 401} and no {@code WWW-Authenticate}, which
   * Jetty's client would otherwise take for a broken challenge and report without the status.
   */
  public HttpTransport(HttpClient client, RpcCodec codec, NodeIdentity self) {
    Objects.requireNonNull(client, "client").getProtocolHandlers().remove(org.eclipse.jetty.client.WWWAuthenticationProtocolHandler.NAME);
    this.client = client;
    this.codec = Objects.requireNonNull(codec, "codec");
    this.self = Objects.requireNonNull(self, "self");
  }

  @Override
  public CompletableFuture<Reply> send(URI baseUrl, Request request, Duration timeout) {
    Optional<Sender> to = Optional.ofNullable(met.get(baseUrl));
    CompletableFuture<Reply> first = send(baseUrl, request, timeout, to);
    if (to.isEmpty()) {
      return first;
    }
    return first.handle((r, e) -> {
      if (e instanceof RpcFailure f && f.status() == 401 && f.getMessage().contains(RpcRejectedException.Reason.STALE_SESSION.slug())) {
        met.remove(baseUrl, to.get()); // the node there has restarted: sign, and meet it again
        return send(baseUrl, request, timeout, Optional.empty());
      }
      return e == null ? CompletableFuture.completedFuture(r) : CompletableFuture.<Reply>failedFuture(e);
    }).thenCompose(f -> f);
  }

  private CompletableFuture<Reply> send(URI baseUrl, Request request, Duration timeout, Optional<Sender> to) {
    CompletableFuture<Reply> reply = new CompletableFuture<>();
    byte[] body = codec.encode(self, request, to);
    long start = System.nanoTime();
    org.eclipse.jetty.client.Request http =
        client
            .newRequest(URI.create(baseUrl + request.rpc().path()))
            .method(HttpMethod.POST)
            .body(new BytesRequestContent(MEDIA_TYPE, body))
            .followRedirects(false)
            .timeout(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
    SocketAddress[] remote = new SocketAddress[1];
    http.onResponseBegin(r -> {
      Connection c = http.getConnection();
      remote[0] = c == null ? null : c.getRemoteSocketAddress();
    });
    http.send(
        new BufferingResponseListener(RpcCodec.MAX_BODY_BYTES) {
          @Override
          public void onComplete(Result result) {
            long rtt = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            if (result.isFailed()) {
              boolean answered = result.getResponse() != null && result.getResponse().getStatus() > 0;
              reply.completeExceptionally(
                  new RpcFailure(
                      answered ? RpcFailure.Kind.BAD_ANSWER : RpcFailure.Kind.UNREACHABLE,
                      request.rpc(), baseUrl, 0, String.valueOf(result.getFailure()), result.getFailure()));
              return;
            }
            int status = result.getResponse().getStatus();
            if (status != 200) {
              String problem = new String(getContent(), StandardCharsets.UTF_8);
              reply.completeExceptionally(
                  new RpcFailure(
                      RpcFailure.Kind.REFUSED, request.rpc(), baseUrl, status,
                      problem.length() > MAX_PROBLEM_CHARS ? problem.substring(0, MAX_PROBLEM_CHARS) : problem,
                      null));
              return;
            }
            if (!(remote[0] instanceof InetSocketAddress peer) || peer.getAddress() == null) {
              reply.completeExceptionally(
                  new RpcFailure(RpcFailure.Kind.BAD_ANSWER, request.rpc(), baseUrl, 0, "the peer's address is unknown", null));
              return;
            }
            try {
              Envelope answer = codec.decodeResponse(request.rpc(), getContent(), self);
              if (answer.sender().dh().isPresent()) {
                met.put(baseUrl, answer.sender());
              } else {
                met.remove(baseUrl);
              }
              reply.complete(new Reply(answer.sender(), peer.getAddress(), (Response) answer.payload(), rtt));
            } catch (RpcRejectedException e) {
              reply.completeExceptionally(
                  new RpcFailure(RpcFailure.Kind.BAD_ANSWER, request.rpc(), baseUrl, 0, e.getMessage(), e));
            }
          }
        });
    return reply;
  }
}
