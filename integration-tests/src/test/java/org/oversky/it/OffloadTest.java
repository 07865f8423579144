package org.oversky.it;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The origin offload experiment at test size: 10 nodes, 200 objects, Zipf load over all nodes.
 * With cooperation the origin sees at most 1.05 requests per distinct object; without, clearly
 * more. {@link #fullSizeReport} is the benchmark's size (bench/offload.sh runs it).
 */
class OffloadTest {
  @Test
  void aClusterAsksTheOriginAboutOncePerObject(@TempDir Path dir) throws Exception {
    OffloadExperiment.Result coop =
        OffloadExperiment.run(dir.resolve("coop"), new OffloadExperiment.Params(10, 200, 1500, 4, 1.0, 20, true, "150ms", 5));
    OffloadExperiment.Result alone =
        OffloadExperiment.run(dir.resolve("alone"), new OffloadExperiment.Params(10, 200, 1500, 4, 1.0, 20, false, "150ms", 5));
    System.out.println("offload (test size):\n" + coop.markdownRow() + "\n" + alone.markdownRow() + "\n" + coop.clusterTotals());
    assertTrue(coop.originPerObject() <= 1.05, coop.toString());
    assertTrue(coop.peerFills() > 0, coop.toString());
    assertTrue(alone.originPerObject() > 1.5, "independent caches ask the origin more: " + alone);
  }

  @Test
  void fullSizeReport(@TempDir Path dir) throws Exception {
    assumeTrue(Boolean.getBoolean("oversky.offload"), "set -Doversky.offload=true (bench/offload.sh) for the full size");
    int objects = Integer.getInteger("oversky.offload.objects", 1000);
    int requests = Integer.getInteger("oversky.offload.requests", 20000);
    int clients = Integer.getInteger("oversky.offload.clients", 16);
    String budget = System.getProperty("oversky.offload.budget", "150ms");
    StringBuilder out = new StringBuilder();
    out.append("| cooperation | distinct objects | origin requests | origin requests per object | hits | peer fills | origin fills | peer-fill latency p50 / p99 (ms) | origin-fill latency p50 / p99 (ms) |\n");
    out.append("|---|---|---|---|---|---|---|---|---|\n");
    for (boolean cooperate : new boolean[] {true, false}) {
      OffloadExperiment.Result r = OffloadExperiment.run(
          dir.resolve(cooperate ? "coop" : "alone"),
          new OffloadExperiment.Params(10, objects, requests, clients, 1.0, 20, cooperate, budget, 42));
      out.append(r.markdownRow()).append('\n');
      System.out.println("cluster figures, summed over the nodes: " + r.clusterTotals());
    }
    System.out.println("OFFLOAD REPORT\n" + out);
  }
}
