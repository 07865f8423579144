package org.oversky.gateway.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oversky.conf.ConfigException;
import org.oversky.conf.RoutingSettings;

/** A GeoIP database that cannot be used stops the node at start, naming the setting (the chain itself: LocalityTest). */
class NodeRoutingTest {
  @Test
  void aGeoIpFileThatIsNoDatabaseStopsTheNodeNamingTheSetting(@TempDir Path dir) throws Exception {
    Path junk = Files.writeString(dir.resolve("junk.mmdb"), "nothing here");
    ConfigException e = assertThrows(ConfigException.class,
        () -> NodeRouting.load(new RoutingSettings("eu", Optional.empty(), Optional.of(junk), 10, 20)));
    assertTrue(e.getMessage().startsWith("routing.geoip (--geoip) " + junk + ": not a MaxMind DB"), e.getMessage());
    ConfigException missing = assertThrows(ConfigException.class,
        () -> NodeRouting.load(new RoutingSettings("eu", Optional.empty(), Optional.of(dir.resolve("none.mmdb")), 10, 20)));
    assertTrue(missing.getMessage().contains("cannot be read"), missing.getMessage());
  }
}
