package org.oversky.routing.zone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GeoRegionsTest {
  private static Optional<GeoRegions.Located> at(GeoRegions g, String ip) throws Exception {
    return g.regionOf(InetAddress.getByName(ip));
  }

  @Test
  void aClientsCountryThenItsContinentNameItsRegion(@TempDir Path dir) throws Exception {
    Path db = dir.resolve("test.mmdb");
    new MmdbWriter()
        .add("192.0.2.0/24", "DE", "EU")
        .add("198.51.100.0/24", "US", "NA")
        .add("203.0.113.0/25", "JP", "AS")
        .write(db);
    try (GeoRegions g = GeoRegions.open(db, Map.of("DE", "eu-central"), Map.of("EU", "eu-west", "NA", "us"))) {
      assertEquals("oversky-test-country", g.databaseType());
      assertEquals(Optional.of(new GeoRegions.Located("eu-central", "geoip country DE")), at(g, "192.0.2.77"));
      assertEquals(Optional.of(new GeoRegions.Located("us", "geoip continent NA")), at(g, "198.51.100.1"));
      assertEquals(Optional.empty(), at(g, "203.0.113.5"), "Japan and Asia map to no region");
      assertEquals(Optional.empty(), at(g, "203.0.113.200"), "outside every prefix");
    }
  }

  @Test
  void aFileThatIsNoMaxMindDbIsRefused(@TempDir Path dir) throws Exception {
    Path junk = Files.writeString(dir.resolve("junk.mmdb"), "not a database");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GeoRegions.open(junk, Map.of(), Map.of()));
    assertEquals(true, e.getMessage().startsWith("not a MaxMind DB"), e.getMessage());
  }
}
