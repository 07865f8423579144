package org.oversky.routing.placement;

import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.oversky.routing.decision.Decision;

/**
 * Where the copies of a content key belong, as one pure function of the key and the nodes that
 * may hold them: every node that computes it over the same nodes gets the same order, so holders
 * agree on who should hold a key without asking each other.
 *
 * <p>Regions are ranked by rendezvous hashing of the key with the region's name, and each
 * region's nodes by rendezvous hashing of the key with the node's URL (unweighted: load moves
 * clients, not copies). The order then takes the first node of each region in region order, then
 * the second of each, and so on, so that the first k nodes span min(k, regions) regions. Losing a
 * node moves only the copies it held (to the next in order); a new node takes only the keys it
 * now ranks first for.
 */
public final class Placement {
  private Placement() {}

  /** A node that may hold copies: its base URL and its region. */
  public record Node(URI url, String region) {
    public Node {
      Objects.requireNonNull(url, "url");
      Objects.requireNonNull(region, "region");
    }
  }

  /** Every node of {@code nodes} in placement order for {@code key}: the first k hold its k copies. */
  public static List<Node> order(byte[] key, List<Node> nodes) {
    Map<String, List<Node>> byRegion = new LinkedHashMap<>();
    for (Node n : nodes) {
      byRegion.computeIfAbsent(n.region(), r -> new ArrayList<>()).add(n);
    }
    // each score once (a SHA-256), not once per comparison of the sort
    Map<String, Double> regionScores = new HashMap<>();
    for (String r : byRegion.keySet()) {
      regionScores.put(r, Decision.score(key, "region " + r, 1));
    }
    List<String> regions = new ArrayList<>(byRegion.keySet());
    regions.sort(Comparator.comparingDouble((String r) -> -regionScores.get(r)).thenComparing(r -> r));
    List<List<Node>> ranked = new ArrayList<>();
    for (String r : regions) {
      List<Node> in = byRegion.get(r);
      Map<Node, Double> scores = new HashMap<>();
      for (Node n : in) {
        scores.put(n, Decision.score(key, n.url(), 1));
      }
      in.sort(Comparator.comparingDouble((Node n) -> -scores.get(n)).thenComparing(n -> n.url().toString()));
      ranked.add(in);
    }
    List<Node> out = new ArrayList<>(nodes.size());
    for (int round = 0; out.size() < nodes.size(); round++) {
      for (List<Node> in : ranked) {
        if (round < in.size()) {
          out.add(in.get(round));
        }
      }
    }
    return out;
  }

  /** The first {@code count} of {@link #order}: the nodes that should hold {@code key}. */
  public static List<Node> holders(byte[] key, List<Node> nodes, int count) {
    List<Node> all = order(key, nodes);
    return all.subList(0, Math.min(count, all.size()));
  }
}
