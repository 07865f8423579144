package org.oversky.gateway.routing;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.oversky.routing.view.Load;
import org.oversky.routing.view.NodeState;

/**
 * A node's answer to a health probe ({@code GET /api/v1/health}), both ways: what a node says of
 * itself (region, draining, load), what its own probes saw of the others (its view, which others
 * count toward a quorum), and its measured round trip to each region. The one place the wire form
 * is written and read.
 *
 * @param region the node's region
 * @param draining whether it is out of new routing
 * @param load its load figures
 * @param view each node it probes and what it saw of it first-hand
 * @param rttMillis its median probe round trip to each region's up nodes
 */
public record HealthAnswer(String region, boolean draining, Load load, Map<URI, Seen> view, Map<String, Long> rttMillis, long started) {
  /**
   * What a node saw of another first-hand: never what it was told, so that no rumour sustains
   * itself between nodes.
   *
   * @param state its own probes' state of it
   * @param region the region it said
   * @param quorumDown whether a quorum of observers, counted by this node, say it is down
   * @param draining whether it said to this node that it drains
   */
  public record Seen(NodeState state, String region, boolean quorumDown, boolean draining) {}

  /** A region's name, compiled once: every probe's answer checks one per view entry. */
  private static final java.util.regex.Pattern REGION = java.util.regex.Pattern.compile(org.oversky.conf.RoutingSettings.REGION_PATTERN);

  /** The most entries of a view or RTT map read from one answer: a hostile peer cannot fill memory. */
  static final int MAX_ENTRIES = 1_000;

  public HealthAnswer {
    view = Map.copyOf(view);
    rttMillis = Map.copyOf(rttMillis);
  }

  /** An answer that does not say when its node started ({@code started} 0: unknown). */
  public HealthAnswer(String region, boolean draining, Load load, Map<URI, Seen> view, Map<String, Long> rttMillis) {
    this(region, draining, load, view, rttMillis, 0);
  }

  /** The JSON of this answer, for the node at {@code url}. */
  public Map<String, Object> toJson(String url) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("url", url);
    out.put("region", region);
    out.put("state", draining ? "draining" : "up");
    out.put("started", started);
    Map<String, Object> l = new LinkedHashMap<>();
    l.put("inFlight", load.inFlight());
    l.put("requestsPerSecond", Math.round(load.requestsPerSecond() * 10) / 10.0);
    l.put("bytesOutPerSecond", load.bytesOutPerSecond());
    l.put("cpu", load.cpu() < 0 ? -1 : Math.round(load.cpu() * 1000) / 1000.0);
    l.put("freeDiskBytes", load.freeDiskBytes());
    l.put("softCapacity", load.softCapacity());
    l.put("hardCapacity", load.hardCapacity());
    out.put("load", l);
    out.put("rttMillis", new java.util.TreeMap<>(rttMillis));
    out.put("view", view.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .map(e -> Map.of("url", e.getKey().toString(), "state", e.getValue().state().name().toLowerCase(Locale.ROOT),
            "region", e.getValue().region(), "quorumDown", e.getValue().quorumDown(), "draining", e.getValue().draining()))
        .toList());
    return out;
  }

  /**
   * Reads a health answer; empty when it is not one (no region, capacities out of order, a view
   * entry whose URL is not one), so that the probe counts as missed. View entries past {@link
   * #MAX_ENTRIES}, and RTTs that are not whole numbers, are not read.
   */
  public static Optional<HealthAnswer> parse(JsonNode answer) {
    if (answer == null || !answer.isObject() || !answer.path("region").isTextual()) {
      return Optional.empty();
    }
    JsonNode l = answer.path("load");
    Load load;
    try {
      load = l.isObject()
          ? new Load(l.path("inFlight").asInt(0), l.path("requestsPerSecond").asDouble(0), l.path("bytesOutPerSecond").asLong(0),
              l.path("cpu").asDouble(-1), l.path("freeDiskBytes").asLong(-1),
              l.path("softCapacity").asInt(Load.UNKNOWN.softCapacity()), l.path("hardCapacity").asInt(Load.UNKNOWN.hardCapacity()))
          : Load.UNKNOWN;
    } catch (IllegalArgumentException e) {
      return Optional.empty(); // capacities out of order: not a node's answer
    }
    Map<URI, Seen> view = new HashMap<>();
    for (JsonNode n : answer.path("view")) {
      if (view.size() >= MAX_ENTRIES) {
        break;
      }
      String state = n.path("state").asText("").toUpperCase(Locale.ROOT);
      String region = n.path("region").asText("");
      if (n.path("url").isTextual() && List.of("JOINING", "UP", "DOWN").contains(state)
          && (region.isEmpty() || REGION.matcher(region).matches())) {
        try {
          view.put(URI.create(n.path("url").asText()),
              new Seen(NodeState.valueOf(state), region, n.path("quorumDown").asBoolean(false), n.path("draining").asBoolean(false)));
        } catch (IllegalArgumentException e) {
          return Optional.empty(); // a view entry that is not a URL: not a node's answer
        }
      }
    }
    Map<String, Long> rtt = new HashMap<>();
    for (Map.Entry<String, JsonNode> e : answer.path("rttMillis").properties()) {
      if (rtt.size() < MAX_ENTRIES && e.getValue().canConvertToLong() && e.getValue().asLong() >= 0) {
        rtt.put(e.getKey(), e.getValue().asLong());
      }
    }
    long started = answer.path("started").canConvertToLong() ? Math.max(0, answer.path("started").asLong()) : 0;
    return Optional.of(new HealthAnswer(answer.get("region").asText(), "draining".equals(answer.path("state").asText()), load, view, rtt, started));
  }
}
