package org.oversky.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The systemd unit asks a node for what a node answers, and starts it the way the CLI takes. */
class PackagingTest {
  @Test
  void theUnitsReadinessCheckIsAPathTheNodeAnswersAndItsCommandIsServe(@TempDir Path dir) throws Exception {
    String unit = Files.readString(Path.of("..", "packaging", "oversky.service"));
    Matcher health = Pattern.compile("OVERSKY_HEALTH_URL=http://127\\.0\\.0\\.1:8080(/\\S+)").matcher(unit);
    assertTrue(health.find(), unit);
    assertTrue(unit.contains("ExecStart=/opt/oversky/oversky serve --data /var/lib/oversky"), unit);
    assertTrue(unit.contains("KillSignal=SIGTERM") && unit.contains("Type=exec"), unit);
    try (TestNode n = TestNode.start(dir.resolve("node"))) {
      assertEquals(200, TestNode.HTTP.send(java.net.http.HttpRequest.newBuilder(URI.create(n.base + health.group(1))).build(),
          java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode(), "the unit's readiness path " + health.group(1));
    }
  }
}
