package org.oversky.dht.transport;

import java.net.URI;
import java.util.Objects;
import org.oversky.dht.rpc.Rpc;

/**
 * A request that got no usable answer. {@link Kind#REFUSED} means the peer is alive and said no
 * (an HTTP problem); the other kinds count against the peer's place in the routing table. It
 * carries no stack trace of its own (a timeout is not a bug); its cause, if any, has one.
 */
public final class RpcFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why a request failed. */
  public enum Kind {
    /** No answer within the request's timeout (or the connection failed). */
    UNREACHABLE,
    /** The peer answered with an error status: it is alive but refused the request. */
    REFUSED,
    /** The peer answered 200 with bytes that are not a valid signed answer to this request. */
    BAD_ANSWER
  }

  private final Kind kind;
  private final int status;

  public RpcFailure(Kind kind, Rpc rpc, URI baseUrl, int status, String detail, Throwable cause) {
    super(
        Objects.requireNonNull(rpc, "rpc").wireName() + " to " + baseUrl + ": " + kind
            + (status > 0 ? " (HTTP " + status + ")" : "") + ": " + detail,
        cause,
        true,
        false); // an expected outcome, made for every unanswered request: the cause has the stack that matters
    this.kind = Objects.requireNonNull(kind, "kind");
    this.status = status;
  }

  public Kind kind() {
    return kind;
  }

  /** The peer's HTTP status for {@link Kind#REFUSED}, else 0. */
  public int status() {
    return status;
  }
}
