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

  /**
   * Misses are answered before their bodies are synced (the store commits in batches): a node
   * killed at any moment of a stream of misses must, after its restart, serve every URL it still
   * has with exactly the origin's bytes, and every key with bytes that hash to it.
   */
  @Test
  void sigkillDuringAStreamOfMissesLeavesOnlyWholeVerifiedBodies(@TempDir Path dir) throws Exception {
    int objects = 400;
    java.util.List<byte[]> bodies = new java.util.ArrayList<>();
    for (int i = 0; i < objects; i++) {
      bodies.add(Bytes.random(i % 3 == 0 ? 2_000 + i : 20_000 + 173 * i, i)); // inline and file bodies
    }
    com.sun.net.httpserver.HttpServer origin =
        com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
    origin.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
    origin.createContext("/o/", ex -> {
      byte[] b = bodies.get(Integer.parseInt(ex.getRequestURI().getPath().substring(3)));
      ex.getResponseHeaders().add("Cache-Control", "max-age=3600");
      ex.sendResponseHeaders(200, b.length);
      ex.getResponseBody().write(b);
      ex.close();
    });
    origin.start();
    Path data = dir.resolve("data");
    String site = "crash.test=http://127.0.0.1:" + origin.getAddress().getPort();
    java.util.Random random = new java.util.Random(2026);
    try {
      int next = 0;
      for (int round = 0; round < 3; round++) {
        NodeProcess node = NodeProcess.start(data, "256m", "--site", site);
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        int from = next;
        java.util.concurrent.ExecutorService load = java.util.concurrent.Executors.newFixedThreadPool(4);
        for (int t = 0; t < 4; t++) {
          int lane = t;
          load.execute(() -> {
            for (int i = from + lane; i < objects; i += 4) {
              try {
                siteGet(node.base, "/o/" + i, false);
                asked.incrementAndGet();
              } catch (Exception killed) {
                return;
              }
            }
          });
        }
        int killAfter = 20 + random.nextInt(60);
        await("misses under way").atMost(Duration.ofSeconds(60)).until(() -> asked.get() >= killAfter);
        node.kill();
        load.shutdownNow();
        load.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
        next = Math.min(objects - 4, from + asked.get());
      }
      try (NodeProcess again = NodeProcess.start(data, "256m", "--site", site)) {
        int stored = 0;
        for (int i = 0; i < objects; i++) {
          HttpResponse<byte[]> cached = siteGet(again.base, "/o/" + i, true);
          if (cached.statusCode() == 200) {
            stored++;
            org.junit.jupiter.api.Assertions.assertArrayEquals(bodies.get(i), cached.body(), "/o/" + i + " after the crashes");
          } else {
            assertEquals(504, cached.statusCode(), "/o/" + i);
          }
          HttpResponse<byte[]> byKey = again.get("/key/" + Bytes.sha256(bodies.get(i)));
          if (byKey.statusCode() == 200) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(bodies.get(i), byKey.body(), "/key/ of /o/" + i);
          } else {
            assertEquals(404, byKey.statusCode(), "/key/ of /o/" + i);
          }
        }
        assertEquals(0, tempBytes(data.resolve("store").resolve("tmp")), "temp files left after recovery");
        String log = java.nio.file.Files.readString(again.log);
        org.junit.jupiter.api.Assertions.assertTrue(
            stored > 0,
            "some bodies survived the crashes (else this test shows nothing); the recovering node's log:\n"
                + log.substring(Math.max(0, log.length() - 4000)));
      }
    } finally {
      origin.stop(0);
    }
  }

  private static HttpResponse<byte[]> siteGet(URI base, String path, boolean onlyIfCached) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30)).header("Host", "crash.test");
    if (onlyIfCached) {
      b.header("Cache-Control", "only-if-cached");
    }
    return TestNode.HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
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
