package org.oversky.routing.zone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CoverageZonesTest {
  private static CoverageZones zones(String json) {
    return CoverageZones.parse(json.getBytes(StandardCharsets.UTF_8));
  }

  private static Optional<String> regionOf(CoverageZones z, String ip) throws Exception {
    return z.regionOf(InetAddress.getByName(ip));
  }

  @Test
  void theLongestPrefixHoldingTheAddressNamesItsRegion() throws Exception {
    CoverageZones z = zones("""
        {"coverageZones": {
          "eu": {"network": ["127.0.1.0/24", "10.0.0.0/8"], "network6": ["2001:db8:1::/48"]},
          "us": {"network": ["127.0.2.0/24", "10.20.0.0/16"], "network6": []},
          "office": {"network": ["10.20.30.40/32"]}}}""");
    assertEquals(List.of("eu", "us", "office"), z.regions());
    assertEquals(6, z.size());
    assertEquals(Optional.of("eu"), regionOf(z, "127.0.1.50"));
    assertEquals(Optional.of("us"), regionOf(z, "127.0.2.1"));
    assertEquals(Optional.of("eu"), regionOf(z, "10.9.9.9"));
    assertEquals(Optional.of("us"), regionOf(z, "10.20.1.1"), "a /16 inside eu's /8");
    assertEquals(Optional.of("office"), regionOf(z, "10.20.30.40"), "a /32 inside us's /16");
    assertEquals(Optional.of("eu"), regionOf(z, "2001:db8:1:ffff::1"));
    assertEquals(Optional.empty(), regionOf(z, "2001:db8:2::1"));
    assertEquals(Optional.empty(), regionOf(z, "127.0.3.1"));
    assertEquals(Optional.empty(), CoverageZones.empty().regionOf(InetAddress.getByName("127.0.0.1")));
  }

  @Test
  void theScopeOfAPlaceIsTheLongestPrefixOfItsFamily() throws Exception {
    CoverageZones z = zones("""
        {"coverageZones": {"eu": {"network": ["10.0.0.0/8"], "network6": ["2001:db8:1::/48"]}, "us": {"network": ["10.20.0.0/16"]}}}""");
    assertEquals(16, z.longestPrefix(InetAddress.getByName("10.9.9.9")),
        "placed by the /8, but a /16 inside it is another region: the answer holds for the client's /16 alone");
    assertEquals(48, z.longestPrefix(InetAddress.getByName("2001:db8:2::1")));
    assertEquals(0, zones("{\"coverageZones\": {\"eu\": {\"network\": [\"10.0.0.0/8\"]}}}").longestPrefix(InetAddress.getByName("::1")),
        "no prefix of the family: every address is placed alike");
    assertEquals(0, CoverageZones.empty().longestPrefix(InetAddress.getByName("10.0.0.1")));
  }

  @Test
  void aZeroLengthPrefixTakesEveryAddressOfItsFamily() throws Exception {
    CoverageZones z = zones("{\"coverageZones\": {\"rest\": {\"network\": [\"0.0.0.0/0\"]}, \"eu\": {\"network\": [\"192.0.2.0/24\"]}}}");
    assertEquals(Optional.of("eu"), regionOf(z, "192.0.2.7"));
    assertEquals(Optional.of("rest"), regionOf(z, "198.51.100.1"));
    assertEquals(Optional.empty(), regionOf(z, "::1"), "no IPv6 prefix");
  }

  @Test
  void fallbackRegionsAreReadInOrder() throws Exception {
    CoverageZones z = zones("{\"coverageZones\": {\"eu\": {\"network\": []}}, \"fallbackRegions\": {\"eu\": [\"us\", \"ap\"]}}");
    assertEquals(java.util.Map.of("eu", java.util.List.of("us", "ap")), z.fallbacks());
    assertEquals(java.util.Map.of(), zones("{\"coverageZones\": {}}").fallbacks());
    CoverageZones g = zones("{\"coverageZones\": {}, \"geoRegions\": {\"countries\": {\"DE\": \"eu\"}, \"continents\": {\"NA\": \"us\"}}}");
    assertEquals(new CoverageZones.GeoMap(java.util.Map.of("DE", "eu"), java.util.Map.of("NA", "us")), g.geo());
  }

  @Test
  void aBadMapIsRefusedNamingTheField() {
    assertMessage("fallbackRegions.eu[0]: expected the name of another region", "{\"coverageZones\": {}, \"fallbackRegions\": {\"eu\": [\"eu\"]}}");
    assertMessage("fallbackRegions.eu: expected a list", "{\"coverageZones\": {}, \"fallbackRegions\": {\"eu\": \"us\"}}");
    assertMessage("fallbackRegions: expected an object", "{\"coverageZones\": {}, \"fallbackRegions\": []}");
    assertMessage("geoRegions.countries.de: expected a two-letter code", "{\"coverageZones\": {}, \"geoRegions\": {\"countries\": {\"de\": \"eu\"}}}");
    assertMessage("geoRegions.continents.EU: expected a region name", "{\"coverageZones\": {}, \"geoRegions\": {\"continents\": {\"EU\": 3}}}");
    assertMessage("not JSON", "{");
    assertMessage("\"coverageZones\"", "{\"zones\": {}}");
    assertMessage("coverageZones.eu.network[1]: a prefix length is 0 to 32, got 33", "{\"coverageZones\": {\"eu\": {\"network\": [\"10.0.0.0/8\", \"10.0.0.0/33\"]}}}");
    assertMessage("a prefix length is 0 to 32", "{\"coverageZones\": {\"eu\": {\"network\": [\"10.0.0.0/33\"]}}}");
    assertMessage("has host bits set; the network is 10.0.0.0/8", "{\"coverageZones\": {\"eu\": {\"network\": [\"10.1.2.3/8\"]}}}");
    assertMessage("coverageZones.eu.network[0]: \"example.net\" is not an IPv4 or IPv6 address",
        "{\"coverageZones\": {\"eu\": {\"network\": [\"example.net/24\"]}}}");
    assertMessage("\"abc.def\" is not an IPv4 or IPv6 address", "{\"coverageZones\": {\"eu\": {\"network\": [\"abc.def/24\"]}}}");
    assertMessage("2001:db8::/32 is IPv6; IPv4 prefixes go in \"network\", IPv6 in \"network6\"", "{\"coverageZones\": {\"eu\": {\"network\": [\"2001:db8::/32\"]}}}");
    assertMessage("192.0.2.0/24 is IPv4; IPv4 prefixes go in \"network\"", "{\"coverageZones\": {\"eu\": {\"network6\": [\"192.0.2.0/24\"]}}}");
    assertMessage("is already in region eu", "{\"coverageZones\": {\"eu\": {\"network\": [\"192.0.2.0/24\"]}, \"us\": {\"network\": [\"192.0.2.0/24\"]}}}");
    assertMessage("coverageZones.bad name: a region name", "{\"coverageZones\": {\"bad name\": {\"network\": []}}}");
    assertMessage("coverageZones.eu.network: expected a list", "{\"coverageZones\": {\"eu\": {\"network\": \"10.0.0.0/8\"}}}");
    assertMessage("expected a prefix such as", "{\"coverageZones\": {\"eu\": {\"network\": [10]}}}");
    assertMessage("not a number", "{\"coverageZones\": {\"eu\": {\"network\": [\"10.0.0.0/x\"]}}}");
    assertMessage("is not a prefix such as", "{\"coverageZones\": {\"eu\": {\"network\": [\"10.0.0.0\"]}}}");
  }

  private static void assertMessage(String part, String json) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> zones(json));
    assertTrue(e.getMessage().contains(part), "'" + e.getMessage() + "' should say " + part);
  }
}
