package org.oversky.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ConfigLoaderTest {
  private static final long KIB = 1024;
  private static final long MIB = 1024 * KIB;
  private static final long GIB = 1024 * MIB;

  @TempDir Path dir;

  @Test
  void everySettingHasItsDefaultWhenNothingIsSet() {
    assertFalse(
        Files.exists(Path.of(Settings.DATA.defaultValue(), ConfigLoader.CONFIG_FILE_NAME)),
        "precondition: no config file in the default data directory");

    NodeConfig config = ConfigLoader.load(Map.of(), Map.of());

    assertEquals(
        new NodeConfig(
            new HostPort("0.0.0.0", 8080),
            Path.of("./oversky-data"),
            URI.create("http://127.0.0.1:8080"),
            true,
            List.of(),
            "",
            new CacheConfig(10, Duration.ofDays(1), Duration.ZERO, Duration.ofDays(1), 4 * GIB),
            new StoreConfig(64 * MIB, 256 * KIB, 16 * KIB, 10 * GIB),
            new FetchConfig(false, Duration.ofSeconds(5), Duration.ofSeconds(30), 4 * GIB, 5),
            new DhtSettings(
                List.of(),
                DhtSettings.KeyMiss.REDIRECT,
                Duration.ofHours(48),
                Duration.ofHours(22),
                Duration.ofHours(1),
                Duration.ofSeconds(10)),
            new ClusterSettings("", List.of(), Duration.ofMillis(150), Duration.ofSeconds(2), 3),
            new HttpServerConfig(Duration.ofSeconds(10), Duration.ofSeconds(30)),
            new RoutingSettings("default", java.util.Optional.empty()),
            DnsSettings.OFF,
            ReplicaSettings.DEFAULT,
            TlsSettings.OFF),
        config);
  }

  @Test
  void capacitiesAreReadAndTheHardOneMustBeAboveTheSoftOne() {
    NodeConfig config = ConfigLoader.load(Map.of("routing.soft-capacity", "10", "routing.hard-capacity", "20"), Map.of());
    assertEquals(10, config.routing().softCapacity());
    assertEquals(20, config.routing().hardCapacity());
    ConfigException wrongWay = org.junit.jupiter.api.Assertions.assertThrows(
        ConfigException.class, () -> ConfigLoader.load(Map.of("routing.soft-capacity", "20", "routing.hard-capacity", "20"), Map.of()));
    org.junit.jupiter.api.Assertions.assertTrue(
        wrongWay.getMessage().contains("routing.hard-capacity (20) must be more than routing.soft-capacity (20)"), wrongWay.getMessage());
    ConfigException zero = org.junit.jupiter.api.Assertions.assertThrows(
        ConfigException.class, () -> ConfigLoader.load(Map.of("routing.soft-capacity", "0"), Map.of()));
    org.junit.jupiter.api.Assertions.assertTrue(zero.getMessage().contains("routing.soft-capacity expects a whole number"), zero.getMessage());
  }

  @Test
  void dnslinkHostsAreExactOrWildcardNames() {
    DnsSettings.Dnslink d = ConfigLoader.load(Map.of("dnslink.hosts", "Docs.Test, *.pages.test", "dnslink.resolver", "127.0.0.53:53"), Map.of())
        .dns().dnslink();
    assertEquals(java.util.List.of("docs.test", "*.pages.test"), d.hosts());
    assertEquals(java.util.Optional.of(new HostPort("127.0.0.53", 53)), d.resolver());
    org.junit.jupiter.api.Assertions.assertTrue(d.accepts("docs.test") && d.accepts("a.pages.test") && d.accepts("a.b.pages.test"));
    org.junit.jupiter.api.Assertions.assertFalse(d.accepts("pages.test") || d.accepts("xpages.test") || d.accepts("docs.test.evil"));
    ConfigException bad = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
        () -> ConfigLoader.load(Map.of("dnslink.hosts", "docs.test,bad_host"), Map.of()));
    org.junit.jupiter.api.Assertions.assertTrue(bad.getMessage().contains("dnslink.hosts expects host names"), bad.getMessage());
  }

  @Test
  void dnsUpdatesNeedTheirPrimaryAKeyAndAZone() {
    DnsSettings.Update u = ConfigLoader.load(Map.of("dns.update-server", "127.0.0.1:53", "dns.update-key", "update.key",
        "dns.zone", "cdn.test", "dns.listen", "127.0.1.1:5353"), Map.of()).dns().update().orElseThrow();
    assertEquals(new DnsSettings.Update(new HostPort("127.0.0.1", 53), "cdn.test", java.nio.file.Path.of("update.key"), 30), u,
        "the zone defaults to dns.zone, the TTL to 30 s");
    assertEquals("other.test", ConfigLoader.load(Map.of("dns.update-server", "127.0.0.1:53", "dns.update-key", "k",
        "dns.update-zone", "Other.Test.", "dns.update-ttl", "45s"), Map.of()).dns().update().orElseThrow().zone());
    assertEquals(java.util.Optional.empty(), ConfigLoader.load(Map.of(), Map.of()).dns().update());
    ConfigException noKey = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
        () -> ConfigLoader.load(Map.of("dns.update-server", "127.0.0.1:53", "dns.update-zone", "cdn.test"), Map.of()));
    org.junit.jupiter.api.Assertions.assertTrue(noKey.getMessage().contains("dns.update-key (--dns-update-key FILE)"), noKey.getMessage());
    ConfigException noZone = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
        () -> ConfigLoader.load(Map.of("dns.update-server", "127.0.0.1:53", "dns.update-key", "k"), Map.of()));
    org.junit.jupiter.api.Assertions.assertTrue(noZone.getMessage().contains("dns.update-zone"), noZone.getMessage());
    ConfigException noServer = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
        () -> ConfigLoader.load(Map.of("dns.update-key", "k"), Map.of()));
    org.junit.jupiter.api.Assertions.assertTrue(noServer.getMessage().contains("--dns-update-server"), noServer.getMessage());
    ConfigException ttl = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
        () -> ConfigLoader.load(Map.of("dns.update-server", "127.0.0.1:53", "dns.update-key", "k", "dns.zone", "cdn.test",
            "dns.listen", "127.0.1.1:53", "dns.update-ttl", "5s"), Map.of()));
    org.junit.jupiter.api.Assertions.assertTrue(ttl.getMessage().contains("dns.update-ttl expects a duration from 10s to 60s"), ttl.getMessage());
  }

  @Test
  void dnsNeedsBothItsAddressAndItsZone() {
    NodeConfig on = ConfigLoader.load(Map.of("dns.listen", "127.0.1.1:5353", "dns.zone", "CDN.Test."), Map.of());
    assertEquals(new DnsSettings(java.util.Optional.of(new HostPort("127.0.1.1", 5353)), java.util.Optional.of("cdn.test"), 20), on.dns());
    assertEquals(0, ConfigLoader.load(Map.of("dns.rate-limit", "0"), Map.of()).dns().rateLimit());
    assertEquals(java.util.List.of("ns2.cdn.test", "ns1.cdn.test"), java.util.List.copyOf(ConfigLoader.load(
        Map.of("dns.nameservers", "NS2.cdn.test.=192.0.2.2, ns1.cdn.test=2001:db8::1"), Map.of()).dns().nameServers().keySet()),
        "in the order given");
    org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of("dns.nameservers", "ns1.cdn.test"), Map.of()));
    org.junit.jupiter.api.Assertions.assertTrue(on.dns().on());
    ConfigException half = org.junit.jupiter.api.Assertions.assertThrows(
        ConfigException.class, () -> ConfigLoader.load(Map.of("dns.listen", "127.0.1.1:5353"), Map.of()));
    org.junit.jupiter.api.Assertions.assertTrue(half.getMessage().contains("give dns.zone too"), half.getMessage());
    ConfigException bad = org.junit.jupiter.api.Assertions.assertThrows(
        ConfigException.class, () -> ConfigLoader.load(Map.of("dns.listen", "127.0.1.1:5353", "dns.zone", "cdn_test"), Map.of()));
    org.junit.jupiter.api.Assertions.assertTrue(bad.getMessage().contains("dns.zone expects a DNS name"), bad.getMessage());
  }

  @Test
  void theGeoIpDatabaseIsRead() {
    assertEquals(java.util.Optional.of(Path.of("/var/lib/GeoLite2-Country.mmdb")),
        ConfigLoader.load(Map.of("routing.geoip", "/var/lib/GeoLite2-Country.mmdb"), Map.of()).routing().geoip());
    assertEquals(java.util.Optional.empty(), ConfigLoader.load(Map.of(), Map.of()).routing().geoip());
  }

  @Test
  void theRegionAndTheRegionMapAreRead() {
    NodeConfig config = ConfigLoader.load(Map.of("node.region", "eu-west", "routing.region-map", "/etc/oversky/zones.json"), Map.of());
    assertEquals(new RoutingSettings("eu-west", java.util.Optional.of(Path.of("/etc/oversky/zones.json"))), config.routing());
    ConfigException bad = org.junit.jupiter.api.Assertions.assertThrows(
        ConfigException.class, () -> ConfigLoader.load(Map.of("node.region", "eu west"), Map.of()));
    org.junit.jupiter.api.Assertions.assertTrue(bad.getMessage().contains("node.region expects a region name such as eu-west"), bad.getMessage());
  }

  @Test
  void bootstrapUrlsAndKeyMissModeAreRead() {
    NodeConfig config =
        ConfigLoader.load(
            Map.of("dht.bootstrap", "http://10.0.0.1:8080/, http://node2.example.net:8080", "dht.key-miss", "PROXY"),
            Map.of());
    assertEquals(
        List.of(URI.create("http://10.0.0.1:8080"), URI.create("http://node2.example.net:8080")),
        config.dht().bootstrap());
    assertEquals(DhtSettings.KeyMiss.PROXY, config.dht().keyMiss());
  }

  @Test
  void clusterTrustIsOnWithASecretOrTrustedNodes() {
    assertFalse(ConfigLoader.load(Map.of(), Map.of()).cluster().enabled());
    NodeConfig secret = ConfigLoader.load(Map.of("cluster.secret", "s3cret"), Map.of());
    assertTrue(secret.cluster().enabled());
    assertFalse(secret.cluster().toString().contains("s3cret"), "the secret is never printed");
    String id = "AB".repeat(32);
    NodeConfig trusted = ConfigLoader.load(Map.of("cluster.trusted-nodes", id + ", "), Map.of());
    assertEquals(List.of(id.toLowerCase(java.util.Locale.ROOT)), trusted.cluster().trustedNodes());
    ConfigException e =
        assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of("cluster.trusted-nodes", "abc"), Map.of()));
    assertTrue(e.getMessage().contains("cluster.trusted-nodes"), e.getMessage());
  }

  @Test
  void aBootstrapThatIsNotAnHttpUrlNamesTheKey() {
    ConfigException e =
        assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of("dht.bootstrap", "ftp://x"), Map.of()));
    assertTrue(e.getMessage().contains("dht.bootstrap"), e.getMessage());
  }

  @Test
  void republishingLessOftenThanRecordsLiveIsRefused() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> ConfigLoader.load(Map.of("dht.provider-ttl", "1h", "dht.republish-interval", "2h"), Map.of()));
    assertTrue(e.getMessage().contains("dht.republish-interval"), e.getMessage());
  }

  @Test
  void environmentOverridesConfigFileAndFlagOverridesEnvironment() throws IOException {
    Path file =
        write(
            "oversky.yaml",
            """
            store:
              disk-bytes: 1GiB
            """);
    Map<String, String> env = Map.of("OVERSKY_STORE_DISK_BYTES", "2GiB");
    Map<String, String> flags = Map.of("config", file.toString(), "store.disk-bytes", "3GiB");

    assertEquals(1 * GIB, ConfigLoader.load(Map.of("config", file.toString()), Map.of()).store().diskBytes());
    assertEquals(2 * GIB, ConfigLoader.load(Map.of("config", file.toString()), env).store().diskBytes());
    assertEquals(3 * GIB, ConfigLoader.load(flags, env).store().diskBytes());
  }

  @Test
  void eachKeyTakesItsValueFromTheHighestSourceThatSetsIt() throws IOException {
    Path file =
        write(
            "node.yaml",
            """
            listen: 127.0.0.1:9000
            request-log: false
            store:
              hot-bytes: 1MiB
              inline-max: 2KiB
            fetch:
              max-redirects: 3
            """);
    Map<String, String> env = Map.of("OVERSKY_STORE_HOT_BYTES", "2MiB", "OVERSKY_FETCH_MAX_REDIRECTS", "4");
    Map<String, String> flags = Map.of("config", file.toString(), "fetch.max-redirects", "7");

    NodeConfig config = ConfigLoader.load(flags, env);

    assertEquals(new HostPort("127.0.0.1", 9000), config.listen(), "file only");
    assertFalse(config.requestLog(), "file only");
    assertEquals(2 * KIB, config.store().inlineMaxBytes(), "file only");
    assertEquals(2 * MIB, config.store().hotBytes(), "environment over file");
    assertEquals(7, config.fetch().maxRedirects(), "flag over environment and file");
    assertEquals(256 * KIB, config.store().hotMaxObjectBytes(), "default where no source sets it");
    assertEquals(URI.create("http://127.0.0.1:9000"), config.publicUrl(), "derived from the file's listen");
  }

  @Test
  void configFileInTheDataDirectoryIsReadWhenTheDataFlagPointsThere() throws IOException {
    write(ConfigLoader.CONFIG_FILE_NAME, "listen: 127.0.0.1:7001\n");

    NodeConfig config = ConfigLoader.load(Map.of("data", dir.toString()), Map.of());

    assertEquals(new HostPort("127.0.0.1", 7001), config.listen());
    assertEquals(dir, config.dataDir());
  }

  @Test
  void configFileInTheDataDirectoryIsReadWhenTheEnvironmentNamesTheDataDirectory() throws IOException {
    write(ConfigLoader.CONFIG_FILE_NAME, "listen: 127.0.0.1:7002\n");

    NodeConfig config = ConfigLoader.load(Map.of(), Map.of("OVERSKY_DATA", dir.toString()));

    assertEquals(new HostPort("127.0.0.1", 7002), config.listen());
  }

  @Test
  void configFlagNamesTheFileAndWinsOverTheDataDirectoryFile() throws IOException {
    write(ConfigLoader.CONFIG_FILE_NAME, "listen: 127.0.0.1:7003\n");
    Path explicit = write("elsewhere.yaml", "listen: 127.0.0.1:7004\n");

    NodeConfig config =
        ConfigLoader.load(Map.of("config", explicit.toString(), "data", dir.toString()), Map.of());

    assertEquals(new HostPort("127.0.0.1", 7004), config.listen());
  }

  @Test
  void configEnvironmentVariableNamesTheFile() throws IOException {
    Path explicit = write("elsewhere.yaml", "listen: 127.0.0.1:7005\n");

    NodeConfig config = ConfigLoader.load(Map.of(), Map.of("OVERSKY_CONFIG", explicit.toString()));

    assertEquals(new HostPort("127.0.0.1", 7005), config.listen());
  }

  @Test
  void missingExplicitConfigFileIsAnError() {
    Path missing = dir.resolve("missing.yaml");

    ConfigException e =
        assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of("config", missing.toString()), Map.of()));

    assertEquals("config", e.key());
    assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("oversky init"), e.getMessage());
  }

  @Test
  void missingConfigFileNamedByTheEnvironmentIsAnError() {
    Path missing = dir.resolve("missing.yaml");

    ConfigException e =
        assertThrows(
            ConfigException.class, () -> ConfigLoader.load(Map.of(), Map.of("OVERSKY_CONFIG", missing.toString())));

    assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
  }

  @Test
  void emptyConfigFileLeavesTheDefaults() throws IOException {
    Path file = write("empty.yaml", "");

    assertEquals(ConfigLoader.load(Map.of(), Map.of()), ConfigLoader.load(Map.of("config", file.toString()), Map.of()));
  }

  @Test
  void keyWithoutValueInConfigFileLeavesTheDefault() throws IOException {
    Path file = write("node.yaml", "public-url:\nstore:\n  disk-bytes:\n");

    NodeConfig config = ConfigLoader.load(Map.of("config", file.toString()), Map.of());

    assertEquals(URI.create("http://127.0.0.1:8080"), config.publicUrl());
    assertEquals(10 * GIB, config.store().diskBytes());
  }

  @Test
  void dottedKeysAtTheTopOfTheFileAreTheSameAsNestedOnes() throws IOException {
    Path file = write("node.yaml", "store.disk-bytes: 5GiB\n");

    assertEquals(5 * GIB, ConfigLoader.load(Map.of("config", file.toString()), Map.of()).store().diskBytes());
  }

  @Test
  void publicUrlIsUsedWithoutItsTrailingSlash() {
    NodeConfig config = ConfigLoader.load(Map.of("public-url", "https://cdn.example.net:8443/"), Map.of());

    assertEquals(URI.create("https://cdn.example.net:8443"), config.publicUrl());
  }

  @Test
  void derivedPublicUrlUsesLoopbackForWildcardListenAddresses() {
    assertEquals(URI.create("http://127.0.0.1:8080"), ConfigLoader.derivePublicUrl(new HostPort("0.0.0.0", 8080)));
    assertEquals(URI.create("http://127.0.0.1:9000"), ConfigLoader.derivePublicUrl(new HostPort("::", 9000)));
    assertEquals(URI.create("http://127.0.0.1:9001"), ConfigLoader.derivePublicUrl(new HostPort("*", 9001)));
  }

  @Test
  void derivedPublicUrlKeepsASpecificListenHost() {
    assertEquals(URI.create("http://10.1.2.3:9000"), ConfigLoader.derivePublicUrl(new HostPort("10.1.2.3", 9000)));
    assertEquals(URI.create("http://[::1]:80"), ConfigLoader.derivePublicUrl(new HostPort("::1", 80)));
    assertEquals(
        URI.create("http://10.0.0.5:9002"), ConfigLoader.load(Map.of("listen", "10.0.0.5:9002"), Map.of()).publicUrl());
  }

  // --- errors ---

  enum Source {
    FLAG,
    ENV,
    FILE
  }

  static Stream<Arguments> badValues() {
    List<String[]> bad =
        List.of(
            new String[] {"listen", "localhost:http"},
            new String[] {"listen", "127.0.0.1:70000"},
            new String[] {"data", "  "},
            new String[] {"public-url", "ftp://example.net"},
            new String[] {"public-url", "not a url"},
            new String[] {"allow-private-origins", "maybe"},
            new String[] {"request-log", "sometimes"},
            new String[] {"store.hot-bytes", "lots"},
            new String[] {"store.hot-max-object", "1.5MiB"},
            new String[] {"store.inline-max", "-1"},
            new String[] {"store.disk-bytes", "0"},
            new String[] {"store.disk-bytes", "99999999999999999999"},
            new String[] {"fetch.connect-timeout", "5"},
            new String[] {"fetch.read-timeout", "0s"},
            new String[] {"fetch.read-timeout", "9223372036854775807d"},
            new String[] {"fetch.max-body", "0"},
            new String[] {"fetch.max-redirects", "21"},
            new String[] {"fetch.max-redirects", "-1"});
    List<Arguments> out = new ArrayList<>();
    for (Source source : Source.values()) {
      for (String[] kv : bad) {
        out.add(Arguments.of(source, kv[0], kv[1]));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{1}=''{2}'' from {0}")
  @MethodSource("badValues")
  void badValueIsRefusedNamingTheKeyTheSourceAndTheExpectedForm(Source source, String key, String value)
      throws IOException {
    Setting setting = Settings.byKey(key).orElseThrow();
    Map<String, String> flags = Map.of();
    Map<String, String> env = Map.of();
    String sourceText;
    switch (source) {
      case FLAG -> {
        flags = Map.of(key, value);
        sourceText = "flag --" + key;
      }
      case ENV -> {
        env = Map.of(setting.envName(), value);
        sourceText = "environment variable " + setting.envName();
      }
      default -> {
        Path file = write("node.yaml", yaml(key, value));
        flags = Map.of("config", file.toString());
        sourceText = "config file " + file;
      }
    }
    Map<String, String> f = flags;
    Map<String, String> e = env;

    ConfigException thrown = assertThrows(ConfigException.class, () -> ConfigLoader.load(f, e));

    assertEquals(key, thrown.key());
    String message = thrown.getMessage();
    assertTrue(message.contains(key), message);
    assertTrue(message.contains(sourceText), message);
    assertTrue(message.contains(setting.form()), message);
    assertTrue(message.contains("'" + value + "'"), message);
  }

  @Test
  void lowerSourceWithABadValueIsHarmlessWhenAHigherOneOverridesIt() {
    NodeConfig config =
        ConfigLoader.load(Map.of("store.disk-bytes", "1GiB"), Map.of("OVERSKY_STORE_DISK_BYTES", "lots"));

    assertEquals(1 * GIB, config.store().diskBytes());
  }

  @Test
  void unknownKeyInConfigFileIsRefused() throws IOException {
    Path file = write("node.yaml", "stor:\n  disk-bytes: 1GiB\n");

    ConfigException e =
        assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of("config", file.toString()), Map.of()));

    assertEquals("stor.disk-bytes", e.key());
    assertTrue(e.getMessage().contains("unknown setting 'stor.disk-bytes'"), e.getMessage());
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
  }

  @Test
  void unknownFlagIsRefused() {
    ConfigException e =
        assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of("disk-bytes", "1GiB"), Map.of()));

    assertEquals("disk-bytes", e.key());
    assertTrue(e.getMessage().contains("unknown setting 'disk-bytes'"), e.getMessage());
  }

  @Test
  void listValueInConfigFileIsRefused() throws IOException {
    Path file = write("node.yaml", "public-url: [http://a.example, http://b.example]\n");

    ConfigException e =
        assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of("config", file.toString()), Map.of()));

    assertEquals("public-url", e.key());
    assertTrue(e.getMessage().contains(Settings.PUBLIC_URL.form()), e.getMessage());
    assertTrue(e.getMessage().contains("config file " + file), e.getMessage());
  }

  @Test
  void configFileThatIsNotYamlIsRefused() throws IOException {
    Path file = write("node.yaml", "listen: [127.0.0.1:80\n");

    ConfigException e =
        assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of("config", file.toString()), Map.of()));

    assertEquals("config", e.key());
    assertTrue(e.getMessage().contains("not valid YAML"), e.getMessage());
  }

  @Test
  void configFileThatIsNotAMappingIsRefused() throws IOException {
    Path file = write("node.yaml", "- listen\n- data\n");

    ConfigException e =
        assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of("config", file.toString()), Map.of()));

    assertEquals("config", e.key());
    assertTrue(e.getMessage().contains("mapping"), e.getMessage());
  }

  private Path write(String name, String text) throws IOException {
    return Files.writeString(dir.resolve(name), text);
  }

  /** A YAML file setting one dotted key, nested the way the config file writes sections. */
  private static String yaml(String key, String value) {
    int dot = key.indexOf('.');
    String quoted = "\"" + value + "\"";
    return dot < 0
        ? key + ": " + quoted + "\n"
        : key.substring(0, dot) + ":\n  " + key.substring(dot + 1) + ": " + quoted + "\n";
  }

  @Test
  void acmeCertificatesNeedATlsListenerAndDefaultToTheSitesWithoutACertificateOfTheirOwn() throws IOException {
    Path dir = Files.createTempDirectory("acme-config");
    Path cert = Files.writeString(dir.resolve("a.crt"), "x");
    Path key = Files.writeString(dir.resolve("a.key"), "x");
    Map<String, String> flags = new java.util.HashMap<>(Map.of(
        "sites", "a.example=http://127.0.0.1:9,b.example=http://127.0.0.1:9,c.example=http://127.0.0.1:9",
        "tls.site-certs", "a.example=" + cert + "," + key,
        "tls.acme-directory", "https://acme.example/dir"));
    ConfigException noListener = assertThrows(ConfigException.class, () -> ConfigLoader.load(flags, Map.of()));
    assertTrue(noListener.getMessage().contains("--tls-listen"), noListener.getMessage());
    flags.put("tls.listen", "127.0.0.1:8443");
    TlsSettings.Acme acme = ConfigLoader.load(flags, Map.of()).tls().acme();
    assertEquals(List.of("b.example", "c.example"), acme.hosts(), "the sites without a certificate of their own");
    assertEquals(java.time.Duration.ofDays(30), acme.renewBefore());
    flags.put("tls.acme-hosts", "c.example, www.c.example");
    assertEquals(List.of("c.example", "www.c.example"), ConfigLoader.load(flags, Map.of()).tls().acme().hosts());
    flags.put("tls.acme-directory", "http://acme.example/dir");
    ConfigException clear = assertThrows(ConfigException.class, () -> ConfigLoader.load(flags, Map.of()));
    assertTrue(clear.getMessage().contains("tls.acme-directory") && clear.getMessage().contains("https"), clear.getMessage());
    Map<String, String> listenerOnly = Map.of("tls.listen", "127.0.0.1:8443", "tls.acme-directory", "https://acme.example/dir",
        "tls.acme-hosts", "10.0.0.1");
    ConfigException ip = assertThrows(ConfigException.class, () -> ConfigLoader.load(listenerOnly, Map.of()));
    assertTrue(ip.getMessage().contains("10.0.0.1"), ip.getMessage());
  }
}
