package org.oversky.routing.zone;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A map from client address to region: network prefixes, IPv4 and IPv6, each named for the region
 * (Traffic Control's "coverage zone") it belongs to, matched longest prefix first. Read from the
 * coverage-zone JSON of Apache Traffic Control:
 *
 * <pre>{@code
 * {"coverageZones": {"eu": {"network": ["127.0.1.0/24"], "network6": ["2001:db8:1::/48"]},
 *                    "us": {"network": ["127.0.2.0/24"]}}}
 * }</pre>
 *
 * A lookup costs one hash lookup per distinct prefix length in the map. Immutable and thread-safe.
 */
public final class CoverageZones {
  /** The largest map file read, in bytes. */
  public static final int MAX_BYTES = 16 * 1024 * 1024;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern REGION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

  /** Per address length in bytes (4, 16): prefix length, longest first, then masked network → region. */
  private final Map<Integer, TreeMap<Integer, Map<BigInteger, String>>> byFamily;
  private final List<String> regions;
  private final int prefixes;
  private final Map<String, List<String>> fallbacks;
  private final GeoMap geo;

  /**
   * Which region the clients of a country or a continent belong to, for a GeoIP database
   * ({@code "geoRegions": {"countries": {"DE": "eu"}, "continents": {"NA": "us"}}}).
   */
  public record GeoMap(Map<String, String> countries, Map<String, String> continents) {
    public GeoMap {
      countries = Map.copyOf(countries);
      continents = Map.copyOf(continents);
    }
  }

  private CoverageZones(
      Map<Integer, TreeMap<Integer, Map<BigInteger, String>>> byFamily, List<String> regions, int prefixes,
      Map<String, List<String>> fallbacks, GeoMap geo) {
    this.byFamily = byFamily;
    this.regions = List.copyOf(regions);
    this.prefixes = prefixes;
    this.fallbacks = Map.copyOf(fallbacks);
    this.geo = geo;
  }

  /** A map that places no address. */
  public static CoverageZones empty() {
    return new CoverageZones(Map.of(), List.of(), 0, Map.of(), new GeoMap(Map.of(), Map.of()));
  }

  /**
   * Reads coverage-zone JSON. Throws {@link IllegalArgumentException} naming the field that is
   * wrong (for example {@code coverageZones.eu.network[1]}) and what is expected instead.
   */
  public static CoverageZones parse(byte[] json) {
    if (json.length > MAX_BYTES) {
      throw new IllegalArgumentException("a coverage-zone map has at most " + MAX_BYTES + " bytes, got " + json.length);
    }
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonParseException e) {
      throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject() || !root.path("coverageZones").isObject()) {
      throw new IllegalArgumentException(
          "expected an object with \"coverageZones\": {\"REGION\": {\"network\": [\"10.0.0.0/8\", ...], \"network6\": [...]}, ...}");
    }
    Map<Integer, TreeMap<Integer, Map<BigInteger, String>>> byFamily = new HashMap<>();
    List<String> regions = new ArrayList<>();
    int count = 0;
    for (Map.Entry<String, JsonNode> zone : root.get("coverageZones").properties()) {
      String region = zone.getKey();
      String where = "coverageZones." + region;
      if (!REGION.matcher(region).matches()) {
        throw new IllegalArgumentException(where + ": a region name is 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit");
      }
      if (!zone.getValue().isObject()) {
        throw new IllegalArgumentException(where + ": expected an object with \"network\" and \"network6\" lists");
      }
      regions.add(region);
      for (String field : List.of("network", "network6")) {
        JsonNode list = zone.getValue().get(field);
        if (list == null || list.isNull()) {
          continue;
        }
        if (!list.isArray()) {
          throw new IllegalArgumentException(where + "." + field + ": expected a list of prefixes such as \"10.0.0.0/8\"");
        }
        for (int i = 0; i < list.size(); i++) {
          String at = where + "." + field + "[" + i + "]";
          JsonNode item = list.get(i);
          if (!item.isTextual()) {
            throw new IllegalArgumentException(at + ": expected a prefix such as \"10.0.0.0/8\" as a string");
          }
          Prefix p = Prefix.parse(item.asText(), at);
          if ((p.bytes == 4) != field.equals("network")) {
            throw new IllegalArgumentException(at + ": " + item.asText() + " is IPv" + (p.bytes == 4 ? "4" : "6")
                + "; IPv4 prefixes go in \"network\", IPv6 in \"network6\"");
          }
          String earlier = byFamily.computeIfAbsent(p.bytes, b -> new TreeMap<>(java.util.Comparator.reverseOrder()))
              .computeIfAbsent(p.length, l -> new HashMap<>())
              .putIfAbsent(p.network, region);
          if (earlier != null && !earlier.equals(region)) {
            throw new IllegalArgumentException(at + ": " + item.asText() + " is already in region " + earlier);
          }
          count++;
        }
      }
    }
    return new CoverageZones(byFamily, regions, count, fallbacks(root.get("fallbackRegions")), geo(root.get("geoRegions")));
  }

  private static Map<String, List<String>> fallbacks(JsonNode node) {
    if (node == null || node.isNull()) {
      return Map.of();
    }
    if (!node.isObject()) {
      throw new IllegalArgumentException("fallbackRegions: expected an object such as {\"eu\": [\"us\", \"ap\"]}");
    }
    Map<String, List<String>> out = new HashMap<>();
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      String where = "fallbackRegions." + e.getKey();
      if (!REGION.matcher(e.getKey()).matches()) {
        throw new IllegalArgumentException(where + ": a region name is 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit");
      }
      if (!e.getValue().isArray()) {
        throw new IllegalArgumentException(where + ": expected a list of region names, nearest first");
      }
      List<String> list = new ArrayList<>();
      for (int i = 0; i < e.getValue().size(); i++) {
        JsonNode item = e.getValue().get(i);
        if (!item.isTextual() || !REGION.matcher(item.asText()).matches() || item.asText().equals(e.getKey())) {
          throw new IllegalArgumentException(where + "[" + i + "]: expected the name of another region, got " + item);
        }
        list.add(item.asText());
      }
      out.put(e.getKey(), List.copyOf(list));
    }
    return out;
  }

  private static GeoMap geo(JsonNode node) {
    if (node == null || node.isNull()) {
      return new GeoMap(Map.of(), Map.of());
    }
    if (!node.isObject()) {
      throw new IllegalArgumentException("geoRegions: expected {\"countries\": {\"DE\": \"eu\"}, \"continents\": {\"NA\": \"us\"}}");
    }
    return new GeoMap(codes(node.get("countries"), "geoRegions.countries", "[A-Z]{2}"), codes(node.get("continents"), "geoRegions.continents", "[A-Z]{2}"));
  }

  private static Map<String, String> codes(JsonNode node, String where, String code) {
    if (node == null || node.isNull()) {
      return Map.of();
    }
    if (!node.isObject()) {
      throw new IllegalArgumentException(where + ": expected an object of two-letter codes to region names");
    }
    Map<String, String> out = new HashMap<>();
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      if (!e.getKey().matches(code)) {
        throw new IllegalArgumentException(where + "." + e.getKey() + ": expected a two-letter code in capitals, such as DE or NA");
      }
      if (!e.getValue().isTextual() || !REGION.matcher(e.getValue().asText()).matches()) {
        throw new IllegalArgumentException(where + "." + e.getKey() + ": expected a region name, got " + e.getValue());
      }
      out.put(e.getKey(), e.getValue().asText());
    }
    return out;
  }

  /** Which region each country and continent belongs to, for a GeoIP database (from {@code geoRegions}). */
  public GeoMap geo() {
    return geo;
  }

  /** Each region's fallback regions, in order (from {@code fallbackRegions}; empty when the map has none). */
  public Map<String, List<String>> fallbacks() {
    return fallbacks;
  }

  /** The region whose longest prefix holds {@code address}, if any does. */
  public Optional<String> regionOf(InetAddress address) {
    byte[] raw = address.getAddress();
    TreeMap<Integer, Map<BigInteger, String>> lengths = byFamily.get(raw.length);
    if (lengths == null) {
      return Optional.empty();
    }
    BigInteger value = new BigInteger(1, raw);
    int bits = raw.length * 8;
    for (Map.Entry<Integer, Map<BigInteger, String>> e : lengths.entrySet()) {
      String region = e.getValue().get(Prefix.mask(value, e.getKey(), bits));
      if (region != null) {
        return Optional.of(region);
      }
    }
    return Optional.empty();
  }

  /**
   * The longest prefix length the map holds for addresses of {@code address}'s family, 0 when it
   * holds none: every address that shares that many leading bits with {@code address} is placed
   * in the same region, whatever prefix placed it (the ECS scope of an answer, RFC 7871).
   */
  public int longestPrefix(InetAddress address) {
    TreeMap<Integer, Map<BigInteger, String>> lengths = byFamily.get(address.getAddress().length);
    return lengths == null || lengths.isEmpty() ? 0 : lengths.firstKey();
  }

  /** The regions the map names, in its order. */
  public List<String> regions() {
    return regions;
  }

  /** How many prefixes the map holds. */
  public int size() {
    return prefixes;
  }

  private record Prefix(int bytes, int length, BigInteger network) {
    static Prefix parse(String text, String at) {
      int slash = text.indexOf('/');
      if (slash < 1 || slash == text.length() - 1) {
        throw new IllegalArgumentException(at + ": \"" + text + "\" is not a prefix such as \"10.0.0.0/8\" (address/length)");
      }
      String host = text.substring(0, slash);
      InetAddress address = Addresses.literal(host)
          .orElseThrow(() -> new IllegalArgumentException(at + ": \"" + host + "\" is not an IPv4 or IPv6 address"));
      int bytes = address instanceof Inet4Address ? 4 : 16;
      int length;
      try {
        length = Integer.parseInt(text.substring(slash + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(at + ": the prefix length of \"" + text + "\" is not a number", e);
      }
      if (length < 0 || length > bytes * 8) {
        throw new IllegalArgumentException(at + ": a prefix length is 0 to " + bytes * 8 + ", got " + length + " in \"" + text + "\"");
      }
      BigInteger value = new BigInteger(1, address.getAddress());
      BigInteger network = mask(value, length, bytes * 8);
      if (!network.equals(value)) {
        throw new IllegalArgumentException(at + ": \"" + text + "\" has host bits set; the network is "
            + format(network, bytes) + "/" + length);
      }
      return new Prefix(bytes, length, network);
    }

    static BigInteger mask(BigInteger value, int length, int bits) {
      return value.shiftRight(bits - length).shiftLeft(bits - length);
    }

    static String format(BigInteger value, int bytes) {
      byte[] raw = value.toByteArray();
      byte[] out = new byte[bytes];
      int copy = Math.min(bytes, raw.length);
      System.arraycopy(raw, raw.length - copy, out, bytes - copy, copy);
      try {
        return InetAddress.getByAddress(out).getHostAddress();
      } catch (UnknownHostException e) {
        throw new IllegalStateException(e); // a 4- or 16-byte address always converts
      }
    }
  }
}
