package org.oversky.routing.zone;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalityTest {
  @Test
  void aClientIsPlacedByPrefixThenByCountryOrContinent(@TempDir Path dir) throws Exception {
    Path db = dir.resolve("country.mmdb");
    new MmdbWriter().add("192.0.2.0/24", "DE", "EU").add("198.51.100.0/24", "CA", "NA").write(db);
    CoverageZones zones = CoverageZones.parse("""
        {"coverageZones": {"eu": {"network": ["192.0.2.128/25"]}},
         "geoRegions": {"countries": {"DE": "eu-central"}, "continents": {"NA": "us"}}}""".getBytes(StandardCharsets.UTF_8));
    try (GeoRegions geo = GeoRegions.open(db, zones.geo().countries(), zones.geo().continents())) {
      Locality chain = new Locality(zones, Optional.of(geo));
      assertEquals(Optional.of(new Locality.Located("eu", "routing.region-map")), chain.locate(InetAddress.getByName("192.0.2.200")),
          "a prefix of the map first");
      assertEquals(Optional.of(new Locality.Located("eu-central", "routing.geoip (geoip country DE)")), chain.locate(InetAddress.getByName("192.0.2.7")));
      assertEquals(Optional.of(new Locality.Located("us", "routing.geoip (geoip continent NA)")), chain.locate(InetAddress.getByName("198.51.100.9")));
      assertEquals(Optional.empty(), chain.locate(InetAddress.getByName("203.0.113.1")), "placed by neither: the caller's default region");
      assertEquals(Optional.empty(), new Locality(zones, Optional.empty()).locate(InetAddress.getByName("192.0.2.7")), "no database");
      assertEquals(32, chain.scope(InetAddress.getByName("192.0.2.7")), "a database's networks are not known: the whole address");
      assertEquals(25, new Locality(zones, Optional.empty()).scope(InetAddress.getByName("192.0.2.7")), "the map's longest prefix");
    }
  }
}
