package org.oversky.it;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The origin offload experiment: one origin (a static server that counts its requests) with many
 * objects, a cluster of nodes on loopback caching it, and clients spread over all nodes asking
 * for objects with a Zipf popularity. With cooperation the origin should see about one request
 * per distinct object; with independent caches, up to one per node.
 */
final class OffloadExperiment {
  /**
   * @param nodes nodes in the site cluster
   * @param objects objects at the origin
   * @param requests requests made, in all
   * @param clients concurrent clients
   * @param zipf the Zipf exponent of object popularity
   * @param originDelayMillis how long the origin takes to answer (a real origin is not on loopback)
   * @param cooperate whether the nodes share a cluster secret
   * @param lookupBudget the nodes' {@code cluster.lookup-budget}
   * @param seed fixes the request sequence
   */
  record Params(
      int nodes,
      int objects,
      int requests,
      int clients,
      double zipf,
      int originDelayMillis,
      boolean cooperate,
      String lookupBudget,
      long seed) {}

  /**
   * @param distinct distinct objects requested
   * @param originRequests requests the origin answered
   * @param hits requests answered from the node's own store
   * @param peerFills misses filled from another node
   * @param originFills misses that went to the origin (collapsed followers included)
   * @param peerP50 median latency of misses filled from peers, ms
   * @param peerP99 99th percentile of those, ms
   * @param originP50 median latency of misses filled from the origin, ms
   * @param originP99 99th percentile of those, ms
   * @param clusterTotals the nodes' cluster figures ({@code /api/v1/status}), summed
   */
  record Result(
      Params params,
      int distinct,
      int originRequests,
      int hits,
      int peerFills,
      int originFills,
      double peerP50,
      double peerP99,
      double originP50,
      double originP99,
      Map<String, Long> clusterTotals) {
    double originPerObject() {
      return (double) originRequests / distinct;
    }

    String markdownRow() {
      int n = params.requests();
      return String.format(
          "| %s | %d | %d | %.3f | %.1f %% | %.1f %% | %.1f %% | %s | %s |",
          params.cooperate() ? "on" : "off (baseline)", distinct, originRequests, originPerObject(),
          100.0 * hits / n, 100.0 * peerFills / n, 100.0 * originFills / n,
          peerFills == 0 ? "—" : String.format("%.1f / %.1f", peerP50, peerP99),
          String.format("%.1f / %.1f", originP50, originP99));
    }
  }

  private OffloadExperiment() {}

  static Result run(Path dir, Params p) throws Exception {
    Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    HttpServer origin = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    origin.setExecutor(Executors.newFixedThreadPool(32));
    origin.createContext("/obj/", exchange -> {
      try (exchange) {
        String path = exchange.getRequestURI().getPath();
        counts.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet();
        if (p.originDelayMillis() > 0) {
          Thread.sleep(p.originDelayMillis());
        }
        byte[] body = body(path);
        exchange.getResponseHeaders().add("Cache-Control", "public, max-age=3600");
        exchange.getResponseHeaders().add("Content-Type", "application/octet-stream");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    origin.start();
    String originUrl = "http://127.0.0.1:" + origin.getAddress().getPort();
    Map<String, String> settings = new HashMap<>();
    settings.put("sites", "site.test=" + originUrl);
    if (p.cooperate()) {
      settings.put("cluster.secret", "offload-experiment");
      settings.put("cluster.lookup-budget", p.lookupBudget());
    }
    try (Cluster cluster = Cluster.start(dir, p.nodes(), settings).awaitJoined()) {
      return load(cluster, p, counts);
    } finally {
      origin.stop(0);
    }
  }

  /** 2 to 20 KiB of bytes determined by the path. */
  static byte[] body(String path) {
    SplittableRandom r = new SplittableRandom(path.hashCode());
    byte[] b = new byte[2048 + r.nextInt(18 * 1024)];
    r.nextBytes(b);
    return b;
  }

  private static Result load(Cluster cluster, Params p, Map<String, AtomicInteger> counts) throws Exception {
    double[] cdf = zipfCdf(p.objects(), p.zipf());
    SplittableRandom random = new SplittableRandom(p.seed());
    int[] objects = new int[p.requests()];
    int[] nodes = new int[p.requests()];
    for (int i = 0; i < p.requests(); i++) {
      int o = Arrays.binarySearch(cdf, random.nextDouble());
      objects[i] = o >= 0 ? o : -o - 1;
      nodes[i] = random.nextInt(p.nodes());
    }
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    AtomicInteger next = new AtomicInteger();
    List<double[]> peerMillis = new ArrayList<>();
    List<double[]> originMillis = new ArrayList<>();
    AtomicInteger hits = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(p.clients());
    List<Future<?>> clients = new ArrayList<>();
    for (int c = 0; c < p.clients(); c++) {
      clients.add(pool.submit(() -> {
        List<Double> peer = new ArrayList<>();
        List<Double> orig = new ArrayList<>();
        for (int i = next.getAndIncrement(); i < p.requests(); i = next.getAndIncrement()) {
          String path = "/obj/" + objects[i];
          URI url = cluster.get(nodes[i]).url(path);
          long start = System.nanoTime();
          HttpResponse<byte[]> r = http.send(
              HttpRequest.newBuilder(url).header("Host", "site.test").timeout(Duration.ofSeconds(60)).build(),
              HttpResponse.BodyHandlers.ofByteArray());
          double ms = (System.nanoTime() - start) / 1e6;
          if (r.statusCode() != 200 || !Arrays.equals(body(path), r.body())) {
            throw new AssertionError(url + " answered " + r.statusCode() + " with other bytes");
          }
          String status = r.headers().firstValue("Cache-Status").orElse("");
          if (status.contains("fwd=peer")) {
            peer.add(ms);
          } else if (status.contains("hit")) {
            hits.incrementAndGet();
          } else {
            orig.add(ms);
          }
        }
        synchronized (peerMillis) {
          peerMillis.add(peer.stream().mapToDouble(Double::doubleValue).toArray());
          originMillis.add(orig.stream().mapToDouble(Double::doubleValue).toArray());
        }
        return null;
      }));
    }
    for (Future<?> f : clients) {
      f.get();
    }
    pool.shutdown();
    double[] peer = peerMillis.stream().flatMapToDouble(Arrays::stream).sorted().toArray();
    double[] orig = originMillis.stream().flatMapToDouble(Arrays::stream).sorted().toArray();
    Set<Integer> distinct = new java.util.HashSet<>();
    for (int o : objects) {
      distinct.add(o);
    }
    int originRequests = counts.values().stream().mapToInt(AtomicInteger::get).sum();
    Map<String, Long> totals = new java.util.TreeMap<>();
    for (TestNode n : cluster.nodes) {
      Map<?, ?> c = (Map<?, ?>) Jsons.parse(n.get("/api/v1/status").body()).get("cluster");
      c.forEach((k, v) -> {
        if (v instanceof Number num) {
          totals.merge((String) k, num.longValue(), Long::sum);
        }
      });
    }
    return new Result(
        p, distinct.size(), originRequests, hits.get(), peer.length, orig.length,
        quantile(peer, 0.5), quantile(peer, 0.99), quantile(orig, 0.5), quantile(orig, 0.99), totals);
  }

  private static double[] zipfCdf(int n, double s) {
    double[] cdf = new double[n];
    double sum = 0;
    for (int k = 1; k <= n; k++) {
      sum += 1 / Math.pow(k, s);
      cdf[k - 1] = sum;
    }
    for (int k = 0; k < n; k++) {
      cdf[k] /= sum;
    }
    return cdf;
  }

  private static double quantile(double[] sorted, double q) {
    if (sorted.length == 0) {
      return 0;
    }
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
  }
}
