package org.oversky.routing.view;

/**
 * How busy a node says it is, in its health answer: what routing weighs nodes by. A node at its
 * soft capacity stays in routing at a lower weight; at its hard capacity it refuses new requests
 * (503 with {@code Retry-After}) and routing leaves it out until it is below again.
 *
 * @param inFlight requests being served now
 * @param requestsPerSecond requests finished per second, over the last sample
 * @param bytesOutPerSecond body bytes sent per second, over the last sample
 * @param cpu the process's share of the machine's CPU, 0 to 1, or -1 when unknown
 * @param freeDiskBytes usable bytes left on the store's disk, or -1 when unknown
 * @param softCapacity requests in flight above which the node is weighed down
 * @param hardCapacity requests in flight at which the node refuses new ones
 */
public record Load(
    int inFlight, double requestsPerSecond, long bytesOutPerSecond, double cpu, long freeDiskBytes, int softCapacity, int hardCapacity) {
  /** The figures of a node that has not said: idle, with capacities no request reaches. */
  public static final Load UNKNOWN = new Load(0, 0, 0, -1, -1, Integer.MAX_VALUE - 1, Integer.MAX_VALUE);

  public Load {
    if (softCapacity < 1 || hardCapacity <= softCapacity) {
      throw new IllegalArgumentException(
          "capacities are 1 <= soft < hard, got soft " + softCapacity + " and hard " + hardCapacity);
    }
    inFlight = Math.max(0, inFlight);
    requestsPerSecond = Double.isFinite(requestsPerSecond) ? Math.max(0, requestsPerSecond) : 0;
    bytesOutPerSecond = Math.max(0, bytesOutPerSecond);
  }

  /** Above its soft capacity: routed to at a lower weight. */
  public boolean overSoft() {
    return inFlight > softCapacity;
  }

  /** At its hard capacity: refusing new requests, left out of routing. */
  public boolean atHard() {
    return inFlight >= hardCapacity;
  }

  /** The share of its hard capacity still free, 0 to 1. */
  public double spare() {
    return Math.max(0, 1 - (double) inFlight / hardCapacity);
  }
}
