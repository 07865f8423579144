package org.oversky.dht.node;

import java.time.Duration;

/**
 * Request timeouts from measured round trips, as TCP sets its retransmission timeout (RFC 6298):
 * a smoothed RTT and its variation, the timeout their sum with four variations, clamped, and
 * doubled after each timeout until an answer comes.
 */
final class RttEstimator {
  private final long minMillis;
  private final long maxMillis;
  private double srtt = -1;
  private double rttvar;
  private int backoff;

  RttEstimator(Duration min, Duration max) {
    this.minMillis = min.toMillis();
    this.maxMillis = max.toMillis();
  }

  synchronized void sample(long rttMillis) {
    backoff = 0;
    if (srtt < 0) {
      srtt = rttMillis;
      rttvar = rttMillis / 2.0;
    } else {
      rttvar = 0.75 * rttvar + 0.25 * Math.abs(srtt - rttMillis);
      srtt = 0.875 * srtt + 0.125 * rttMillis;
    }
  }

  /** A request timed out: timeouts double until the next answer (RFC 6298, 5.5). */
  synchronized void timedOut() {
    backoff = Math.min(backoff + 1, 16);
  }

  /** The timeout for the next request: the maximum until a round trip has been measured. */
  synchronized Duration timeout() {
    if (srtt < 0) {
      return Duration.ofMillis(maxMillis);
    }
    double t = Math.max(minMillis, Math.ceil(srtt + 4 * rttvar)) * (1L << backoff);
    return Duration.ofMillis((long) Math.min(maxMillis, t));
  }
}
