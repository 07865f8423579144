package org.oversky.routing.decision;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Which nodes a client should use, best first, and why. Up nodes of the client's region come
 * first; when its region has none up (or the client's region is unknown), every up node is a
 * candidate. Within those, nodes are ordered by rendezvous hashing of the routing key (a content
 * key, or the site's host and path), so that every node that decides sends one key to the same
 * nodes and a node's loss moves only its own keys. A pure function: the same inputs give the same
 * answer on every node.
 */
public final class Decision {
  private Decision() {}

  /** A node that may be chosen: up, in a region. */
  public record Candidate(URI url, String region) {
    public Candidate {
      Objects.requireNonNull(url, "url");
      Objects.requireNonNull(region, "region");
    }
  }

  /** A chosen node and why it was chosen. */
  public record Choice(URI url, String region, String reason) {}

  /**
   * Up to {@code count} nodes of {@code up} for a client in {@code clientRegion} asking for {@code
   * routingKey}, best first.
   */
  public static List<Choice> choose(Optional<String> clientRegion, byte[] routingKey, List<Candidate> up, int count) {
    if (count < 1) {
      throw new IllegalArgumentException("count is at least 1, got " + count);
    }
    List<Candidate> pool = clientRegion.map(r -> up.stream().filter(c -> c.region().equals(r)).toList()).orElse(List.of());
    String why;
    if (!pool.isEmpty()) {
      why = "in the client's region " + clientRegion.get();
    } else {
      pool = up;
      why = clientRegion.map(r -> "no node of the client's region " + r + " is up: any region").orElse("the client's region is unknown: any region");
    }
    List<Candidate> ranked = new ArrayList<>(pool);
    ranked.sort(Comparator.comparing((Candidate c) -> weight(routingKey, c.url())).reversed().thenComparing(c -> c.url().toString()));
    List<Choice> out = new ArrayList<>();
    for (int i = 0; i < ranked.size() && out.size() < count; i++) {
      Candidate c = ranked.get(i);
      out.add(new Choice(c.url(), c.region(), why + "; rank " + (i + 1) + " of " + ranked.size() + " by rendezvous hash of the key"));
    }
    return out;
  }

  /** The rendezvous weight of {@code node} for {@code key}: the first 8 bytes of SHA-256(key, node URL), unsigned. */
  static String weight(byte[] key, URI node) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
    sha.update(key);
    sha.update((byte) 0);
    byte[] d = sha.digest(node.toString().getBytes(StandardCharsets.UTF_8));
    return java.util.HexFormat.of().formatHex(d, 0, 8);
  }
}
