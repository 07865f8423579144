package org.oversky.gateway.routing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.oversky.conf.ConfigException;
import org.oversky.conf.RoutingSettings;
import org.oversky.conf.Settings;
import org.oversky.routing.zone.CoverageZones;
import org.oversky.routing.zone.GeoRegions;
import org.oversky.routing.zone.Locality;

/**
 * This node's place for request routing: its region ({@code node.region}), the coverage zones of
 * {@code routing.region-map} and the GeoIP database of {@code routing.geoip}, read and checked
 * once when the node starts, so that a mistake stops the node with the field to fix rather than
 * routing clients wrongly. {@link #locate} is the locality chain: coverage zones, then GeoIP.
 */
public final class NodeRouting implements java.io.Closeable {
  private final String region;
  private final Optional<Path> mapFile;
  private final CoverageZones zones;
  private final Optional<GeoRegions> geo;
  private final Locality locality;

  private NodeRouting(String region, Optional<Path> mapFile, CoverageZones zones, Optional<GeoRegions> geo) {
    this.region = region;
    this.mapFile = mapFile;
    this.zones = zones;
    this.geo = geo;
    this.locality = new Locality(zones, geo);
  }

  /** Where {@code client} is by the locality chain ({@link Locality}); empty: the default region. */
  public Optional<Locality.Located> locate(java.net.InetAddress client) {
    return locality.locate(client);
  }

  /** How many leading bits of {@code client} its place depends on ({@link Locality#scope}). */
  public int scope(java.net.InetAddress client) {
    return locality.scope(client);
  }

  @Override
  public void close() throws IOException {
    if (geo.isPresent()) {
      geo.get().close();
    }
  }

  /** Reads the region map, if any; a file that cannot be read or is wrong is a {@link ConfigException}. */
  public static NodeRouting load(RoutingSettings settings) {
    CoverageZones zones = settings.regionMap().isEmpty() ? CoverageZones.empty() : zones(settings.regionMap().get());
    Optional<GeoRegions> geo = Optional.empty();
    if (settings.geoip().isPresent()) {
      Path file = settings.geoip().get();
      String named = Settings.GEOIP.key() + " (--geoip) " + file;
      try {
        geo = Optional.of(GeoRegions.open(file, zones.geo().countries(), zones.geo().continents()));
      } catch (IOException e) {
        throw new ConfigException(Settings.GEOIP.key(), named + " cannot be read (" + e + "); give a readable .mmdb file");
      } catch (IllegalArgumentException e) {
        throw new ConfigException(Settings.GEOIP.key(), named + ": " + e.getMessage());
      }
    }
    return new NodeRouting(settings.region(), settings.regionMap(), zones, geo);
  }

  private static CoverageZones zones(Path file) {
    String key = Settings.REGION_MAP.key();
    String named = key + " (--region-map) " + file;
    try {
      if (Files.size(file) > CoverageZones.MAX_BYTES) {
        throw new ConfigException(key, named + ": larger than " + CoverageZones.MAX_BYTES + " bytes");
      }
      return CoverageZones.parse(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new ConfigException(key, named + " cannot be read (" + e + "); give a readable coverage-zone JSON file");
    } catch (IllegalArgumentException e) {
      throw new ConfigException(key, named + ": " + e.getMessage());
    }
  }

  /** This node's region. */
  public String region() {
    return region;
  }

  /** The coverage zones (empty without a region map). */
  public CoverageZones zones() {
    return zones;
  }

  /** The routing part of the status document. */
  public Map<String, Object> status() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("region", region);
    out.put("regionMap", mapFile.map(Path::toString).orElse(null));
    out.put("regionsMapped", zones.regions());
    out.put("prefixes", zones.size());
    out.put("geoip", geo.map(GeoRegions::databaseType).orElse(null));
    return out;
  }
}
