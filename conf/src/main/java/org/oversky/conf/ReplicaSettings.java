package org.oversky.conf;

import java.time.Duration;
import java.util.Objects;

/**
 * How many copies of each registered body the network keeps, and how it repairs them: {@code
 * count} nodes in placement order hold one, spread over the regions; a holder that the view has
 * held down for longer than {@code grace} is replaced by the next node in that order, which copies
 * the body at no more than {@code repairBytesPerSecond}.
 *
 * @param count copies of each registered body, 1 (none but the first) or more
 * @param grace how long a node may be down before its copies are made again elsewhere
 * @param repairBytesPerSecond the most bytes a second this node copies for repair
 */
public record ReplicaSettings(int count, Duration grace, long repairBytesPerSecond) {
  /** The defaults: three copies, ten seconds of grace, 16 MiB a second of repair. */
  public static final ReplicaSettings DEFAULT = new ReplicaSettings(3, Duration.ofSeconds(10), 16L << 20);

  public ReplicaSettings {
    Objects.requireNonNull(grace, "grace");
    if (count < 1 || grace.isNegative() || repairBytesPerSecond < 1) {
      throw new IllegalArgumentException("replicas: count >= 1, grace >= 0 and a repair rate >= 1 byte a second");
    }
  }
}
