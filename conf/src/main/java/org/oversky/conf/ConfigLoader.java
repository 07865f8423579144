package org.oversky.conf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Builds a {@link NodeConfig} from, highest first: command-line flags, environment variables
 * ({@code OVERSKY_…}), the config file, the defaults. A bad value stops with a {@link
 * ConfigException} that names the key, the source and the expected form.
 *
 * <p>The config file is {@code --config FILE} ({@code OVERSKY_CONFIG}), else {@code
 * oversky.yaml} in the data directory when it exists.
 */
public final class ConfigLoader {
  /** Name of the config file inside a data directory. */
  public static final String CONFIG_FILE_NAME = "oversky.yaml";

  /** Flag key that names the config file. */
  public static final String CONFIG_KEY = "config";

  private final Map<String, Sourced> values = new LinkedHashMap<>();

  private record Sourced(String value, String source) {}

  private ConfigLoader() {}

  /**
   * Loads the configuration.
   *
   * @param flags setting keys (and {@code config}) given on the command line, to their values
   * @param env the process environment
   */
  public static NodeConfig load(Map<String, String> flags, Map<String, String> env) {
    return load(flags, env, key -> "--" + key);
  }

  /**
   * As {@link #load(Map, Map)}, naming in errors the flag that gave a setting by {@code flagOf}
   * (the command line's own name for it, such as {@code --site} for {@code sites}).
   */
  public static NodeConfig load(Map<String, String> flags, Map<String, String> env, java.util.function.UnaryOperator<String> flagOf) {
    ConfigLoader loader = new ConfigLoader();
    for (Setting s : Settings.all()) {
      loader.values.put(s.key(), new Sourced(s.defaultValue(), "the default"));
    }
    Path file = loader.configFile(flags, env);
    if (file != null) {
      loader.readFile(file);
    }
    for (Setting s : Settings.all()) {
      String v = env.get(s.envName());
      if (v != null) {
        loader.values.put(s.key(), new Sourced(v, "environment variable " + s.envName()));
      }
    }
    for (Map.Entry<String, String> e : flags.entrySet()) {
      if (e.getKey().equals(CONFIG_KEY)) {
        continue;
      }
      if (Settings.byKey(e.getKey()).isEmpty()) {
        throw new ConfigException(e.getKey(), "unknown setting '" + e.getKey() + "'; see the configuration reference");
      }
      loader.values.put(e.getKey(), new Sourced(e.getValue(), "flag " + flagOf.apply(e.getKey())));
    }
    return loader.build();
  }

  private Path configFile(Map<String, String> flags, Map<String, String> env) {
    String explicit = flags.getOrDefault(CONFIG_KEY, env.get("OVERSKY_CONFIG"));
    if (explicit != null) {
      Path p = Path.of(explicit);
      if (!Files.isRegularFile(p)) {
        throw new ConfigException(CONFIG_KEY, "config file " + p + " does not exist; create it with 'oversky init'");
      }
      return p;
    }
    String data = flags.getOrDefault(Settings.DATA.key(), env.getOrDefault(Settings.DATA.envName(), Settings.DATA.defaultValue()));
    Path p = Path.of(data).resolve(CONFIG_FILE_NAME);
    return Files.isRegularFile(p) ? p : null;
  }

  private void readFile(Path file) {
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
    } catch (IOException e) {
      throw new ConfigException(CONFIG_KEY, "config file " + file + " is not valid YAML: " + e.getMessage());
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      return;
    }
    if (!root.isObject()) {
      throw new ConfigException(CONFIG_KEY, "config file " + file + " must be a YAML mapping of keys to values");
    }
    flatten("", root, file);
  }

  private void flatten(String prefix, JsonNode node, Path file) {
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      String key = prefix + e.getKey();
      JsonNode v = e.getValue();
      if (v.isObject()) {
        flatten(key + ".", v, file);
      } else if (Settings.byKey(key).isEmpty()) {
        throw new ConfigException(key, "unknown setting '" + key + "' in " + file + "; see the configuration reference");
      } else if (key.equals(Settings.SITES.key()) && v.isArray()) {
        values.put(key, new Sourced(sitesFromYaml(v, file), "config file " + file));
      } else if (v.isContainerNode()) {
        throw new ConfigException(
            key, key + " expects " + Settings.byKey(key).get().form() + ", got a list (from config file " + file + ")");
      } else if (!v.isNull()) {
        values.put(key, new Sourced(v.asText(), "config file " + file));
      }
    }
  }

  /** A YAML list of sites, each {@code HOST=URL} or a mapping with host, origin and options, in the flag form. */
  private static String sitesFromYaml(JsonNode list, Path file) {
    List<String> entries = new ArrayList<>();
    for (JsonNode item : list) {
      if (item.isTextual()) {
        entries.add(item.asText());
      } else if (item.isObject() && item.has("host") && item.has("origin")) {
        StringBuilder b = new StringBuilder(item.get("host").asText()).append('=').append(item.get("origin").asText());
        for (Map.Entry<String, JsonNode> opt : item.properties()) {
          if (!opt.getKey().equals("host") && !opt.getKey().equals("origin")) {
            b.append(';').append(opt.getKey()).append('=').append(opt.getValue().asText());
          }
        }
        entries.add(b.toString());
      } else {
        throw new ConfigException(
            Settings.SITES.key(),
            "each entry of sites in " + file + " is HOST=URL or a mapping with host and origin, got " + item);
      }
    }
    return String.join(",", entries);
  }

  private <T> T get(Setting s, Function<String, T> parse) {
    Sourced v = values.get(s.key());
    try {
      return parse.apply(v.value());
    } catch (IllegalArgumentException e) {
      // what is wrong with the value, when the parser says more than that it is wrong
      String why = e.getMessage() == null || e.getMessage().isBlank() ? "" : ": " + e.getMessage();
      throw new ConfigException(
          s.key(), s.key() + " expects " + s.form() + ", got '" + v.value() + "'" + why + " (from " + v.source() + ")");
    }
  }

  private NodeConfig build() {
    HostPort listen = get(Settings.LISTEN, HostPort::parse);
    Path data = get(Settings.DATA, v -> {
      if (v.isBlank()) {
        throw new IllegalArgumentException("empty");
      }
      return Path.of(v);
    });
    String publicText = values.get(Settings.PUBLIC_URL.key()).value();
    URI publicUrl =
        publicText.isBlank() ? derivePublicUrl(listen) : get(Settings.PUBLIC_URL, ConfigLoader::parseBaseUrl);
    StoreConfig store =
        new StoreConfig(
            get(Settings.HOT_BYTES, Values::parseSize),
            get(Settings.HOT_MAX_OBJECT, Values::parseSize),
            get(Settings.INLINE_MAX, Values::parseSize),
            get(Settings.DISK_BYTES, ConfigLoader::positiveSize));
    Duration connect = get(Settings.CONNECT_TIMEOUT, ConfigLoader::positiveDuration);
    Duration read = get(Settings.READ_TIMEOUT, ConfigLoader::positiveDuration);
    int redirects = get(Settings.MAX_REDIRECTS, v -> {
      int n = Integer.parseInt(v.trim());
      if (n < 0 || n > 20) {
        throw new IllegalArgumentException("out of range");
      }
      return n;
    });
    FetchConfig fetch =
        new FetchConfig(
            get(Settings.ALLOW_PRIVATE_ORIGINS, Values::parseBoolean),
            connect,
            read,
            get(Settings.MAX_BODY, ConfigLoader::positiveSize),
            redirects);
    CacheConfig cache =
        new CacheConfig(
            get(Settings.HEURISTIC_PERCENT, v -> {
              int n = Integer.parseInt(v.trim());
              if (n < 0 || n > 100) {
                throw new IllegalArgumentException("out of range");
              }
              return n;
            }),
            get(Settings.HEURISTIC_MAX, Values::parseDuration),
            get(Settings.STALE_IF_ERROR, Values::parseDuration),
            get(Settings.STALE_ON_DISCONNECT, Values::parseDuration),
            get(Settings.RANGE_FILL_MAX, Values::parseSize));
    int soft = get(Settings.SOFT_CAPACITY, ConfigLoader::positiveCount);
    int hard = get(Settings.HARD_CAPACITY, ConfigLoader::positiveCount);
    if (hard <= soft) {
      throw new ConfigException(
          Settings.HARD_CAPACITY.key(),
          Settings.HARD_CAPACITY.key() + " (" + hard + ") must be more than " + Settings.SOFT_CAPACITY.key() + " (" + soft
              + "); raise --hard-capacity or lower --soft-capacity");
    }
    return new NodeConfig(
        listen,
        data,
        publicUrl,
        get(Settings.REQUEST_LOG, Values::parseBoolean),
        get(Settings.SITES, ConfigLoader::parseSites),
        values.get(Settings.ADMIN_TOKEN.key()).value().trim(),
        cache,
        store,
        fetch,
        dht(),
        new ClusterSettings(
            values.get(Settings.CLUSTER_SECRET.key()).value().trim(),
            get(Settings.CLUSTER_TRUSTED_NODES, v -> {
              List<String> ids = new ArrayList<>();
              for (String id : v.split(",")) {
                if (!id.isBlank()) {
                  String t = id.trim().toLowerCase(java.util.Locale.ROOT);
                  if (!t.matches("[0-9a-f]{64}")) {
                    throw new IllegalArgumentException("not a node id");
                  }
                  ids.add(t);
                }
              }
              return ids;
            }),
            get(Settings.CLUSTER_LOOKUP_BUDGET, ConfigLoader::positiveDuration),
            get(Settings.CLUSTER_COLLAPSE_WAIT, Values::parseDuration),
            get(Settings.CLUSTER_RECORD_COPIES, ConfigLoader::positiveCount)),
        new HttpServerConfig(
            get(Settings.REQUEST_HEAD_TIMEOUT, ConfigLoader::positiveDuration),
            get(Settings.IDLE_TIMEOUT, ConfigLoader::positiveDuration),
            get(Settings.ACCESS_LOG_FORMAT, v -> switch (v.trim().toLowerCase(java.util.Locale.ROOT)) {
              case "combined" -> false;
              case "json" -> true;
              default -> throw new IllegalArgumentException("neither combined nor json");
            }),
            get(Settings.ACCESS_LOG_FILE, v -> v.isBlank() ? java.util.Optional.<Path>empty() : java.util.Optional.of(Path.of(v.trim())))),
        new RoutingSettings(
            get(Settings.NODE_REGION, v -> {
              if (!v.trim().matches(RoutingSettings.REGION_PATTERN)) {
                throw new IllegalArgumentException("not a region name");
              }
              return v.trim();
            }),
            get(Settings.REGION_MAP, v -> v.isBlank() ? java.util.Optional.<Path>empty() : java.util.Optional.of(Path.of(v.trim()))),
            get(Settings.GEOIP, v -> v.isBlank() ? java.util.Optional.<Path>empty() : java.util.Optional.of(Path.of(v.trim()))),
            soft,
            hard),
        dns(),
        new ReplicaSettings(
            get(Settings.REPLICAS_COUNT, ConfigLoader::positiveCount),
            get(Settings.REPLICAS_GRACE, Values::parseDuration),
            get(Settings.REPLICAS_REPAIR_RATE, v -> {
              long n = Values.parseSize(v);
              if (n < 1) {
                throw new IllegalArgumentException("not a positive size");
              }
              return n;
            })),
        tls());
  }

  private TlsSettings tls() {
    java.util.Optional<HostPort> listen =
        get(Settings.TLS_LISTEN, v -> v.isBlank() ? java.util.Optional.<HostPort>empty() : java.util.Optional.of(HostPort.parse(v.trim())));
    List<TlsSettings.SiteCert> certs = get(Settings.TLS_SITE_CERTS, v -> {
      List<TlsSettings.SiteCert> out = new ArrayList<>();
      for (String entry : v.split(";")) {
        if (entry.isBlank()) {
          continue;
        }
        int eq = entry.indexOf('=');
        int comma = entry.indexOf(',', Math.max(eq, 0));
        if (eq <= 0 || comma < 0) {
          throw new IllegalArgumentException("'" + entry.trim() + "' is not HOST=CERT.pem,KEY.pem");
        }
        String host = entry.substring(0, eq).trim().toLowerCase(java.util.Locale.ROOT);
        Path cert = Path.of(entry.substring(eq + 1, comma).trim());
        Path key = Path.of(entry.substring(comma + 1).trim());
        for (Path file : List.of(cert, key)) {
          if (!java.nio.file.Files.isReadable(file)) {
            throw new IllegalArgumentException("cannot read " + file.toAbsolutePath() + " (for " + host + "); give the path of a PEM file this user can read");
          }
        }
        out.add(new TlsSettings.SiteCert(host, cert, key));
      }
      return out;
    });
    TlsSettings.Acme acme = acme(certs);
    if (listen.isPresent() && certs.isEmpty() && !acme.on()) {
      throw new ConfigException(Settings.TLS_SITE_CERTS.key(),
          "tls.listen (--tls-listen) needs a certificate: give --site-cert HOST=CERT.pem,KEY.pem for each site served over TLS,"
              + " or --acme-directory URL to order them");
    }
    if (acme.on() && listen.isEmpty()) {
      throw new ConfigException(Settings.TLS_ACME_DIRECTORY.key(),
          "certificates from --acme-directory are served on a TLS listener: give --tls-listen IP:PORT (such as 0.0.0.0:443)");
    }
    return new TlsSettings(listen, certs, acme);
  }

  /** The ACME settings; its hosts default to every site host without a certificate of its own. */
  private TlsSettings.Acme acme(List<TlsSettings.SiteCert> certs) {
    java.util.Optional<URI> directory = get(Settings.TLS_ACME_DIRECTORY, v -> {
      if (v.isBlank()) {
        return java.util.Optional.<URI>empty();
      }
      URI u = URI.create(v.trim());
      if (!"https".equalsIgnoreCase(u.getScheme()) || u.getHost() == null) {
        throw new IllegalArgumentException("not an https URL (an ACME server is asked over HTTPS only)");
      }
      return java.util.Optional.of(u);
    });
    List<String> named = get(Settings.TLS_ACME_HOSTS, v -> {
      List<String> out = new ArrayList<>();
      for (String h : v.split(",")) {
        String host = h.trim().toLowerCase(java.util.Locale.ROOT);
        if (host.isEmpty()) {
          continue;
        }
        if (!host.matches("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+") || host.matches(".*\\.[0-9]+")) {
          throw new IllegalArgumentException("'" + host + "' is not a host name with a dot (an ACME server issues for public names, no IP addresses or wildcards here)");
        }
        out.add(host);
      }
      return out;
    });
    List<String> hosts = named;
    if (hosts.isEmpty() && directory.isPresent()) {
      java.util.Set<String> covered = new java.util.HashSet<>();
      certs.forEach(c -> covered.add(c.host()));
      hosts = get(Settings.SITES, ConfigLoader::parseSites).stream().map(SiteConfig::host)
          .filter(h -> !covered.contains(h) && h.contains(".") && !h.startsWith("*")).toList();
      if (hosts.isEmpty()) {
        throw new ConfigException(Settings.TLS_ACME_HOSTS.key(),
            "--acme-directory has no names to order certificates for: give --acme-host HOST, or a --site without a --site-cert");
      }
    }
    java.util.Optional<Path> caCert = get(Settings.TLS_ACME_CA_CERT, v -> {
      if (v.isBlank()) {
        return java.util.Optional.<Path>empty();
      }
      Path file = Path.of(v.trim());
      if (!java.nio.file.Files.isReadable(file)) {
        throw new IllegalArgumentException("cannot read " + file.toAbsolutePath() + "; give the path of a PEM certificate this user can read");
      }
      return java.util.Optional.of(file);
    });
    return new TlsSettings.Acme(directory, get(Settings.TLS_ACME_EMAIL, String::trim), hosts, caCert,
        get(Settings.TLS_ACME_RENEW_BEFORE, Values::parseDuration), get(Settings.TLS_ACME_CHECK_EVERY, ConfigLoader::positiveDuration),
        get(Settings.TLS_ACME_CHALLENGE, v -> {
          String c = v.trim().toLowerCase(java.util.Locale.ROOT);
          if (!c.equals(TlsSettings.Acme.HTTP_01) && !c.equals(TlsSettings.Acme.TLS_ALPN_01)) {
            throw new IllegalArgumentException("not http-01 or tls-alpn-01");
          }
          return c;
        }));
  }

  private DnsSettings dns() {
    java.util.Optional<HostPort> listen = get(Settings.DNS_LISTEN, v -> v.isBlank() ? java.util.Optional.<HostPort>empty() : java.util.Optional.of(HostPort.parse(v.trim())));
    java.util.Optional<String> zone = get(Settings.DNS_ZONE, v -> {
      if (v.isBlank()) {
        return java.util.Optional.<String>empty();
      }
      String z = v.trim().toLowerCase(java.util.Locale.ROOT);
      z = z.endsWith(".") ? z.substring(0, z.length() - 1) : z;
      if (!z.matches(DnsSettings.ZONE_PATTERN)) {
        throw new IllegalArgumentException("not a DNS name");
      }
      return java.util.Optional.of(z);
    });
    if (listen.isPresent() != zone.isPresent()) {
      String missing = listen.isPresent() ? Settings.DNS_ZONE.key() : Settings.DNS_LISTEN.key();
      throw new ConfigException(missing, "DNS needs both dns.listen (--dns-listen) and dns.zone (--dns-zone); give " + missing + " too");
    }
    int rateLimit = get(Settings.DNS_RATE_LIMIT, v -> {
      int n = Integer.parseInt(v.trim());
      if (n < 0) {
        throw new IllegalArgumentException("negative");
      }
      return n;
    });
    java.util.Map<String, String> nameServers = get(Settings.DNS_NAMESERVERS, v -> {
      java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
      for (String pair : v.split(",")) {
        if (pair.isBlank()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String name = eq < 0 ? "" : pair.substring(0, eq).trim().toLowerCase(java.util.Locale.ROOT);
        String ip = eq < 0 ? "" : pair.substring(eq + 1).trim();
        name = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        if (!name.matches(DnsSettings.ZONE_PATTERN) || !(ip.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}") || ip.matches("[0-9a-fA-F:]+:[0-9a-fA-F:.]*"))) {
          throw new IllegalArgumentException("not NAME=IP");
        }
        out.put(name, ip);
      }
      return out;
    });
    DnsSettings.Dnslink dnslink = new DnsSettings.Dnslink(
        get(Settings.DNSLINK_HOSTS, v -> {
          java.util.List<String> hosts = java.util.Arrays.stream(v.split(",")).map(String::trim).filter(h -> !h.isEmpty()).toList();
          new DnsSettings.Dnslink(hosts, java.util.Optional.empty()); // checks each
          return hosts;
        }),
        get(Settings.DNSLINK_RESOLVER, v -> v.isBlank() ? java.util.Optional.<HostPort>empty() : java.util.Optional.of(HostPort.parse(v.trim()))));
    return new DnsSettings(listen, zone, rateLimit, nameServers, dnsUpdate(zone), dnslink);
  }

  private java.util.Optional<DnsSettings.Update> dnsUpdate(java.util.Optional<String> servedZone) {
    java.util.Optional<HostPort> server = get(Settings.DNS_UPDATE_SERVER, v -> v.isBlank() ? java.util.Optional.<HostPort>empty() : java.util.Optional.of(HostPort.parse(v.trim())));
    java.util.Optional<String> zone = get(Settings.DNS_UPDATE_ZONE, v -> {
      String z = v.trim().toLowerCase(java.util.Locale.ROOT);
      z = z.endsWith(".") ? z.substring(0, z.length() - 1) : z;
      if (!z.isEmpty() && !z.matches(DnsSettings.ZONE_PATTERN)) {
        throw new IllegalArgumentException("not a DNS name");
      }
      return z.isEmpty() ? java.util.Optional.<String>empty() : java.util.Optional.of(z);
    });
    java.util.Optional<Path> key = get(Settings.DNS_UPDATE_KEY, v -> v.isBlank() ? java.util.Optional.<Path>empty() : java.util.Optional.of(Path.of(v.trim())));
    java.time.Duration ttl = get(Settings.DNS_UPDATE_TTL, v -> {
      java.time.Duration d = positiveDuration(v);
      if (d.toSeconds() < 10 || d.toSeconds() > 60) {
        throw new IllegalArgumentException("outside 10s to 60s");
      }
      return d;
    });
    if (server.isEmpty()) {
      if (key.isPresent() || zone.isPresent()) {
        throw new ConfigException(Settings.DNS_UPDATE_SERVER.key(), "dns.update-key and dns.update-zone need dns.update-server (--dns-update-server HOST:PORT), the zone's primary");
      }
      return java.util.Optional.empty();
    }
    if (key.isEmpty()) {
      throw new ConfigException(Settings.DNS_UPDATE_KEY.key(), "dynamic DNS updates are signed: give dns.update-key (--dns-update-key FILE), a key file as tsig-keygen -a hmac-sha256 NAME writes it");
    }
    String updated = zone.or(() -> servedZone).orElseThrow(() -> new ConfigException(Settings.DNS_UPDATE_ZONE.key(),
        "give the zone to update at " + server.get() + ": dns.update-zone (--dns-update-zone), or dns.zone"));
    return java.util.Optional.of(new DnsSettings.Update(server.get(), updated, key.get(), (int) ttl.toSeconds()));
  }

  private static int positiveCount(String v) {
    int n = Integer.parseInt(v.trim());
    if (n < 1) {
      throw new IllegalArgumentException("not positive");
    }
    return n;
  }

  private DhtSettings dht() {
    List<URI> bootstrap = get(Settings.BOOTSTRAP, v -> {
      List<URI> urls = new ArrayList<>();
      for (String u : v.split(",")) {
        if (!u.isBlank()) {
          urls.add(parseBaseUrl(u));
        }
      }
      return urls;
    });
    DhtSettings.KeyMiss miss = get(Settings.KEY_MISS, v -> switch (v.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "redirect" -> DhtSettings.KeyMiss.REDIRECT;
      case "proxy" -> DhtSettings.KeyMiss.PROXY;
      default -> throw new IllegalArgumentException("neither redirect nor proxy");
    });
    Duration ttl = get(Settings.PROVIDER_TTL, ConfigLoader::positiveDuration);
    Duration republish = get(Settings.REPUBLISH_INTERVAL, ConfigLoader::positiveDuration);
    if (republish.compareTo(ttl) >= 0) {
      throw new ConfigException(
          Settings.REPUBLISH_INTERVAL.key(),
          Settings.REPUBLISH_INTERVAL.key() + " (" + republish + ") must be shorter than " + Settings.PROVIDER_TTL.key()
              + " (" + ttl + "), or provider records expire before they are renewed");
    }
    return new DhtSettings(
        bootstrap,
        miss,
        ttl,
        republish,
        get(Settings.REFRESH_INTERVAL, ConfigLoader::positiveDuration),
        get(Settings.LOOKUP_TIMEOUT, ConfigLoader::positiveDuration));
  }

  private static List<SiteConfig> parseSites(String v) {
    List<SiteConfig> sites = new ArrayList<>();
    Set<String> hosts = new HashSet<>();
    for (String entry : v.split(",")) {
      if (entry.isBlank()) {
        continue;
      }
      SiteConfig site;
      try {
        site = SiteConfig.parse(entry);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("in '" + entry.trim() + "', " + e.getMessage(), e);
      }
      if (!hosts.add(site.host())) {
        throw new IllegalArgumentException("the host " + site.host() + " is configured twice");
      }
      sites.add(site);
    }
    return sites;
  }

  private static long positiveSize(String v) {
    long n = Values.parseSize(v);
    if (n <= 0) {
      throw new IllegalArgumentException("not positive");
    }
    return n;
  }

  private static Duration positiveDuration(String v) {
    Duration d = Values.parseDuration(v);
    if (d.isZero()) {
      throw new IllegalArgumentException("zero");
    }
    return d;
  }

  private static URI parseBaseUrl(String v) {
    try {
      URI u = new URI(v.trim());
      if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null) {
        throw new IllegalArgumentException("not an http(s) URL");
      }
      String s = u.toString();
      return URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /** The URL a node reaches itself at when no public URL is set: the listen address, loopback for wildcards. */
  public static URI derivePublicUrl(HostPort listen) {
    String host = listen.host();
    if (host.equals("0.0.0.0") || host.equals("::") || host.equals("*")) {
      host = "127.0.0.1";
    }
    return URI.create("http://" + new HostPort(host, listen.port()));
  }
}
