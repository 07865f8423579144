package org.oversky.conf;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether and where this node answers DNS for the CDN's zone: the UDP and TCP address, and the
 * zone under which each site has a name (its host with dots as dashes: {@code site.test} is
 * {@code site-test.cdn.example.net}). Off unless both are given.
 *
 * @param listen the address DNS is served on (UDP and TCP), if any
 * @param zone the zone, lower case, without a trailing dot, if any
 * @param rateLimit UDP answers a second per (source prefix, name, type); 0: unlimited
 * @param nameServers the zone's name servers (name → IP address), the first its SOA's primary;
 *     empty: {@code ns1.ZONE} at this node's DNS address
 */
public record DnsSettings(Optional<HostPort> listen, Optional<String> zone, int rateLimit, Map<String, String> nameServers) {
  /** The default rate limit, in answers a second per (source prefix, name, type). */
  public static final int RATE_LIMIT = 20;

  /** What a zone name may be: dot-separated labels of letters, digits and '-'. */
  public static final String ZONE_PATTERN = "([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*";

  /** No DNS. */
  public static final DnsSettings OFF = new DnsSettings(Optional.empty(), Optional.empty(), RATE_LIMIT, Map.of());

  /** These settings with no name servers given. */
  public DnsSettings(Optional<HostPort> listen, Optional<String> zone, int rateLimit) {
    this(listen, zone, rateLimit, Map.of());
  }

  public DnsSettings {
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(zone, "zone");
    zone = zone.map(z -> z.toLowerCase(Locale.ROOT));
    nameServers = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(nameServers));
    if (rateLimit < 0) {
      throw new IllegalArgumentException("the DNS rate limit is 0 (off) or more, got " + rateLimit);
    }
    if (zone.isPresent() && (!zone.get().matches(ZONE_PATTERN) || zone.get().length() > 200)) {
      throw new IllegalArgumentException("a zone is a DNS name such as cdn.example.net");
    }
  }

  /** Whether the node answers DNS. */
  public boolean on() {
    return listen.isPresent() && zone.isPresent();
  }
}
