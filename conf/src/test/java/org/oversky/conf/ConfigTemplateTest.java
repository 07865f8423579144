package org.oversky.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigTemplateTest {
  /** A commented key or section line: '#', then no indent (top level) or two spaces (in a section), then "name:". */
  private static final Pattern KEY_LINE = Pattern.compile("#((?:  )?[a-z][a-z0-9-]*:.*)");

  @TempDir Path dir;

  @Test
  void templateMentionsEveryKeyAndItsEnvironmentVariable() {
    String text = ConfigTemplate.render();

    for (Setting s : Settings.all()) {
      String name = s.key().substring(s.key().lastIndexOf('.') + 1);
      assertTrue(text.contains(name + ":"), "template lacks " + s.key());
      assertTrue(text.contains("(" + s.envName() + ")"), "template lacks " + s.envName());
      assertTrue(text.contains(s.description()), "template lacks the description of " + s.key());
    }
  }

  @Test
  void templateAsWrittenLoadsToTheDefaults() throws IOException {
    Path file = Files.writeString(dir.resolve(ConfigLoader.CONFIG_FILE_NAME), ConfigTemplate.render());

    assertEquals(ConfigLoader.load(Map.of(), Map.of()), ConfigLoader.load(Map.of("config", file.toString()), Map.of()));
  }

  @Test
  void templateUncommentedSetsEveryKeyToItsDefault() throws IOException {
    String uncommented =
        ConfigTemplate.render()
            .lines()
            .map(line -> KEY_LINE.matcher(line).matches() ? line.substring(1) : line)
            .collect(Collectors.joining("\n", "", "\n"));

    JsonNode yaml = new ObjectMapper(new YAMLFactory()).readTree(uncommented);
    for (Setting s : Settings.all()) {
      JsonNode value = yaml.at("/" + s.key().replace('.', '/'));
      String text = value.isMissingNode() || value.isNull() ? "" : value.asText();
      assertTrue(!value.isMissingNode(), s.key() + " is not in the uncommented template");
      assertEquals(s.defaultValue(), text, s.key());
    }

    Path file = Files.writeString(dir.resolve(ConfigLoader.CONFIG_FILE_NAME), uncommented);
    assertEquals(ConfigLoader.load(Map.of(), Map.of()), ConfigLoader.load(Map.of("config", file.toString()), Map.of()));
  }

  @Test
  void valuesGivenAreWrittenSoThatTheyLoadBack() throws Exception {
    Map<String, String> values = new LinkedHashMap<>();
    values.put("listen", "127.0.0.1:9090");
    values.put("sites", "a.test=http://127.0.0.1:1;default-ttl=5m,b.test=http://127.0.0.1:2");
    values.put("cache.stale-on-disconnect", "2h");
    values.put("http.request-head-timeout", "3s");
    values.put("admin-token", "quote\" back\\slash: colon # hash");
    String text = ConfigTemplate.render(values);
    assertTrue(text.contains("\ncache:\n"), "a section with a value is uncommented: " + text);
    assertTrue(text.contains("\n#store:\n"), "a section without stays commented: " + text);
    Files.writeString(dir.resolve(ConfigLoader.CONFIG_FILE_NAME), text);
    NodeConfig config = ConfigLoader.load(Map.of("data", dir.toString()), Map.of());
    assertEquals(new HostPort("127.0.0.1", 9090), config.listen());
    assertEquals(2, config.sites().size());
    assertEquals(Duration.ofMinutes(5), config.sites().get(0).defaultTtl());
    assertEquals(Duration.ofHours(2), config.cache().staleOnDisconnect());
    assertEquals(Duration.ofSeconds(3), config.http().requestHeadTimeout());
    assertEquals("quote\" back\\slash: colon # hash", config.adminToken());
  }
}
