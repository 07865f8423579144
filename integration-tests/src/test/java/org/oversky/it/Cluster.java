package org.oversky.it;

import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Real nodes on loopback ports in this JVM forming one DHT: the first starts alone, every other
 * bootstraps from it. {@link #awaitJoined()} waits until every node's table holds every other.
 */
final class Cluster implements AutoCloseable {
  final List<TestNode> nodes = new ArrayList<>();

  static Cluster start(Path dir, int size, Map<String, String> settings) throws Exception {
    return start(dir, size, settings, java.time.InstantSource.system());
  }

  /** As {@link #start(Path, int, Map)}, every node on {@code clock} (one clock: their messages' times agree). */
  static Cluster start(Path dir, int size, Map<String, String> settings, java.time.InstantSource clock) throws Exception {
    Cluster c = new Cluster();
    try {
      for (int i = 0; i < size; i++) {
        Map<String, String> s = new HashMap<>(settings);
        if (i > 0) {
          s.put("dht.bootstrap", c.nodes.get(0).base.toString());
        }
        c.nodes.add(TestNode.start(dir.resolve("node" + i), s, clock));
      }
    } catch (Exception | AssertionError e) {
      c.close();
      throw e;
    }
    return c;
  }

  TestNode get(int i) {
    return nodes.get(i);
  }

  /** How many contacts a node lists at {@code GET /api/v1/hosts}. */
  static int hosts(TestNode node) throws Exception {
    return ((Number) Jsons.parse(node.get("/api/v1/hosts").body()).get("count")).intValue();
  }

  /** Waits until every node knows every other one. */
  Cluster awaitJoined() {
    await("every node knows the " + (nodes.size() - 1) + " others")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> {
          for (TestNode n : nodes) {
            if (hosts(n) < nodes.size() - 1) {
              return false;
            }
          }
          return true;
        });
    return this;
  }

  /** The sum over {@code nodes} of one figure of their status document's {@code cluster} part. */
  static long clusterFigure(List<TestNode> nodes, String name) throws Exception {
    long sum = 0;
    for (TestNode n : nodes) {
      Map<?, ?> cluster = (Map<?, ?>) Jsons.parse(n.get("/api/v1/status").body()).get("cluster");
      sum += ((Number) cluster.get(name)).longValue();
    }
    return sum;
  }

  /** Stops node {@code i} for good: {@link #get} gives null for it from then on. */
  void stop(int i) throws Exception {
    TestNode n = nodes.set(i, null);
    if (n != null) {
      n.close();
    }
  }

  @Override
  public void close() throws Exception {
    for (TestNode n : nodes) {
      if (n != null) {
        n.close();
      }
    }
  }
}
