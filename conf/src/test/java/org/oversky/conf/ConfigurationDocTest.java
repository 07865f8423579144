package org.oversky.conf;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The configuration reference in docs/ lists every key the code knows, with its variable and default. */
class ConfigurationDocTest {
  @Test
  void referenceListsEveryKeyWithItsEnvironmentVariableAndDefault() throws Exception {
    String doc = Files.readString(Path.of("..", "docs", "configuration.md"));
    for (Setting s : Settings.all()) {
      String row =
          doc.lines().filter(l -> l.startsWith("| `" + s.key() + "` |")).findFirst().orElseThrow(() -> new AssertionError("docs/configuration.md has no row for " + s.key()));
      assertTrue(row.contains("`" + s.envName() + "`"), row);
      if (!s.defaultValue().isEmpty()) {
        assertTrue(row.contains("`" + s.defaultValue() + "`"), row);
      }
    }
  }
}
