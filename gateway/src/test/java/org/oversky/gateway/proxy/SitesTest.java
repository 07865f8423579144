package org.oversky.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.oversky.conf.SiteConfig;

class SitesTest {
  private static SiteConfig site(String host) {
    return new SiteConfig(host, URI.create("http://origin.example"), Duration.ZERO, false);
  }

  private static final SiteConfig EXACT = site("example.com");
  private static final SiteConfig WILD = site("*.example.net");
  private static final SiteConfig NEARER = site("*.b.example.net");
  private static final SiteConfig SPECIFIC = site("www.example.net");
  private static final SiteConfig V6 = site("2001:db8::1");
  private static final SiteConfig V4 = site("192.0.2.7");
  private static final Sites SITES = new Sites(List.of(EXACT, WILD, NEARER, SPECIFIC, V6, V4));

  private static String matched(String host) {
    return SITES.match(host).map(SiteConfig::host).orElse(null);
  }

  @ParameterizedTest
  @ValueSource(strings = {"example.com", "EXAMPLE.com", "example.com:8080", "Example.Com:443", "example.com.",
      "example.com.:80", " example.com "})
  void rfc9110_7_2_exactHostIgnoringCasePortAndTrailingDot(String host) {
    assertEquals("example.com", matched(host), host);
  }

  @ParameterizedTest
  @ValueSource(strings = {"a.example.net", "A.EXAMPLE.NET:81", "x.y.example.net", "a.example.net."})
  void wildcardMatchesAnySubdomain(String host) {
    assertEquals("*.example.net", matched(host), host);
  }

  @Test
  void wildcardDoesNotMatchTheDomainItself() {
    assertEquals(null, matched("example.net"));
  }

  @Test
  void exactNameBeatsWildcardAndNearestWildcardWins() {
    assertEquals("www.example.net", matched("www.example.net"));
    assertEquals("*.b.example.net", matched("a.b.example.net"));
    assertEquals("*.b.example.net", matched("x.a.b.example.net"));
    assertEquals("*.example.net", matched("b.example.net"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"[2001:db8::1]", "[2001:db8::1]:8080", "[2001:DB8::1]", "2001:db8::1"})
  void rfc3986_3_2_2_ipv6LiteralWithOrWithoutBrackets(String host) {
    assertEquals("2001:db8::1", matched(host), host);
  }

  @Test
  void ipv4LiteralWithPort() {
    assertEquals("192.0.2.7", matched("192.0.2.7:8080"));
    assertEquals(null, matched("192.0.2.8"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"", "other.com", "example.com.evil", "notexample.com", "com", "[2001:db8::2]", "[2001:db8::1"})
  void unknownHostsMatchNothing(String host) {
    assertEquals(null, matched(host), host);
  }

  @Test
  void noHostOrNoSitesMatchesNothing() {
    assertEquals(Optional.empty(), SITES.match(null));
    Sites none = new Sites(List.of());
    assertTrue(none.isEmpty());
    assertEquals(Optional.empty(), none.match("example.com"));
  }
}
