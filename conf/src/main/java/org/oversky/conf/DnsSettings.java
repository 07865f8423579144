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
 * @param update the primary whose records this node's region keeps current, if any
 * @param dnslink the hosts served from the content key their DNS names
 */
public record DnsSettings(Optional<HostPort> listen, Optional<String> zone, int rateLimit, Map<String, String> nameServers,
    Optional<Update> update, Dnslink dnslink) {
  /**
   * DNSLink-style hosts: {@code _dnslink.HOST TXT "dnslink=/key/SHA256"} makes HOST's root that
   * content key.
   *
   * @param hosts the hosts accepted this way, lower case, each exact or {@code *.SUFFIX}
   * @param resolver the resolver to ask; empty: the system's
   */
  public record Dnslink(java.util.List<String> hosts, Optional<HostPort> resolver) {
    /** No DNSLink hosts. */
    public static final Dnslink OFF = new Dnslink(java.util.List.of(), Optional.empty());

    public Dnslink {
      hosts = hosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
      for (String h : hosts) {
        if (!(h.startsWith("*.") ? h.substring(2) : h).matches(ZONE_PATTERN)) {
          throw new IllegalArgumentException("a DNSLink host is a host name such as docs.example.org or *.example.org, got '" + h + "'");
        }
      }
      Objects.requireNonNull(resolver, "resolver");
    }

    /** Whether {@code host} (lower case, no port) is served by its DNSLink record. */
    public boolean accepts(String host) {
      for (String h : hosts) {
        if (h.startsWith("*.") ? host.endsWith(h.substring(1)) && host.length() > h.length() - 1 : host.equals(h)) {
          return true;
        }
      }
      return false;
    }
  }

  /**
   * Dynamic updates (RFC 2136, TSIG) of an authoritative server the operator runs.
   *
   * @param server the zone's primary
   * @param zone the zone there, lower case, without a trailing dot
   * @param keyFile the TSIG key, as {@code tsig-keygen} writes it
   * @param ttlSeconds the TTL of the records written, 10 to 60
   */
  public record Update(HostPort server, String zone, java.nio.file.Path keyFile, int ttlSeconds) {
    public Update {
      Objects.requireNonNull(server, "server");
      Objects.requireNonNull(keyFile, "keyFile");
      zone = zone.toLowerCase(Locale.ROOT);
      if (!zone.matches(ZONE_PATTERN)) {
        throw new IllegalArgumentException("a zone is a DNS name such as cdn.example.net");
      }
      if (ttlSeconds < 10 || ttlSeconds > 60) {
        throw new IllegalArgumentException("the TTL of updated records is 10 to 60 s, got " + ttlSeconds);
      }
    }
  }

  /** The default rate limit, in answers a second per (source prefix, name, type). */
  public static final int RATE_LIMIT = 20;

  /** What a zone name may be: dot-separated labels of letters, digits and '-'. */
  public static final String ZONE_PATTERN = "([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*";

  /** No DNS. */
  public static final DnsSettings OFF = new DnsSettings(Optional.empty(), Optional.empty(), RATE_LIMIT, Map.of(), Optional.empty(), Dnslink.OFF);

  /** These settings with no name servers given, and no updates. */
  public DnsSettings(Optional<HostPort> listen, Optional<String> zone, int rateLimit) {
    this(listen, zone, rateLimit, Map.of(), Optional.empty(), Dnslink.OFF);
  }

  /** These settings with no updates. */
  public DnsSettings(Optional<HostPort> listen, Optional<String> zone, int rateLimit, Map<String, String> nameServers) {
    this(listen, zone, rateLimit, nameServers, Optional.empty(), Dnslink.OFF);
  }

  public DnsSettings {
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(zone, "zone");
    Objects.requireNonNull(update, "update");
    Objects.requireNonNull(dnslink, "dnslink");
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
