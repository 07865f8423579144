package org.oversky.routing.view;

import java.net.URI;
import java.util.Objects;

/**
 * What one observer has seen of one node: its region (from its last answer), its state, and the
 * run of answers or misses that led there. {@link #after} is the one place a probe's outcome
 * changes it.
 *
 * @param url the node's base URL
 * @param region its region, as it last said ("" before it first answered)
 * @param state routed to or not
 * @param answeredInARow probes answered since the last miss
 * @param missedInARow probes missed since the last answer
 * @param sinceMillis when the state last changed
 * @param probedMillis when it was last probed, or -1 before its first probe
 */
public record Observed(URI url, String region, NodeState state, int answeredInARow, int missedInARow, long sinceMillis, long probedMillis) {
  public Observed {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(region, "region");
    Objects.requireNonNull(state, "state");
  }

  /** A node just heard of, at {@code nowMillis}. */
  public static Observed joining(URI url, long nowMillis) {
    return heardOf(url, "", nowMillis);
  }

  /** A node another node told of, in {@code region}, not yet probed. */
  public static Observed heardOf(URI url, String region, long nowMillis) {
    return new Observed(url, region, NodeState.JOINING, 0, 0, nowMillis, -1);
  }

  /** Whether this observer probed the node within {@code freshMillis} before {@code nowMillis}. */
  public boolean probedWithin(long freshMillis, long nowMillis) {
    return probedMillis >= 0 && nowMillis - probedMillis <= freshMillis;
  }

  /**
   * This node after one more probe: answered (saying its region) or missed. Up after {@code upAfter}
   * answers in a row, down after {@code downAfter} misses in a row (hysteresis: one answer or one
   * miss alone changes nothing).
   */
  public Observed after(boolean answered, String saidRegion, long nowMillis, int upAfter, int downAfter) {
    if (answered) {
      int run = answeredInARow + 1;
      NodeState next = state != NodeState.UP && run >= upAfter ? NodeState.UP : state;
      return new Observed(url, saidRegion, next, run, 0, next == state ? sinceMillis : nowMillis, nowMillis);
    }
    int run = missedInARow + 1;
    NodeState next = state != NodeState.DOWN && run >= downAfter ? NodeState.DOWN : state;
    return new Observed(url, region, next, 0, run, next == state ? sinceMillis : nowMillis, nowMillis);
  }
}
