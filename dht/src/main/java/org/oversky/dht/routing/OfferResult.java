package org.oversky.dht.routing;

import java.util.Objects;

/**
 * What {@link RoutingTable#offer} did with a contact.
 *
 * @param outcome what happened
 * @param toPing for {@link Outcome#PENDING_PING}, the least-recently-seen contact of the full
 *     bucket, which the caller must ping and report with {@link RoutingTable#pingResult}; null
 *     otherwise
 * @param reason for {@link Outcome#REJECTED}, why, for logs; empty otherwise
 */
public record OfferResult(Outcome outcome, Contact toPing, String reason) {
  /** What happened to an offered contact. */
  public enum Outcome {
    /** The contact is new and had room in its bucket. */
    ADDED,
    /** The contact was known: its details were refreshed and it became the most recently seen. */
    UPDATED,
    /**
     * Its bucket is full: the newcomer waits in the replacement cache while the caller pings
     * {@link OfferResult#toPing()}, whose answer decides who keeps the place.
     */
    PENDING_PING,
    /**
     * Its bucket is full and every contact in it is already being pinged: the newcomer waits in
     * the replacement cache for a place to open.
     */
    CACHED,
    /** The contact is this node itself, or its address (or subnet) already holds its bound. */
    REJECTED
  }

  public OfferResult {
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(reason, "reason");
    if ((outcome == Outcome.PENDING_PING) != (toPing != null)) {
      throw new IllegalArgumentException("a contact to ping comes with PENDING_PING and only with it");
    }
    if ((outcome == Outcome.REJECTED) == reason.isEmpty()) {
      throw new IllegalArgumentException("a reason comes with REJECTED and only with it");
    }
  }

  static final OfferResult ADDED = new OfferResult(Outcome.ADDED, null, "");
  static final OfferResult UPDATED = new OfferResult(Outcome.UPDATED, null, "");
  static final OfferResult CACHED = new OfferResult(Outcome.CACHED, null, "");

  static OfferResult pendingPing(Contact toPing) {
    return new OfferResult(Outcome.PENDING_PING, toPing, "");
  }

  static OfferResult rejected(String reason) {
    return new OfferResult(Outcome.REJECTED, null, reason);
  }
}
