package org.oversky.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node's region and its coverage-zone map: read at start, shown in the status, refused with the field to fix. */
class RegionTest {
  @Test
  void theRegionAndTheMapAreInTheStatus(@TempDir Path dir) throws Exception {
    Path zones = dir.resolve("zones.json");
    Files.writeString(zones, """
        {"coverageZones": {"eu": {"network": ["127.0.1.0/24"], "network6": ["2001:db8:1::/48"]},
                           "us": {"network": ["127.0.2.0/24"]}}}""");
    try (TestNode node = TestNode.start(dir.resolve("n"), Map.of("node.region", "eu", "routing.region-map", zones.toString()))) {
      Map<?, ?> routing = (Map<?, ?>) Jsons.parse(node.get("/api/v1/status").body()).get("routing");
      assertEquals("eu", routing.get("region"));
      assertEquals(zones.toString(), routing.get("regionMap"));
      assertEquals(List.of("eu", "us"), routing.get("regionsMapped"));
      assertEquals(3, ((Number) routing.get("prefixes")).intValue());
    }
    try (TestNode plain = TestNode.start(dir.resolve("p"))) {
      Map<?, ?> routing = (Map<?, ?>) Jsons.parse(plain.get("/api/v1/status").body()).get("routing");
      assertEquals("default", routing.get("region"));
      assertEquals(0, ((Number) routing.get("prefixes")).intValue());
    }
  }

  @Test
  void aWrongMapStopsTheNodeNamingTheFlagAndTheField(@TempDir Path dir) throws Exception {
    Path zones = dir.resolve("zones.json");
    Files.writeString(zones, "{\"coverageZones\": {\"eu\": {\"network\": [\"127.0.1.0/24\", \"127.0.1.7/24\"]}}}");
    CommandLineTest.Run r = CommandLineTest.oversky(dir, "serve", "--listen", "127.0.0.1:0", "--data", dir.resolve("d").toString(),
        "--region", "eu", "--region-map", zones.toString());
    assertEquals(2, r.exit(), r.out() + r.err());
    assertTrue(r.err().contains("routing.region-map (--region-map) " + zones), r.err());
    assertTrue(r.err().contains("coverageZones.eu.network[1]: \"127.0.1.7/24\" has host bits set; the network is 127.0.1.0/24"), r.err());
    assertFalse(Files.exists(dir.resolve("d").resolve("store")), "nothing opened: " + r.err());

    CommandLineTest.Run missing = CommandLineTest.oversky(dir, "serve", "--listen", "127.0.0.1:0", "--data", dir.resolve("d").toString(),
        "--region-map", dir.resolve("nowhere.json").toString());
    assertEquals(2, missing.exit(), missing.out() + missing.err());
    assertTrue(missing.err().contains("cannot be read"), missing.err());

    CommandLineTest.Run badRegion = CommandLineTest.oversky(dir, "serve", "--listen", "127.0.0.1:0", "--data", dir.resolve("d").toString(),
        "--region", "eu west");
    assertEquals(2, badRegion.exit(), badRegion.out() + badRegion.err());
    assertTrue(badRegion.err().contains("node.region expects a region name such as eu-west"), badRegion.err());
  }
}
