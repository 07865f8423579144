package org.oversky.gateway.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.oversky.conf.ConfigException;
import org.oversky.conf.ConfigLoader;
import org.oversky.conf.NodeConfig;
import org.oversky.conf.Settings;
import picocli.CommandLine.Option;

/** The options that configure a node; they become the highest-precedence layer of the configuration. */
final class NodeOptions {
  @Option(names = "--listen", paramLabel = "HOST:PORT", description = "Listen address (default 0.0.0.0:8080).")
  String listen;

  @Option(names = "--data", paramLabel = "DIR", description = "Data directory (default ./oversky-data).")
  String data;

  @Option(names = "--public-url", paramLabel = "URL", description = "Base URL clients and peers reach this node at.")
  String publicUrl;

  @Option(names = "--config", paramLabel = "FILE", description = "Config file (default DIR/oversky.yaml when it exists).")
  String config;

  @Option(names = "--allow-private-origins", description = "Allow fetching loopback and private addresses.")
  boolean allowPrivateOrigins;

  @Option(names = "--hot-bytes", paramLabel = "SIZE", description = "Heap for the hot tier, such as 64MiB.")
  String hotBytes;

  @Option(names = "--disk-bytes", paramLabel = "SIZE", description = "Budget of all stored bodies, such as 10GiB.")
  String diskBytes;

  @Option(names = "--max-body", paramLabel = "SIZE", description = "Largest body fetched from an origin.")
  String maxBody;

  @Option(
      names = "--site",
      paramLabel = "HOST=URL",
      description = "A site to cache: requests for HOST go to the origin URL (repeatable).")
  List<String> sites = List.of();

  @Option(
      names = "--bootstrap",
      paramLabel = "URL",
      description = "A node to join the DHT through, such as http://10.0.0.5:8080 (repeatable).")
  List<String> bootstrap = List.of();

  @Option(
      names = "--key-miss",
      paramLabel = "MODE",
      description = "GET /key/ for a body held elsewhere: redirect (302 to a provider, the default) or proxy.")
  String keyMiss;

  @Option(
      names = "--cluster-secret",
      paramLabel = "SECRET",
      description = "A secret shared by a site's nodes: they fill each other's misses before the origin.")
  String clusterSecret;

  @Option(names = "--trust-node", paramLabel = "ID", description = "A node id whose URL records are trusted (repeatable).")
  List<String> trustNodes = List.of();

  @Option(names = "--region", paramLabel = "NAME", description = "The region this node serves from, such as eu-west.")
  String region;

  @Option(
      names = "--region-map",
      paramLabel = "FILE",
      description = "Coverage zones: client prefixes by region, in Traffic Control's JSON format.")
  String regionMap;

  @Option(names = "--geoip", paramLabel = "FILE", description = "A MaxMind GeoIP2/GeoLite2 .mmdb placing clients no coverage zone holds.")
  String geoip;

  @Option(names = "--dns-listen", paramLabel = "IP:PORT", description = "Answer DNS for --dns-zone here, over UDP and TCP.")
  String dnsListen;

  @Option(names = "--dns-zone", paramLabel = "ZONE", description = "The CDN's zone, such as cdn.example.net.")
  String dnsZone;

  @Option(names = "--dns-rate-limit", paramLabel = "N", description = "UDP answers a second per source /24, name and type (default 20; 0: none).")
  String dnsRateLimit;

  @Option(names = "--dns-nameserver", paramLabel = "NAME=IP", description = "A name server of the zone, as the parent delegates (repeatable; the first is the SOA's primary).")
  List<String> dnsNameServers = List.of();

  @Option(names = "--dnslink-host", paramLabel = "HOST", description = "Serve HOST (or *.SUFFIX) from the content key its _dnslink TXT record names (repeatable).")
  List<String> dnslinkHosts = List.of();

  @Option(names = "--dnslink-resolver", paramLabel = "IP:PORT", description = "The resolver asked for _dnslink records (default: the system's).")
  String dnslinkResolver;

  @Option(names = "--dns-update-server", paramLabel = "IP:PORT", description = "Keep each site's A/AAAA records current at this primary with RFC 2136 UPDATEs (one node per region sends them).")
  String dnsUpdateServer;

  @Option(names = "--dns-update-zone", paramLabel = "ZONE", description = "The zone to update there (default: --dns-zone).")
  String dnsUpdateZone;

  @Option(names = "--dns-update-key", paramLabel = "FILE", description = "The TSIG key file that signs the updates, as tsig-keygen -a hmac-sha256 NAME writes it.")
  String dnsUpdateKey;

  @Option(names = "--dns-update-ttl", paramLabel = "DURATION", description = "The TTL of the records written, 10s to 60s (default 30s).")
  String dnsUpdateTtl;

  @Option(names = "--soft-capacity", paramLabel = "N", description = "Requests in flight above which routing sends this node fewer clients (default 256).")
  String softCapacity;

  @Option(names = "--hard-capacity", paramLabel = "N", description = "Requests in flight at which this node answers 503 and routing leaves it out (default 1024).")
  String hardCapacity;

  @Option(names = "--access-log-format", paramLabel = "combined|json", description = "The request log's lines: combined (then cache status, duration and upstream ms) or JSON.")
  String accessLogFormat;

  @Option(names = "--access-log", paramLabel = "FILE", description = "Append request log lines to this file (default: the node's log).")
  String accessLogFile;

  @Option(names = "--tls-listen", paramLabel = "IP:PORT", description = "Terminate TLS here: HTTP/1.1 and h2 by ALPN, each site's certificate chosen by SNI (needs --site-cert or --acme-directory).")
  String tlsListen;

  @Option(names = "--site-cert", paramLabel = "HOST=CERT.pem,KEY.pem", description = "A site's certificate chain and PKCS #8 private key, PEM files (repeatable).")
  List<String> siteCerts;

  @Option(names = "--acme-directory", paramLabel = "URL", description = "Order certificates from this ACME server for the sites without --site-cert (one order for the whole cluster).")
  String acmeDirectory;

  @Option(names = "--acme-email", paramLabel = "ADDRESS", description = "The ACME account's contact address.")
  String acmeEmail;

  @Option(names = "--acme-host", paramLabel = "HOST", description = "A name to order a certificate for (repeatable; default: every --site without --site-cert).")
  List<String> acmeHosts = List.of();

  @Option(names = "--acme-ca-cert", paramLabel = "FILE.pem", description = "Also trust this CA for the ACME server's own HTTPS (a private or test ACME server).")
  String acmeCaCert;

  @Option(names = "--acme-challenge", paramLabel = "http-01|tls-alpn-01", description = "How the ACME server checks a name: port 80 (http-01, the default) or the TLS port (tls-alpn-01).")
  String acmeChallenge;

  @Option(names = "--acme-renew-before", paramLabel = "DURATION", description = "Renew a certificate this long before it expires (default 30d).")
  String acmeRenewBefore;

  @Option(names = "--replicas", paramLabel = "K", description = "Nodes that hold each registered body, over at least 2 regions (default 3).")
  String replicas;

  @Option(names = "--replica-grace", paramLabel = "DURATION", description = "How long a holder may be down before its copies are made again elsewhere (default 10s).")
  String replicaGrace;

  @Option(names = "--repair-rate", paramLabel = "SIZE", description = "The most bytes a second this node copies to repair replicas (default 16m).")
  String repairRate;

  @Option(names = "--admin-token", paramLabel = "TOKEN", description = "Bearer token of the admin API (cache purge).")
  String adminToken;

  @Option(names = "--no-request-log", description = "Do not log one line per request.")
  boolean noRequestLog;

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description = "Any configuration key, such as --set store.inline-max=32KiB (repeatable).")
  List<String> sets = List.of();

  /** The configuration: these flags over the environment over the config file over the defaults. */
  NodeConfig load() {
    Map<String, String> given = flags();
    return ConfigLoader.load(given, System.getenv(), this::flagOf);
  }

  /** The settings these flags give, by dotted key (plus {@code config} when --config is given). */
  Map<String, String> flags() {
    Map<String, String> flags = new LinkedHashMap<>();
    for (String s : sets) {
      int eq = s.indexOf('=');
      if (eq <= 0) {
        throw new ConfigException("set", "--set expects KEY=VALUE, got '" + s + "'");
      }
      flags.put(s.substring(0, eq).trim(), s.substring(eq + 1).trim());
    }
    put(flags, Settings.LISTEN.key(), "--listen", listen);
    put(flags, Settings.DATA.key(), "--data", data);
    put(flags, Settings.PUBLIC_URL.key(), "--public-url", publicUrl);
    put(flags, ConfigLoader.CONFIG_KEY, "--config", config);
    put(flags, Settings.HOT_BYTES.key(), "--hot-bytes", hotBytes);
    put(flags, Settings.DISK_BYTES.key(), "--disk-bytes", diskBytes);
    put(flags, Settings.MAX_BODY.key(), "--max-body", maxBody);
    put(flags, Settings.ADMIN_TOKEN.key(), "--admin-token", adminToken);
    put(flags, Settings.KEY_MISS.key(), "--key-miss", keyMiss);
    put(flags, Settings.CLUSTER_SECRET.key(), "--cluster-secret", clusterSecret);
    put(flags, Settings.NODE_REGION.key(), "--region", region);
    put(flags, Settings.REGION_MAP.key(), "--region-map", regionMap);
    put(flags, Settings.GEOIP.key(), "--geoip", geoip);
    put(flags, Settings.DNS_LISTEN.key(), "--dns-listen", dnsListen);
    put(flags, Settings.DNS_ZONE.key(), "--dns-zone", dnsZone);
    put(flags, Settings.DNS_RATE_LIMIT.key(), "--dns-rate-limit", dnsRateLimit);
    put(flags, Settings.DNSLINK_RESOLVER.key(), "--dnslink-resolver", dnslinkResolver);
    if (!dnslinkHosts.isEmpty()) {
      flagNames.put(Settings.DNSLINK_HOSTS.key(), "--dnslink-host");
      flags.put(Settings.DNSLINK_HOSTS.key(), String.join(",", dnslinkHosts));
    }
    put(flags, Settings.DNS_UPDATE_SERVER.key(), "--dns-update-server", dnsUpdateServer);
    put(flags, Settings.DNS_UPDATE_ZONE.key(), "--dns-update-zone", dnsUpdateZone);
    put(flags, Settings.DNS_UPDATE_KEY.key(), "--dns-update-key", dnsUpdateKey);
    put(flags, Settings.DNS_UPDATE_TTL.key(), "--dns-update-ttl", dnsUpdateTtl);
    if (!dnsNameServers.isEmpty()) {
      flagNames.put(Settings.DNS_NAMESERVERS.key(), "--dns-nameserver");
      flags.put(Settings.DNS_NAMESERVERS.key(), String.join(",", dnsNameServers));
    }
    put(flags, Settings.SOFT_CAPACITY.key(), "--soft-capacity", softCapacity);
    put(flags, Settings.HARD_CAPACITY.key(), "--hard-capacity", hardCapacity);
    put(flags, Settings.TLS_LISTEN.key(), "--tls-listen", tlsListen);
    put(flags, Settings.ACCESS_LOG_FORMAT.key(), "--access-log-format", accessLogFormat);
    put(flags, Settings.ACCESS_LOG_FILE.key(), "--access-log", accessLogFile);
    if (siteCerts != null && !siteCerts.isEmpty()) {
      flagNames.put(Settings.TLS_SITE_CERTS.key(), "--site-cert");
      flags.put(Settings.TLS_SITE_CERTS.key(), String.join(";", siteCerts));
    }
    put(flags, Settings.TLS_ACME_DIRECTORY.key(), "--acme-directory", acmeDirectory);
    put(flags, Settings.TLS_ACME_EMAIL.key(), "--acme-email", acmeEmail);
    if (!acmeHosts.isEmpty()) {
      flagNames.put(Settings.TLS_ACME_HOSTS.key(), "--acme-host");
      flags.put(Settings.TLS_ACME_HOSTS.key(), String.join(",", acmeHosts));
    }
    put(flags, Settings.TLS_ACME_CA_CERT.key(), "--acme-ca-cert", acmeCaCert);
    put(flags, Settings.TLS_ACME_CHALLENGE.key(), "--acme-challenge", acmeChallenge);
    put(flags, Settings.TLS_ACME_RENEW_BEFORE.key(), "--acme-renew-before", acmeRenewBefore);
    put(flags, Settings.REPLICAS_COUNT.key(), "--replicas", replicas);
    put(flags, Settings.REPLICAS_GRACE.key(), "--replica-grace", replicaGrace);
    put(flags, Settings.REPLICAS_REPAIR_RATE.key(), "--repair-rate", repairRate);
    if (!trustNodes.isEmpty()) {
      flagNames.put(Settings.CLUSTER_TRUSTED_NODES.key(), "--trust-node");
      flags.put(Settings.CLUSTER_TRUSTED_NODES.key(), String.join(",", trustNodes));
    }
    if (!bootstrap.isEmpty()) {
      flagNames.put(Settings.BOOTSTRAP.key(), "--bootstrap");
      flags.put(Settings.BOOTSTRAP.key(), String.join(",", bootstrap));
    }
    if (!sites.isEmpty()) {
      flagNames.put(Settings.SITES.key(), "--site");
      flags.put(Settings.SITES.key(), String.join(",", sites));
    }
    if (allowPrivateOrigins) {
      flagNames.put(Settings.ALLOW_PRIVATE_ORIGINS.key(), "--allow-private-origins");
      flags.put(Settings.ALLOW_PRIVATE_ORIGINS.key(), "true");
    }
    if (noRequestLog) {
      flagNames.put(Settings.REQUEST_LOG.key(), "--no-request-log");
      flags.put(Settings.REQUEST_LOG.key(), "false");
    }
    return flags;
  }

  /** The flag that set each setting, by dotted key, as the user typed it: errors name it. */
  private final Map<String, String> flagNames = new java.util.HashMap<>();

  private void put(Map<String, String> flags, String key, String flag, String value) {
    if (value != null) {
      flags.put(key, value);
      flagNames.put(key, flag);
    }
  }

  /** The flag a user gives a setting with: its own flag when it has one, else {@code --set KEY=VALUE}. */
  String flagOf(String key) {
    return flagNames.getOrDefault(key, "--set " + key + "=…");
  }
}
