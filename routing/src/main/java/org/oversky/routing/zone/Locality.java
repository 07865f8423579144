package org.oversky.routing.zone;

import java.net.InetAddress;
import java.util.Optional;

/**
 * The locality chain: where a client is, from its address. First the longest prefix of the
 * coverage zones that holds it, then its country or continent in the GeoIP database (if any);
 * when neither places it, empty, and the caller takes its default region.
 *
 * @param zones the coverage zones (empty without a region map)
 * @param geo the GeoIP database, if any
 */
public record Locality(CoverageZones zones, Optional<GeoRegions> geo) {
  /** Where a client is, and what placed it there. */
  public record Located(String region, String from) {}

  /** Where {@code client} is, if the zones or the database place it. */
  public Optional<Located> locate(InetAddress client) {
    Optional<String> byPrefix = zones.regionOf(client);
    if (byPrefix.isPresent()) {
      return Optional.of(new Located(byPrefix.get(), "routing.region-map"));
    }
    return geo.flatMap(g -> g.regionOf(client)).map(l -> new Located(l.region(), "routing.geoip (" + l.from() + ")"));
  }

  /**
   * How many leading bits of {@code client} its place depends on: every address sharing them is
   * placed alike. The longest prefix of the zones for its family (0 without any, so that an
   * answer without a map holds for every client); with a GeoIP database, the whole address, as
   * the database's networks are not known here.
   */
  public int scope(InetAddress client) {
    return geo.isPresent() ? client.getAddress().length * 8 : zones.longestPrefix(client);
  }
}
