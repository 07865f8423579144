package org.oversky.conf;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Which nodes this node trusts to tell it what a site URL holds (signed URL records), and how long
 * a miss may spend asking them. Cooperation is on when a secret or a trusted key is set.
 *
 * @param secret the site cluster's shared secret ("" for none): records sealed with it are trusted
 * @param trustedNodes node ids (64 lowercase hex digits) whose records are trusted
 * @param lookupBudget how long a miss waits for the network's URL record before the origin
 * @param collapseWait how long a miss waits for another node of the cluster that is fetching the
 *     same URL from the origin
 * @param recordCopies how many nodes of the membership view hold each URL record
 */
public record ClusterSettings(
    String secret, List<String> trustedNodes, Duration lookupBudget, Duration collapseWait, int recordCopies) {
  private static final Pattern NODE_ID = Pattern.compile("[0-9a-f]{64}");

  public ClusterSettings {
    Objects.requireNonNull(secret, "secret");
    trustedNodes = List.copyOf(trustedNodes);
    for (String id : trustedNodes) {
      if (!NODE_ID.matcher(id).matches()) {
        throw new IllegalArgumentException("a trusted node is its id, 64 lowercase hex digits, got '" + id + "'");
      }
    }
    Objects.requireNonNull(lookupBudget, "lookupBudget");
    Objects.requireNonNull(collapseWait, "collapseWait");
    if (recordCopies < 1) {
      throw new IllegalArgumentException("cluster.record-copies is 1 or more, got " + recordCopies);
    }
  }

  /** Whether this node shares URL records with a cluster at all. */
  public boolean enabled() {
    return !secret.isEmpty() || !trustedNodes.isEmpty();
  }

  /** Does not print the secret. */
  @Override
  public String toString() {
    return "ClusterSettings[secret=" + (secret.isEmpty() ? "none" : "set") + ", trustedNodes=" + trustedNodes
        + ", lookupBudget=" + lookupBudget + ", collapseWait=" + collapseWait
        + ", recordCopies=" + recordCopies + "]";
  }
}
