package org.oversky.dht.rpc;

import java.util.Objects;

/**
 * A message the codec refused, with the {@link Reason} (stable, for the HTTP layer to map to a
 * problem type) and a message that says what was wrong.
 */
public final class RpcRejectedException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why a message was refused. Every reason is the sender's fault (a 4xx over HTTP). */
  public enum Reason {
    /** The body is larger than {@link RpcCodec#MAX_BODY_BYTES}. */
    BODY_TOO_LARGE,
    /** Not a single JSON object in UTF-8: a syntax error, a duplicate key, trailing data. */
    MALFORMED_JSON,
    /** The {@code v} field names a version this codec does not speak. */
    UNSUPPORTED_VERSION,
    /** The {@code rpc} field names no known RPC. */
    UNKNOWN_RPC,
    /** A valid message, but not the RPC or direction the caller expected (e.g. a path mismatch). */
    UNEXPECTED_MESSAGE,
    /** A field is missing, unknown, of the wrong JSON type or out of range. */
    BAD_FIELD,
    /** A string or a list is longer than its bound. */
    TOO_LONG,
    /** An id, key or signature is not lowercase hex of the right length. */
    BAD_HEX,
    /** A URL is not an absolute http(s) URL a node may be reached at. */
    BAD_URL,
    /** The fields are valid but not in the one canonical encoding (spacing, order, escapes). */
    NOT_CANONICAL,
    /** The sender's public key is not a valid Ed25519 key. */
    BAD_KEY,
    /** The sender's id is not the SHA-256 of its public key. */
    ID_MISMATCH,
    /** The timestamp is older than the allowed clock skew. */
    STALE_TIMESTAMP,
    /** The timestamp is further in the future than the allowed clock skew. */
    FUTURE_TIMESTAMP,
    /** The sender's signature does not verify over the signed bytes (or its X25519 key's). */
    BAD_SIGNATURE,
    /** The MAC does not verify under the key the sender shares with this node. */
    BAD_MAC,
    /** A MAC made for an X25519 key this node does not have (it has restarted since): send it signed. */
    STALE_SESSION,
    /** A value record's publisher signature does not verify. */
    BAD_RECORD_SIGNATURE,
    /** An {@code add_provider} names a URL other than the sender's own: no node announces another. */
    PROVIDER_MISMATCH,
    /** A record (or provider announcement) that has already expired. */
    RECORD_EXPIRED,
    /** A value record that expires later than the network's record lifetime allows. */
    RECORD_TOO_LONG,
    /** A value record that does not expire later than the one the receiver holds for its key. */
    RECORD_NOT_NEWER,
    /** The receiver's bounds for this key, this provider or all records are reached. */
    STORE_FULL;

    /** The HTTP status a receiver answers with when it refuses a message for this reason. */
    public int httpStatus() {
      return switch (this) {
        case BODY_TOO_LARGE -> 413;
        case BAD_KEY, ID_MISMATCH, STALE_TIMESTAMP, FUTURE_TIMESTAMP, BAD_SIGNATURE, BAD_MAC, STALE_SESSION -> 401;
        case PROVIDER_MISMATCH -> 403;
        case RECORD_NOT_NEWER -> 409;
        case STORE_FULL -> 429;
        default -> 400;
      };
    }

    /** A stable lowercase name for problem types and metrics, e.g. {@code bad-signature}. */
    public String slug() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
  }

  private final Reason reason;

  public RpcRejectedException(Reason reason, String message) {
    super(Objects.requireNonNull(reason, "reason") + ": " + message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
