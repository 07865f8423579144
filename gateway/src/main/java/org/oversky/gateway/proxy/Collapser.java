package org.oversky.gateway.proxy;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Owns the origin fetches in flight, one per URL, so that concurrent misses make one origin
 * request. The first miss for a URL leads; the others follow its {@link InFlight}. Every entry
 * leaves again: when the proxy finishes the fetch ({@link #finished}), or, when the leader never
 * gets that far, through {@link #lead}'s finally. An entry left behind would make every later
 * miss of its URL wait for a fetch that is not happening.
 */
final class Collapser {
  private final Map<String, InFlight> inFlight = new ConcurrentHashMap<>();

  /**
   * This request's part in the fetch of {@code url}.
   *
   * @param flight the fetch
   * @param leader whether this request makes it (else it follows)
   */
  record Entry(InFlight flight, boolean leader) {}

  /** Registers a fetch of {@code url} led by the caller, or returns the one already in flight. */
  Entry enter(String url) {
    InFlight mine = new InFlight();
    InFlight existing = inFlight.putIfAbsent(url, mine);
    return existing == null ? new Entry(mine, true) : new Entry(existing, false);
  }

  /** The leader's work up to handing the fetch to the proxy; what it may throw. */
  @FunctionalInterface
  interface LeaderWork {
    void run() throws Exception;
  }

  /**
   * Runs the leader's {@code work}; if it throws, the entry is removed and its followers told, so
   * that the next miss leads a fetch of its own.
   */
  void lead(String url, InFlight flight, LeaderWork work) throws Exception {
    boolean handedOff = false;
    try {
      work.run();
      handedOff = true;
    } finally {
      if (!handedOff) {
        abandon(url, flight, new IllegalStateException("the leading request for " + url + " failed before its fetch"));
      }
    }
  }

  /** The fetch is over (stored, not shared, or failed): the next miss starts afresh. */
  void finished(String url, InFlight flight) {
    inFlight.remove(url, flight);
  }

  /** The leader gave up: followers stop waiting and the entry goes. */
  void abandon(String url, InFlight flight, Throwable why) {
    flight.fail(why);
    inFlight.remove(url, flight);
  }

  /** How many fetches are in flight (for tests and the status page). */
  int size() {
    return inFlight.size();
  }
}
