package org.oversky.conf;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Where this node is, for request routing: its region, and the file that maps client addresses
 * to regions (coverage zones in Traffic Control's JSON format; read and checked when the node
 * starts), and how many requests in flight it takes before routing sends it fewer clients (soft)
 * and before it refuses new ones (hard).
 *
 * @param region this node's region, such as {@code eu-west}
 * @param regionMap the coverage-zone file, if any
 * @param geoip the MaxMind database placing clients no coverage zone holds, if any
 * @param softCapacity requests in flight above which routing weighs this node down
 * @param hardCapacity requests in flight at which this node refuses new site and key requests
 */
public record RoutingSettings(String region, Optional<Path> regionMap, Optional<Path> geoip, int softCapacity, int hardCapacity) {
  /** The default soft capacity, in requests in flight. */
  public static final int SOFT_CAPACITY = 256;
  /** The default hard capacity, in requests in flight. */
  public static final int HARD_CAPACITY = 1024;

  /** What a region name may be: 1 to 63 letters, digits, '.', '_' or '-', the first a letter or digit. */
  public static final String REGION_PATTERN = "[A-Za-z0-9][A-Za-z0-9._-]{0,62}";

  /** This region and map with the default capacities. */
  public RoutingSettings(String region, Optional<Path> regionMap) {
    this(region, regionMap, Optional.empty(), SOFT_CAPACITY, HARD_CAPACITY);
  }

  public RoutingSettings {
    Objects.requireNonNull(region, "region");
    Objects.requireNonNull(regionMap, "regionMap");
    Objects.requireNonNull(geoip, "geoip");
    if (!region.matches(REGION_PATTERN)) {
      throw new IllegalArgumentException("a region name is 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit");
    }
    if (softCapacity < 1 || hardCapacity <= softCapacity) {
      throw new IllegalArgumentException("capacities are 1 <= soft < hard, got soft " + softCapacity + " and hard " + hardCapacity);
    }
  }
}
