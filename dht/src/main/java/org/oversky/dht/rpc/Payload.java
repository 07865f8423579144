package org.oversky.dht.rpc;

/**
 * The body of a message, a {@link Request} or a {@link Response}: each payload type belongs to
 * exactly one RPC and one direction, so a message's {@code rpc} and {@code kind} fields follow from
 * its payload.
 */
public sealed interface Payload permits Request, Response {
  /** The RPC this payload is a request or an answer of. */
  Rpc rpc();

  /** Whether this payload is a request (rather than an answer). */
  default boolean isRequest() {
    return this instanceof Request;
  }
}
