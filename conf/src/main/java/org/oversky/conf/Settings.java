package org.oversky.conf;

import java.util.List;
import java.util.Optional;

/** Every key a node understands, in the order the config file lists them. */
public final class Settings {
  public static final Setting LISTEN =
      new Setting("listen", "0.0.0.0:8080", "HOST:PORT", "Address and port the HTTP server listens on.");
  public static final Setting DATA =
      new Setting("data", "./oversky-data", "a directory path", "Data directory: identity, index and stored bodies.");
  public static final Setting PUBLIC_URL =
      new Setting(
          "public-url",
          "",
          "an http(s) URL such as http://node1.example.net:8080",
          "Base URL clients and peers use to reach this node (default: http://<listen host>:<port>).");
  public static final Setting ALLOW_PRIVATE_ORIGINS =
      new Setting(
          "allow-private-origins",
          "false",
          "true or false",
          "Allow fetching loopback, link-local and private addresses (off: the node is no SSRF tool).");
  public static final Setting REQUEST_LOG =
      new Setting("request-log", "true", "true or false", "Log one line per request (--no-request-log: none), in access-log.format.");
  public static final Setting ACCESS_LOG_FORMAT =
      new Setting(
          "access-log.format",
          "combined",
          "combined or json",
          "The request log's lines (--access-log-format): the combined format then \"CACHE-STATUS\" DURATION_MS UPSTREAM_MS, or one JSON object a line.");
  public static final Setting ACCESS_LOG_FILE =
      new Setting(
          "access-log.file",
          "",
          "a file path",
          "The file request log lines are appended to (--access-log); rotate it with logrotate's copytruncate. Empty: the logger oversky.access, in the node's log.");
  public static final Setting SITES =
      new Setting(
          "sites",
          "",
          "HOST=ORIGINS[;OPTION=VALUE]... with the options default-ttl, ignore-set-cookie, routing, shield, check, check-interval, dns-name and replicas, several separated by commas",
          "Sites to cache: requests for HOST go to the origin URL (--site, repeatable).");
  public static final Setting ADMIN_TOKEN =
      new Setting(
          "admin-token",
          "",
          "a secret string",
          "Bearer token for the admin API (cache purge); empty turns the admin API off.");
  public static final Setting HEURISTIC_PERCENT =
      new Setting(
          "cache.heuristic-percent",
          "10",
          "a whole number from 0 to 100",
          "Freshness of a response with only Last-Modified, as a percent of its age.");
  public static final Setting HEURISTIC_MAX =
      new Setting("cache.heuristic-max", "1d", "a duration such as 1d", "Cap on heuristic freshness.");
  public static final Setting STALE_IF_ERROR =
      new Setting(
          "cache.stale-if-error",
          "0s",
          "a duration such as 5m",
          "Serve stored responses this long past freshness when the origin fails, even without stale-if-error.");
  public static final Setting STALE_ON_DISCONNECT =
      new Setting(
          "cache.stale-on-disconnect",
          "1d",
          "a duration such as 1d (0s: never)",
          "Serve stored responses up to this long past freshness when the origin cannot be reached (refused, reset, timed out), unless they forbid stale.");
  public static final Setting RANGE_FILL_MAX =
      new Setting(
          "cache.range-fill-max",
          "4GiB",
          "a size such as 4GiB",
          "A range request on a miss fills the whole object in the background, once, up to this size; ranges of larger ones pass through.");
  public static final Setting HOT_BYTES =
      new Setting("store.hot-bytes", "64MiB", "a size such as 64MiB", "Heap given to the hot tier (bodies kept as bytes).");
  public static final Setting HOT_MAX_OBJECT =
      new Setting("store.hot-max-object", "256KiB", "a size such as 256KiB", "Largest body the hot tier keeps.");
  public static final Setting INLINE_MAX =
      new Setting(
          "store.inline-max", "16KiB", "a size such as 16KiB", "Bodies up to this size are kept inside the index file.");
  public static final Setting DISK_BYTES =
      new Setting("store.disk-bytes", "10GiB", "a size such as 10GiB", "Budget for all stored bodies; past it, eviction.");
  public static final Setting CONNECT_TIMEOUT =
      new Setting("fetch.connect-timeout", "5s", "a duration such as 5s or 500ms", "Time to connect to an origin.");
  public static final Setting READ_TIMEOUT =
      new Setting(
          "fetch.read-timeout", "30s", "a duration such as 30s", "Longest silence while reading an origin's response.");
  public static final Setting MAX_BODY =
      new Setting("fetch.max-body", "4GiB", "a size such as 4GiB", "Largest body fetched from an origin.");
  public static final Setting MAX_REDIRECTS =
      new Setting("fetch.max-redirects", "5", "a whole number from 0 to 20", "Redirects followed when fetching.");

  public static final Setting REQUEST_HEAD_TIMEOUT =
      new Setting(
          "http.request-head-timeout",
          "10s",
          "a duration such as 10s",
          "A request's line and header fields must arrive within this time of its first byte, or the connection is closed.");
  public static final Setting IDLE_TIMEOUT =
      new Setting(
          "http.idle-timeout",
          "30s",
          "a duration such as 30s",
          "Longest silence on a client connection: between requests, and while a request body or a response is in transit.");

  public static final Setting BOOTSTRAP =
      new Setting(
          "dht.bootstrap",
          "",
          "base URLs such as http://node1.example.net:8080, separated by commas",
          "Nodes to join the DHT through at start (--bootstrap, repeatable).");
  public static final Setting KEY_MISS =
      new Setting(
          "dht.key-miss",
          "redirect",
          "redirect or proxy",
          "GET /key/ for a body held elsewhere: 302 to a provider, or fetch, verify and serve it.");
  public static final Setting PROVIDER_TTL =
      new Setting("dht.provider-ttl", "48h", "a duration such as 48h", "How long provider records live in the DHT.");
  public static final Setting REPUBLISH_INTERVAL =
      new Setting(
          "dht.republish-interval",
          "22h",
          "a duration shorter than dht.provider-ttl",
          "How often the node announces again the bodies it holds.");
  public static final Setting REFRESH_INTERVAL =
      new Setting(
          "dht.refresh-interval",
          "1h",
          "a duration such as 1h",
          "A routing-table bucket no lookup went through for this long is refreshed.");
  public static final Setting LOOKUP_TIMEOUT =
      new Setting("dht.lookup-timeout", "10s", "a duration such as 10s", "The bound on one DHT lookup.");

  public static final Setting CLUSTER_SECRET =
      new Setting(
          "cluster.secret",
          "",
          "a secret string shared by the site's nodes",
          "Nodes with the same secret trust each other's URL records: a miss on one is filled from another (--cluster-secret).");
  public static final Setting CLUSTER_TRUSTED_NODES =
      new Setting(
          "cluster.trusted-nodes",
          "",
          "node ids (64 hex digits), separated by commas",
          "Further nodes whose URL records are trusted, without the secret (--trust-node, repeatable).");
  public static final Setting CLUSTER_LOOKUP_BUDGET =
      new Setting(
          "cluster.lookup-budget",
          "150ms",
          "a duration such as 150ms",
          "How long a miss looks for the URL's record in the DHT before it goes to the origin.");
  public static final Setting NODE_REGION =
      new Setting(
          "node.region",
          "default",
          "a region name such as eu-west (letters, digits, '.', '_', '-')",
          "The region this node serves from (--region): request routing keeps clients in their own region.");
  public static final Setting REGION_MAP =
      new Setting(
          "routing.region-map",
          "",
          "a file path",
          "Coverage zones (--region-map): client prefixes by region in Traffic Control's JSON, {\"coverageZones\": {\"eu\": {\"network\": [\"10.0.0.0/8\"], \"network6\": []}}}; read at start.");
  public static final Setting GEOIP =
      new Setting(
          "routing.geoip",
          "",
          "a file path",
          "A MaxMind GeoIP2/GeoLite2 country or city database (.mmdb, --geoip): clients no coverage zone holds are placed by country or continent, as the region map's geoRegions say; read at start.");
  public static final Setting DNS_LISTEN =
      new Setting(
          "dns.listen",
          "",
          "HOST:PORT such as 127.0.1.1:5353",
          "Where this node answers DNS for dns.zone, over UDP and TCP (--dns-listen); off when empty.");
  public static final Setting DNS_ZONE =
      new Setting(
          "dns.zone",
          "",
          "a DNS name such as cdn.example.net",
          "The CDN's zone (--dns-zone): each site's name is its host with dots as dashes under it (site.test: site-test.cdn.example.net).");
  public static final Setting DNS_RATE_LIMIT =
      new Setting(
          "dns.rate-limit",
          "20",
          "a whole number of answers a second, 0 for none",
          "UDP answers a second to one source /24 (/56) for one name and type (--dns-rate-limit); past it they are dropped, every second one sent truncated (TC); 0: no limit.");
  public static final Setting DNS_NAMESERVERS =
      new Setting(
          "dns.nameservers",
          "",
          "NAME=IP pairs separated by commas, such as ns1.cdn.example.net=192.0.2.1,ns2.cdn.example.net=198.51.100.1",
          "The zone's name servers as the parent zone delegates to them (--dns-nameserver, repeatable), the first the SOA's primary; empty: ns1.ZONE at dns.listen's address.");
  public static final Setting DNS_UPDATE_SERVER =
      new Setting(
          "dns.update-server",
          "",
          "HOST:PORT of the zone's primary, such as 192.0.2.53:53",
          "An authoritative server the operator runs (BIND 9, Knot, PowerDNS) whose A/AAAA records of each site's name one node per region keeps current with RFC 2136 UPDATEs signed by dns.update-key (--dns-update-server); off when empty.");
  public static final Setting DNS_UPDATE_ZONE =
      new Setting(
          "dns.update-zone",
          "",
          "a DNS name such as cdn.example.net",
          "The zone updated at dns.update-server, under which each site has its name as in dns.zone (--dns-update-zone); empty: dns.zone.");
  public static final Setting DNS_UPDATE_KEY =
      new Setting(
          "dns.update-key",
          "",
          "a file path",
          "The TSIG key that signs the updates, a file as tsig-keygen -a hmac-sha256 NAME writes it, the same the primary's allow-update or update-policy names (--dns-update-key); read at start.");
  public static final Setting DNS_UPDATE_TTL =
      new Setting(
          "dns.update-ttl",
          "30s",
          "a duration from 10s to 60s",
          "The TTL of the address records the updates write (--dns-update-ttl): how long resolvers may keep a node that has since been removed.");
  public static final Setting DNSLINK_HOSTS =
      new Setting(
          "dnslink.hosts",
          "",
          "host names separated by commas, each exact or *.SUFFIX",
          "Hosts served from the content key their _dnslink.HOST TXT record names, dnslink=/key/SHA256 (--dnslink-host, repeatable): a content-addressed site root, cached for the record's TTL.");
  public static final Setting DNSLINK_RESOLVER =
      new Setting(
          "dnslink.resolver",
          "",
          "HOST:PORT of a DNS resolver, such as 127.0.0.53:53",
          "The resolver asked for _dnslink TXT records (--dnslink-resolver); empty: the first of the system's (/etc/resolv.conf).");
  public static final Setting SOFT_CAPACITY =
      new Setting(
          "routing.soft-capacity",
          "256",
          "a whole number of requests, 1 or more",
          "Requests in flight above which routing sends this node fewer new clients (--soft-capacity).");
  public static final Setting HARD_CAPACITY =
      new Setting(
          "routing.hard-capacity",
          "1024",
          "a whole number of requests, more than routing.soft-capacity",
          "Requests in flight at which this node answers new site and /key/ requests 503 with Retry-After, and routing leaves it out (--hard-capacity).");
  public static final Setting TLS_LISTEN =
      new Setting(
          "tls.listen",
          "",
          "IP:PORT such as 0.0.0.0:443",
          "Where the node terminates TLS, HTTP/1.1 and h2 chosen by ALPN (--tls-listen); needs tls.site-certs or tls.acme-directory; off when empty.");
  public static final Setting TLS_SITE_CERTS =
      new Setting(
          "tls.site-certs",
          "",
          "HOST=CERT.pem,KEY.pem entries separated by semicolons",
          "Each site's certificate chain and PKCS #8 private key as PEM files, chosen by the name the client asks for (SNI) (--site-cert, repeatable).");
  public static final Setting TLS_ACME_DIRECTORY =
      new Setting(
          "tls.acme-directory",
          "",
          "an https URL, such as the directory URL your certificate authority publishes",
          "The ACME (RFC 8555) server that issues certificates for the sites without tls.site-certs (--acme-directory); needs tls.listen and cluster.secret when more than one node serves the site; off when empty.");
  public static final Setting TLS_ACME_EMAIL =
      new Setting(
          "tls.acme-email",
          "",
          "an email address",
          "The ACME account's contact, told of expiring certificates (--acme-email); empty: none.");
  public static final Setting TLS_ACME_HOSTS =
      new Setting(
          "tls.acme-hosts",
          "",
          "host names separated by commas",
          "The names certificates are ordered for (--acme-host, repeatable); empty: every host of sites without a tls.site-certs entry.");
  public static final Setting TLS_ACME_CA_CERT =
      new Setting(
          "tls.acme-ca-cert",
          "",
          "the path of a PEM certificate",
          "Also trust this certificate authority for the ACME server's own HTTPS (--acme-ca-cert): a private or test ACME server; empty: the system's trust only.");
  public static final Setting TLS_ACME_CHALLENGE =
      new Setting(
          "tls.acme-challenge",
          "http-01",
          "http-01 or tls-alpn-01",
          "How the ACME server checks that the cluster serves a name (--acme-challenge): http-01 asks port 80 of the name, tls-alpn-01 port 443 (tls.listen).");
  public static final Setting TLS_ACME_RENEW_BEFORE =
      new Setting(
          "tls.acme-renew-before",
          "30d",
          "a duration such as 30d",
          "How long before a certificate expires it is renewed (--acme-renew-before).");
  public static final Setting TLS_ACME_CHECK_EVERY =
      new Setting(
          "tls.acme-check-every",
          "1h",
          "a duration such as 1h",
          "How often a node checks its certificates for renewal and looks for the cluster's newer ones; a node without a certificate looks every 5 s.");
  public static final Setting REPLICAS_COUNT =
      new Setting(
          "replicas.count",
          "3",
          "a whole number, 1 or more",
          "How many nodes hold each registered body, spread over at least 2 regions when the network has them (--replicas); 1: no copies but the first.");
  public static final Setting REPLICAS_GRACE =
      new Setting(
          "replicas.grace",
          "10s",
          "a duration such as 10s",
          "How long a holder may be down (by the view's quorum) before the next node in placement order copies its bodies (--replica-grace).");
  public static final Setting REPLICAS_REPAIR_RATE =
      new Setting(
          "replicas.repair-rate",
          "16m",
          "a size a second such as 16m",
          "The most bytes a second this node copies from other holders to repair or place copies (--repair-rate).");
  public static final Setting CLUSTER_COLLAPSE_WAIT =
      new Setting(
          "cluster.collapse-wait",
          "2s",
          "a duration such as 2s",
          "How long a miss waits for another node of the cluster that is fetching the same URL (0s: never).");

  public static final Setting CLUSTER_RECORD_COPIES =
      new Setting(
          "cluster.record-copies",
          "3",
          "a whole number, 1 or more",
          "How many nodes of the cluster's view hold each URL record, chosen by rendezvous hashing over the view's live nodes: more copies find a record on the node itself more often, fewer send fewer messages per fill.");

  private static final List<Setting> ALL =
      List.of(
          LISTEN,
          DATA,
          PUBLIC_URL,
          ALLOW_PRIVATE_ORIGINS,
          REQUEST_LOG,
          ACCESS_LOG_FORMAT,
          ACCESS_LOG_FILE,
          SITES,
          ADMIN_TOKEN,
          HEURISTIC_PERCENT,
          HEURISTIC_MAX,
          STALE_IF_ERROR,
          STALE_ON_DISCONNECT,
          RANGE_FILL_MAX,
          HOT_BYTES,
          HOT_MAX_OBJECT,
          INLINE_MAX,
          DISK_BYTES,
          CONNECT_TIMEOUT,
          READ_TIMEOUT,
          MAX_BODY,
          MAX_REDIRECTS,
          REQUEST_HEAD_TIMEOUT,
          IDLE_TIMEOUT,
          BOOTSTRAP,
          KEY_MISS,
          PROVIDER_TTL,
          REPUBLISH_INTERVAL,
          REFRESH_INTERVAL,
          LOOKUP_TIMEOUT,
          CLUSTER_SECRET,
          CLUSTER_TRUSTED_NODES,
          CLUSTER_LOOKUP_BUDGET,
          CLUSTER_COLLAPSE_WAIT,
          CLUSTER_RECORD_COPIES,
          NODE_REGION,
          REGION_MAP,
          GEOIP,
          SOFT_CAPACITY,
          HARD_CAPACITY,
          TLS_LISTEN,
          TLS_SITE_CERTS,
          TLS_ACME_DIRECTORY,
          TLS_ACME_EMAIL,
          TLS_ACME_HOSTS,
          TLS_ACME_CA_CERT,
          TLS_ACME_CHALLENGE,
          TLS_ACME_RENEW_BEFORE,
          TLS_ACME_CHECK_EVERY,
          REPLICAS_COUNT,
          REPLICAS_GRACE,
          REPLICAS_REPAIR_RATE,
          DNS_LISTEN,
          DNS_ZONE,
          DNS_RATE_LIMIT,
          DNS_NAMESERVERS,
          DNS_UPDATE_SERVER,
          DNS_UPDATE_ZONE,
          DNS_UPDATE_KEY,
          DNS_UPDATE_TTL,
          DNSLINK_HOSTS,
          DNSLINK_RESOLVER);

  private Settings() {}

  /** All keys, in file order. */
  public static List<Setting> all() {
    return ALL;
  }

  /** The setting with this dotted key, if there is one. */
  public static Optional<Setting> byKey(String key) {
    return ALL.stream().filter(s -> s.key().equals(key)).findFirst();
  }
}
