package org.oversky.conf;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Where this node is, for request routing: its region, and the file that maps client addresses
 * to regions (coverage zones in Traffic Control's JSON format; read and checked when the node
 * starts).
 *
 * @param region this node's region, such as {@code eu-west}
 * @param regionMap the coverage-zone file, if any
 */
public record RoutingSettings(String region, Optional<Path> regionMap) {
  /** What a region name may be: 1 to 63 letters, digits, '.', '_' or '-', the first a letter or digit. */
  public static final String REGION_PATTERN = "[A-Za-z0-9][A-Za-z0-9._-]{0,62}";

  public RoutingSettings {
    Objects.requireNonNull(region, "region");
    Objects.requireNonNull(regionMap, "regionMap");
    if (!region.matches(REGION_PATTERN)) {
      throw new IllegalArgumentException("a region name is 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit");
    }
  }
}
