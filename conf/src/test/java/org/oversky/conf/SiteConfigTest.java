package org.oversky.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SiteConfigTest {
  @Test
  void parsesHostOriginAndOptions() {
    SiteConfig s = SiteConfig.parse("WWW.Example.com=https://origin.example.com/base/;default-ttl=5m;ignore-set-cookie=true");
    assertEquals("www.example.com", s.host());
    assertEquals(URI.create("https://origin.example.com/base"), s.origin());
    assertEquals(Duration.ofMinutes(5), s.defaultTtl());
    assertTrue(s.ignoreSetCookie());
    org.junit.jupiter.api.Assertions.assertFalse(s.redirect(), "proxy routing by default");
    assertTrue(SiteConfig.parse("a.test=http://o;routing=REDIRECT").redirect());
    org.junit.jupiter.api.Assertions.assertFalse(SiteConfig.parse("a.test=http://o;routing=proxy").redirect());
  }

  @Test
  void severalOriginsByPriorityAndWeight() {
    SiteConfig s = SiteConfig.parse("a.test=http://a:81*3 + http://b:82|http://c:83;routing=redirect");
    assertEquals(java.util.List.of(
        new SiteConfig.Origin(URI.create("http://a:81"), 1, 3),
        new SiteConfig.Origin(URI.create("http://b:82"), 1, 1),
        new SiteConfig.Origin(URI.create("http://c:83"), 2, 1)), s.origins());
    assertEquals(URI.create("http://a:81"), s.origin(), "the first origin is the one tried first");
    assertEquals(SiteConfig.Shield.SITE, SiteConfig.parse("a.test=http://o;shield=on").shield());
    assertEquals(SiteConfig.Shield.URL, SiteConfig.parse("a.test=http://o;shield=url").shield());
    assertEquals(SiteConfig.Shield.OFF, SiteConfig.parse("a.test=http://o;shield=off").shield());
    assertEquals(SiteConfig.Shield.DIRECTORY, SiteConfig.parse("a.test=http://o;shield=directory").shield());
    IllegalArgumentException bad = org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> SiteConfig.parse("a.test=http://o;shield=path"));
    assertTrue(bad.getMessage().contains("on") && bad.getMessage().contains("url") && bad.getMessage().contains("'path'"), bad.getMessage());
    assertEquals(java.util.Optional.of("www"), SiteConfig.parse("a.test=http://o;dns-name=WWW").dnsName());
    assertEquals(new SiteConfig.Check("/health", Duration.ofSeconds(2)), SiteConfig.parse("a.test=http://o;check=/health;check-interval=2s").check());
    org.junit.jupiter.api.Assertions.assertFalse(s.check().on(), "no active checks unless asked");
    assertEquals(SiteConfig.Shield.DIRECTORY, s.shield(), "a directory node for each URL unless asked otherwise");
    assertEquals(3, SiteConfig.parse("a.test=http://o;replicas=3").replicas());
    assertEquals(0, s.replicas(), "no copies beyond the nodes that fetched a body unless asked");
  }

  @ParameterizedTest
  @ValueSource(strings = {"*.example.com=http://o", "127.0.0.1=http://o:8080", "[::1]=http://o", "site.test=http://127.0.0.1:9"})
  void acceptsWildcardsAndIpLiterals(String text) {
    SiteConfig.parse(text);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"example.com", "=http://o", "exa mple.com=http://o", "a.com=ftp://o", "a.com=not a url", "a.com=http://o?q=1",
        "a.com=http://o;colour=blue", "a.com=http://o;default-ttl=soon", "a.com=http://o;routing=dns", "a.com=http://o;shield=maybe", "a.com=http://o;dns-name=a_b", "a.com=http://o;check=health", "a.com=http://o;check=/h;check-interval=10ms", "a.com=http://o*0", "a.com=http://o*101", "a.com=http://o||http://p", "a.com=http://o+ftp://p", "*.=http://o", "a.com=http://o;replicas=-1", "a.com=http://o;replicas=17", "a.com=http://o;replicas=three"})
  void refusesBadSites(String text) {
    assertThrows(IllegalArgumentException.class, () -> SiteConfig.parse(text));
  }

  @Test
  void sitesFromFlagsEnvironmentAndFile(@TempDir Path dir) throws IOException {
    NodeConfig fromFlag = ConfigLoader.load(Map.of("sites", "a.test=http://127.0.0.1:1,b.test=http://127.0.0.1:2"), Map.of());
    assertEquals(List.of("a.test", "b.test"), fromFlag.sites().stream().map(SiteConfig::host).toList());
    NodeConfig fromEnv = ConfigLoader.load(Map.of(), Map.of("OVERSKY_SITES", "c.test=http://127.0.0.1:3"));
    assertEquals("c.test", fromEnv.sites().get(0).host());
    Path file =
        Files.writeString(
            dir.resolve("c.yaml"),
            """
            sites:
              - d.test=http://127.0.0.1:4
              - host: "*.e.test"
                origin: http://127.0.0.1:5
                default-ttl: 1m
            """);
    NodeConfig fromFile = ConfigLoader.load(Map.of("config", file.toString()), Map.of());
    assertEquals(2, fromFile.sites().size());
    assertEquals("*.e.test", fromFile.sites().get(1).host());
    assertEquals(Duration.ofMinutes(1), fromFile.sites().get(1).defaultTtl());
  }

  @Test
  void aBadSiteNamesTheKeyAndSource() {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of("sites", "nohost"), Map.of()));
    assertEquals("sites", e.key());
    assertTrue(e.getMessage().contains("flag --sites"), e.getMessage());
    ConfigException twice =
        assertThrows(ConfigException.class, () -> ConfigLoader.load(Map.of("sites", "a.test=http://x,A.test=http://y"), Map.of()));
    assertTrue(twice.getMessage().contains("sites expects"), twice.getMessage());
  }
}
