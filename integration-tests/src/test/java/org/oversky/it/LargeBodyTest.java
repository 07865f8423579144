package org.oversky.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A body far larger than the heap streams through: 2 GiB registered and read back by a node capped at 256 MiB. */
class LargeBodyTest {
  private static final long SIZE = 2L << 30;

  @Test
  void twoGibBodyRoundTripsThroughANodeWith256MibHeap(@TempDir Path dir) throws Exception {
    String expected = Bytes.Stream.sha256(SIZE, 2026);
    try (StreamOrigin origin = new StreamOrigin(SIZE, 2026, -1);
        NodeProcess node = NodeProcess.start(dir.resolve("data"), "256m", "--max-body", "3GiB")) {
      long start = System.nanoTime();
      HttpResponse<byte[]> reg =
          TestNode.HTTP.send(
              HttpRequest.newBuilder(URI.create(node.base + "/api/v1/register"))
                  .timeout(Duration.ofMinutes(5))
                  .POST(HttpRequest.BodyPublishers.ofString(Jsons.location(origin.url())))
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      double registerSeconds = (System.nanoTime() - start) / 1e9;
      assertEquals(201, reg.statusCode(), new String(reg.body()));
      Map<String, Object> json = Jsons.parse(reg.body());
      assertEquals(expected, json.get("key"));
      assertEquals(SIZE, ((Number) json.get("size")).longValue());

      start = System.nanoTime();
      HttpResponse<InputStream> got =
          TestNode.HTTP.send(
              HttpRequest.newBuilder(URI.create(node.base + "/key/" + expected)).timeout(Duration.ofMinutes(5)).build(),
              HttpResponse.BodyHandlers.ofInputStream());
      assertEquals(200, got.statusCode());
      MessageDigest sha = Bytes.digest();
      long total = 0;
      try (InputStream in = got.body()) {
        byte[] buf = new byte[1 << 16];
        int n;
        while ((n = in.read(buf)) >= 0) {
          sha.update(buf, 0, n);
          total += n;
        }
      }
      double getSeconds = (System.nanoTime() - start) / 1e9;
      assertEquals(SIZE, total);
      assertEquals(expected, HexFormat.of().formatHex(sha.digest()));

      @SuppressWarnings("unchecked")
      Map<String, Object> jvm = (Map<String, Object>) Jsons.parse(node.get("/api/v1/status").body()).get("jvm");
      long max = ((Number) jvm.get("heapMaxBytes")).longValue();
      long peak = ((Number) jvm.get("heapPeakBytes")).longValue();
      assertTrue(max <= 256L << 20, "heap cap " + max);
      System.out.printf(
          "2 GiB body: register %.1f s, read back %.1f s; node heap peak %d MiB of a %d MiB cap%n",
          registerSeconds, getSeconds, peak >> 20, max >> 20);
    }
  }
}
