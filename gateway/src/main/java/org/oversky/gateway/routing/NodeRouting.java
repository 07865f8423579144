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

/**
 * This node's place for request routing: its region ({@code node.region}) and the coverage zones
 * of {@code routing.region-map}, read and checked once when the node starts, so that a map with a
 * mistake stops the node with the field to fix rather than routing clients wrongly.
 */
public final class NodeRouting {
  private final String region;
  private final Optional<Path> mapFile;
  private final CoverageZones zones;

  private NodeRouting(String region, Optional<Path> mapFile, CoverageZones zones) {
    this.region = region;
    this.mapFile = mapFile;
    this.zones = zones;
  }

  /** Reads the region map, if any; a file that cannot be read or is wrong is a {@link ConfigException}. */
  public static NodeRouting load(RoutingSettings settings) {
    if (settings.regionMap().isEmpty()) {
      return new NodeRouting(settings.region(), Optional.empty(), CoverageZones.empty());
    }
    Path file = settings.regionMap().get();
    String key = Settings.REGION_MAP.key();
    String named = key + " (--region-map) " + file;
    try {
      if (Files.size(file) > CoverageZones.MAX_BYTES) {
        throw new ConfigException(key, named + ": larger than " + CoverageZones.MAX_BYTES + " bytes");
      }
      return new NodeRouting(settings.region(), Optional.of(file), CoverageZones.parse(Files.readAllBytes(file)));
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
    return out;
  }
}
