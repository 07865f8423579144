package org.oversky.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docs/oversky.sample.yaml is the template init writes (every key at its default, commented), and loading it gives the defaults. */
class SampleConfigTest {
  private static final Path SAMPLE = Path.of("..", "docs", "oversky.sample.yaml");

  @Test
  void theShippedSampleIsTheRenderedOne() throws Exception {
    if (System.getenv("OVERSKY_WRITE_SAMPLE") != null) {
      Files.writeString(SAMPLE, ConfigTemplate.render());
    }
    assertEquals(ConfigTemplate.render(), Files.readString(SAMPLE),
        "docs/oversky.sample.yaml is out of date: run this test with OVERSKY_WRITE_SAMPLE=1 to write it");
  }

  @Test
  void loadingTheSampleGivesEveryDefault(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("oversky.yaml"), ConfigTemplate.render());
    assertEquals(ConfigLoader.load(Map.of(), Map.of()), ConfigLoader.load(Map.of("config", file.toString()), Map.of()));
  }
}
