package org.oversky.gateway.routing;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.oversky.gateway.http.Json;
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

  /**
   * The JSON of this answer, for the node at {@code url}. Written with Jackson's streaming
   * generator, not data binding: every node asks every other for it each {@link
   * ClusterMonitor#PROBE_MILLIS}, and on a young JVM the binding's serializers are more code to
   * compile and more objects to collect for the few hundred bytes this is.
   */
  public byte[] toBytes(String url) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(256 + 160 * view.size());
    try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("url", url);
      g.writeStringField("region", region);
      g.writeStringField("state", draining ? "draining" : "up");
      g.writeNumberField("started", started);
      g.writeObjectFieldStart("load");
      g.writeNumberField("inFlight", load.inFlight());
      g.writeNumberField("requestsPerSecond", Math.round(load.requestsPerSecond() * 10) / 10.0);
      g.writeNumberField("bytesOutPerSecond", load.bytesOutPerSecond());
      g.writeNumberField("cpu", load.cpu() < 0 ? -1 : Math.round(load.cpu() * 1000) / 1000.0);
      g.writeNumberField("freeDiskBytes", load.freeDiskBytes());
      g.writeNumberField("softCapacity", load.softCapacity());
      g.writeNumberField("hardCapacity", load.hardCapacity());
      g.writeEndObject();
      g.writeObjectFieldStart("rttMillis");
      for (Map.Entry<String, Long> e : new java.util.TreeMap<>(rttMillis).entrySet()) {
        g.writeNumberField(e.getKey(), e.getValue());
      }
      g.writeEndObject();
      g.writeArrayFieldStart("view");
      for (Map.Entry<URI, Seen> e : new java.util.TreeMap<>(view).entrySet()) {
        g.writeStartObject();
        g.writeStringField("url", e.getKey().toString());
        g.writeStringField("state", e.getValue().state().name().toLowerCase(Locale.ROOT));
        g.writeStringField("region", e.getValue().region());
        g.writeBooleanField("quorumDown", e.getValue().quorumDown());
        g.writeBooleanField("draining", e.getValue().draining());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("writing to memory failed", e); // a ByteArrayOutputStream does not
    }
    return out.toByteArray();
  }

  /**
   * Reads a health answer as it came; empty when it is not one (not JSON, no region, capacities out
   * of order, a view entry whose URL is not one), so that the probe counts as missed. View
   * entries past {@link #MAX_ENTRIES}, entries of an unknown state or region, and RTTs that are not
   * whole numbers of 0 or more, are not read. Read with Jackson's streaming parser, for the reason
   * {@link #toBytes} gives.
   */
  public static Optional<HealthAnswer> parse(byte[] body) {
    try (JsonParser p = Json.MAPPER.getFactory().createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return Optional.empty();
      }
      String region = null;
      boolean draining = false;
      long started = 0;
      Load load = Load.UNKNOWN;
      Map<URI, Seen> view = new HashMap<>();
      Map<String, Long> rtt = new HashMap<>();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        switch (name) {
          case "region" -> region = t == JsonToken.VALUE_STRING ? p.getText() : null;
          case "state" -> draining = t == JsonToken.VALUE_STRING && p.getText().equals("draining");
          case "started" -> started = t == JsonToken.VALUE_NUMBER_INT ? Math.max(0, p.getLongValue()) : 0;
          case "load" -> load = readLoad(p, t);
          case "rttMillis" -> readRtt(p, t, rtt);
          case "view" -> readView(p, t, view);
          default -> { }
        }
        p.skipChildren(); // a value of the wrong kind (an object for a region) is passed over whole; a no-op after a reader
      }
      return region == null ? Optional.empty() : Optional.of(new HealthAnswer(region, draining, load, view, rtt, started));
    } catch (java.io.IOException | IllegalArgumentException e) {
      // not JSON, a number out of range, capacities out of order, a view entry that is not a URL: not a node's answer
      return Optional.empty();
    }
  }

  /**
   * The load object, {@code t} its first token; a figure missing or not a number takes the
   * unknown load's, as does a value that is no object (skipped).
   */
  private static Load readLoad(JsonParser p, JsonToken t) throws java.io.IOException {
    Load u = Load.UNKNOWN;
    if (t != JsonToken.START_OBJECT) {
      p.skipChildren();
      return u;
    }
    int inFlight = 0;
    double rps = 0;
    long bps = 0;
    double cpu = -1;
    long disk = -1;
    int soft = u.softCapacity();
    int hard = u.hardCapacity();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      p.nextToken();
      switch (name) {
        case "inFlight" -> inFlight = p.getValueAsInt(0);
        case "requestsPerSecond" -> rps = p.getValueAsDouble(0);
        case "bytesOutPerSecond" -> bps = p.getValueAsLong(0);
        case "cpu" -> cpu = p.getValueAsDouble(-1);
        case "freeDiskBytes" -> disk = p.getValueAsLong(-1);
        case "softCapacity" -> soft = p.getValueAsInt(u.softCapacity());
        case "hardCapacity" -> hard = p.getValueAsInt(u.hardCapacity());
        default -> { }
      }
      p.skipChildren();
    }
    return new Load(inFlight, rps, bps, cpu, disk, soft, hard);
  }

  /** The round trips object, {@code t} its first token, into {@code rtt}; a value that is no object is skipped. */
  private static void readRtt(JsonParser p, JsonToken t, Map<String, Long> rtt) throws java.io.IOException {
    if (t != JsonToken.START_OBJECT) {
      p.skipChildren();
      return;
    }
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String region = p.currentName();
      if (p.nextToken() == JsonToken.VALUE_NUMBER_INT && rtt.size() < MAX_ENTRIES && p.getLongValue() >= 0) {
        rtt.put(region, p.getLongValue());
      }
      p.skipChildren();
    }
  }

  /** The view array, {@code t} its first token, into {@code view}; a value that is no array is skipped. */
  private static void readView(JsonParser p, JsonToken t, Map<URI, Seen> view) throws java.io.IOException {
    if (t != JsonToken.START_ARRAY) {
      p.skipChildren();
      return;
    }
    while (p.nextToken() == JsonToken.START_OBJECT) {
      String url = null;
      String state = "";
      String region = "";
      boolean quorumDown = false;
      boolean draining = false;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        switch (name) {
          case "url" -> url = value == JsonToken.VALUE_STRING ? p.getText() : null;
          case "state" -> state = p.getValueAsString("").toUpperCase(Locale.ROOT);
          case "region" -> region = p.getValueAsString("");
          case "quorumDown" -> quorumDown = p.getValueAsBoolean(false);
          case "draining" -> draining = p.getValueAsBoolean(false);
          default -> { }
        }
        p.skipChildren();
      }
      if (view.size() < MAX_ENTRIES && url != null && List.of("JOINING", "UP", "DOWN").contains(state)
          && (region.isEmpty() || REGION.matcher(region).matches())) {
        view.put(URI.create(url), new Seen(NodeState.valueOf(state), region, quorumDown, draining)); // not a URI: not a node's answer
      }
    }
    // past the array's end, or at something that is not an entry: what is left of it is not read
    if (p.currentToken() != JsonToken.END_ARRAY) {
      p.skipChildren();
      while (p.nextToken() != null && p.currentToken() != JsonToken.END_ARRAY) {
        p.skipChildren();
      }
    }
  }
}
