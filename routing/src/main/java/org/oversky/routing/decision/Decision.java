package org.oversky.routing.decision;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.oversky.routing.view.Load;

/**
 * Which nodes a client should use, best first, and why: one pure function of the client's region,
 * the routing key (a content key, or a site's host and path), the nodes known with their health
 * and load, and the operator's policy. Every node that decides gives the same answer for the same
 * inputs, so a key goes to the same nodes whichever node a client asks.
 *
 * <p>The steps, in order:
 *
 * <ol>
 *   <li>Regions are tried in order: the client's (or the default region when the client's is
 *       unknown), its configured fallback regions, then the others, nearest first by measured RTT.
 *       The first region with a healthy node answers; a region without one is passed over.
 *   <li>Draining nodes are left out, and so are nodes at their hard capacity. A healthy node is
 *       one the view holds up (or only suspected).
 *   <li>Panic: when fewer than half of a region's nodes are healthy, the health view itself is
 *       doubted (as Envoy does) and every node of the region is a candidate, the healthy ones
 *       ranked first.
 *   <li>Candidates are ranked by weighted rendezvous hashing of the key: the weight is the node's
 *       spare capacity, cut to a quarter above its soft capacity. A node busier than the load
 *       bound ({@link #LOAD_BOUND} above the region's mean, and at least {@link #MIN_EXCESS_RPS}
 *       requests a second more) goes after the others: consistent hashing with bounded loads.
 *   <li>The first {@code count} are taken, rotated by {@code rotation} so that answers spread a
 *       hot key over them.
 * </ol>
 */
public final class Decision {
  /** A region with fewer than this share of its nodes healthy is in panic: all its nodes are candidates. */
  public static final double PANIC_BELOW = 0.5;
  /** The weight factor of a node above its soft capacity. */
  public static final double SOFT_WEIGHT = 0.25;
  /** How far above the mean request rate a node may be before it goes after the others. */
  public static final double LOAD_BOUND = 0.25;
  /** The least excess over the mean rate, in requests a second, that counts as over the bound. */
  public static final double MIN_EXCESS_RPS = 2;
  /** The most nodes one answer names. */
  public static final int MAX_COUNT = 4;

  private Decision() {}

  /**
   * A node known to the view.
   *
   * @param url its base URL
   * @param region its region
   * @param healthy whether the view holds it up (or only suspected)
   * @param draining whether it asked to be left out of new routing
   * @param load its load figures, as it last said
   */
  public record Candidate(URI url, String region, boolean healthy, boolean draining, Load load) {
    public Candidate {
      Objects.requireNonNull(url, "url");
      Objects.requireNonNull(region, "region");
      Objects.requireNonNull(load, "load");
    }
  }

  /** A chosen node and why it was chosen. */
  public record Choice(URI url, String region, String reason) {}

  /**
   * The operator's routing policy, the same on every node.
   *
   * @param defaultRegion the region of a client the region map does not place
   * @param fallbacks each region's fallback regions, in order
   * @param rttMillis this node's measured round trip to each region, where measured
   */
  public record Policy(String defaultRegion, Map<String, List<String>> fallbacks, Map<String, Long> rttMillis) {
    public Policy {
      Objects.requireNonNull(defaultRegion, "defaultRegion");
      fallbacks = Map.copyOf(fallbacks);
      rttMillis = Map.copyOf(rttMillis);
    }
  }

  /**
   * The decision.
   *
   * @param chosen the nodes, best first
   * @param region the region they are in, if any was chosen
   * @param panic whether that region was in panic
   * @param steps why, region by region
   */
  public record Answer(List<Choice> chosen, Optional<String> region, boolean panic, List<String> steps) {}

  /**
   * Up to {@code count} nodes for a client in {@code clientRegion} asking for {@code routingKey},
   * best first, rotated by {@code rotation}.
   */
  public static Answer choose(
      Optional<String> clientRegion, byte[] routingKey, List<Candidate> nodes, Policy policy, int count, int rotation) {
    if (count < 1 || count > MAX_COUNT) {
      throw new IllegalArgumentException("count is 1 to " + MAX_COUNT + ", got " + count);
    }
    List<String> steps = new ArrayList<>();
    for (Map.Entry<String, String> r : regionOrder(clientRegion, nodes, policy).entrySet()) {
      String region = r.getKey();
      String why = r.getValue();
      List<Candidate> inRegion = nodes.stream().filter(c -> c.region().equals(region) && !c.draining()).toList();
      List<Candidate> healthy = inRegion.stream().filter(c -> c.healthy() && !c.load().atHard()).toList();
      if (healthy.isEmpty()) {
        steps.add(region + " (" + why + "): " + (inRegion.isEmpty() ? "no node" : "none of its " + inRegion.size() + " nodes healthy") + "; next region");
        continue;
      }
      boolean panic = healthy.size() < PANIC_BELOW * inRegion.size();
      List<Candidate> pool = panic ? inRegion.stream().filter(c -> !c.load().atHard()).toList() : healthy;
      steps.add(region + " (" + why + "): " + healthy.size() + " of " + inRegion.size() + " nodes healthy"
          + (panic ? "; panic: fewer than half healthy, so all " + pool.size() + " are candidates" : ""));
      List<Ranked> ranked = rank(routingKey, pool);
      int n = Math.min(count, ranked.size());
      List<Choice> chosen = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Ranked k = ranked.get(Math.floorMod(i + rotation, n));
        Candidate c = k.candidate();
        StringBuilder reason = new StringBuilder(why).append("; rank ").append(ranked.indexOf(k) + 1).append(" of ")
            .append(ranked.size()).append(" by rendezvous hash of the key, weighted by spare capacity");
        if (c.load().overSoft()) {
          reason.append("; over its soft capacity (").append(c.load().inFlight()).append(" in flight): weight x").append(SOFT_WEIGHT);
        }
        if (k.overBound()) {
          reason.append("; over the load bound (").append(Math.round(c.load().requestsPerSecond())).append(" req/s): after the others");
        }
        if (!c.healthy()) {
          reason.append("; not seen healthy, in by panic");
        }
        chosen.add(new Choice(c.url(), c.region(), reason.toString()));
      }
      return new Answer(List.copyOf(chosen), Optional.of(region), panic, List.copyOf(steps));
    }
    steps.add("no region has a healthy node");
    return new Answer(List.of(), Optional.empty(), false, List.copyOf(steps));
  }

  /** The regions to try, in order, each with why it is there. */
  static LinkedHashMap<String, String> regionOrder(Optional<String> clientRegion, List<Candidate> nodes, Policy policy) {
    LinkedHashMap<String, String> order = new LinkedHashMap<>();
    String start = clientRegion.orElse(policy.defaultRegion());
    order.put(start, clientRegion.isPresent() ? "in the client's region " + start : "the client's region is unknown: the default region " + start);
    List<String> fallbacks = policy.fallbacks().getOrDefault(start, List.of());
    for (int i = 0; i < fallbacks.size(); i++) {
      order.putIfAbsent(fallbacks.get(i), "fallback " + (i + 1) + " of " + start + ", " + fallbacks.get(i));
    }
    nodes.stream().map(Candidate::region).distinct()
        .filter(r -> !order.containsKey(r))
        .sorted(Comparator.comparing((String r) -> policy.rttMillis().getOrDefault(r, Long.MAX_VALUE)).thenComparing(r -> r))
        .forEach(r -> {
          Long rtt = policy.rttMillis().get(r);
          order.put(r, rtt == null ? "another region, " + r + " (round trip not measured)" : "the nearest other region, " + r + " (" + rtt + " ms)");
        });
    return order;
  }

  private record Ranked(Candidate candidate, double score, boolean overBound) {}

  private static List<Ranked> rank(byte[] key, List<Candidate> pool) {
    double mean = pool.stream().mapToDouble(c -> c.load().requestsPerSecond()).average().orElse(0);
    double bound = Math.max((1 + LOAD_BOUND) * mean, mean + MIN_EXCESS_RPS);
    List<Ranked> out = new ArrayList<>();
    for (Candidate c : pool) {
      double w = Math.max(1e-3, c.load().spare() * (c.load().overSoft() ? SOFT_WEIGHT : 1));
      out.add(new Ranked(c, score(key, c.url(), w), c.load().requestsPerSecond() > bound));
    }
    out.sort(Comparator.comparing((Ranked k) -> !k.candidate().healthy()) // in panic, the healthy first
        .thenComparing(Ranked::overBound)
        .thenComparing(Comparator.comparingDouble(Ranked::score).reversed())
        .thenComparing(k -> k.candidate().url().toString()));
    return out;
  }

  /**
   * The weighted rendezvous score of {@code node} for {@code key}: {@code -weight / ln(u)}, with u
   * in (0, 1) from SHA-256(key, 0, node URL). With equal weights the order is the hash's; a node
   * with twice the weight wins about twice as many keys.
   */
  public static double score(byte[] key, URI node, double weight) {
    return score(key, node.toString(), weight);
  }

  /** As {@link #score(byte[], URI, double)}, for anything named by text (a region, say). */
  public static double score(byte[] key, String name, double weight) {
    MessageDigest sha = sha256();
    sha.update(key);
    sha.update((byte) 0);
    byte[] d = sha.digest(name.getBytes(StandardCharsets.UTF_8));
    long h = 0;
    for (int i = 0; i < 8; i++) {
      h = (h << 8) | (d[i] & 0xff);
    }
    double u = ((h >>> 11) + 0.5) * 0x1.0p-53;
    return -weight / Math.log(u);
  }

  /** Never updated: only copied, which costs less than a provider lookup per score (a placement scores every node). */
  private static final MessageDigest SHA256 = newSha256();

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private static MessageDigest sha256() {
    try {
      return (MessageDigest) SHA256.clone();
    } catch (CloneNotSupportedException e) {
      return newSha256(); // a provider whose SHA-256 cannot be copied
    }
  }
}
