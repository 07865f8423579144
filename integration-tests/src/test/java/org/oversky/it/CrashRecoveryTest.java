package org.oversky.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node killed with SIGKILL in the middle of storing a body restarts clean and never serves part of it. */
class CrashRecoveryTest {
  private static final long SIZE = 32L << 20;
  private static final long PAUSE_AFTER = 8L << 20;

  @Test
  void sigkillWhileStoringLeavesNoPartialBodyAndTheNodeRestartsClean(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("data");
    String key = Bytes.Stream.sha256(SIZE, 42);
    try (StreamOrigin origin = new StreamOrigin(SIZE, 42, PAUSE_AFTER)) {
      NodeProcess node = NodeProcess.start(data, "256m");
      try {
        CompletableFuture<HttpResponse<String>> register =
            TestNode.HTTP.sendAsync(
                HttpRequest.newBuilder(URI.create(node.base + "/api/v1/register"))
                    .POST(HttpRequest.BodyPublishers.ofString(Jsons.location(origin.url())))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        Path temp = data.resolve("store").resolve("tmp");
        // The node has written part of the body to a temp file: now it dies.
        await("a partly written temp file")
            .atMost(Duration.ofSeconds(30))
            .until(() -> tempBytes(temp) >= PAUSE_AFTER / 2);
        node.kill();
        register.handle((r, e) -> null).join();
      } finally {
        node.close();
      }
    }

    try (NodeProcess again = NodeProcess.start(data, "256m")) {
      assertEquals(0, tempBytes(data.resolve("store").resolve("tmp")), "temp files left after recovery");
      assertEquals(404, again.get("/key/" + key).statusCode());
      Map<String, Object> status = Jsons.parse(again.get("/api/v1/status").body());
      @SuppressWarnings("unchecked")
      Map<String, Object> store = (Map<String, Object>) status.get("store");
      assertEquals(0, ((Number) store.get("bodies")).intValue());
      try (Stream<Path> files = Files.walk(data.resolve("store").resolve("bodies"))) {
        assertEquals(0, files.filter(Files::isRegularFile).count(), "no body file may exist");
      }
      // and the node works: the same body can be stored completely now
      try (StreamOrigin origin = new StreamOrigin(SIZE, 42, -1)) {
        HttpResponse<byte[]> r =
            TestNode.HTTP.send(
                HttpRequest.newBuilder(URI.create(again.base + "/api/v1/register"))
                    .POST(HttpRequest.BodyPublishers.ofString(Jsons.location(origin.url())))
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(201, r.statusCode(), new String(r.body()));
        assertEquals(key, Jsons.parse(r.body()).get("key"));
      }
    }
  }

  private static long tempBytes(Path temp) throws Exception {
    if (!Files.isDirectory(temp)) {
      return 0;
    }
    try (Stream<Path> files = Files.list(temp)) {
      return files.mapToLong(p -> p.toFile().length()).sum();
    }
  }
}
