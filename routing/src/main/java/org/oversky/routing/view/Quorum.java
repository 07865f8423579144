package org.oversky.routing.view;

/**
 * When a node is out of routing: only when a quorum of the nodes that watch it agree it is down,
 * so that no single observer (one with a broken link, or cut off from the rest) takes a node out
 * for everyone. The quorum is 3 observers, or a majority where fewer than 5 watch.
 */
public final class Quorum {
  private Quorum() {}

  /** How many of {@code observers} must say a node is down. */
  public static int of(int observers) {
    if (observers < 0) {
      throw new IllegalArgumentException("observers is 0 or more, got " + observers);
    }
    return Math.max(1, Math.min(3, observers / 2 + 1));
  }

  /**
   * Whether a node is out: {@code sayDown} of the {@code observers} that watch it (this node among
   * them, each with a fresh observation) say it is down.
   */
  public static boolean down(int observers, int sayDown) {
    return sayDown >= of(observers);
  }
}
