package org.oversky.dht.sim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.oversky.dht.id.NodeId;
import org.oversky.dht.node.DhtConfig;
import org.oversky.dht.node.DhtNode;
import org.oversky.dht.node.LookupResult;

/**
 * The lookup experiment the DHT is measured by: build a network of n nodes (each joins through a
 * random earlier one), announce keys from random nodes, silence a fraction of all nodes, then look
 * the keys up from random live nodes under latency and report success, hops and messages.
 */
public final class Simulation {
  /**
   * One experiment.
   *
   * @param nodes network size
   * @param goneFraction share of nodes silenced after the keys are announced (0 to 0.9)
   * @param keys content keys announced, each by one random node
   * @param lookups provider lookups made, each from a random live node for a random key
   * @param conditions latency and loss during the lookups (and while the network is built)
   * @param config the nodes' configuration
   * @param seed fixes every random choice but the nodes' keys
   */
  public record Params(
      int nodes, double goneFraction, int keys, int lookups, SimNetwork.Conditions conditions, DhtConfig config, long seed) {
    public Params {
      if (nodes < 2 || keys < 1 || lookups < 1) {
        throw new IllegalArgumentException("at least 2 nodes, 1 key and 1 lookup");
      }
      if (!(goneFraction >= 0 && goneFraction <= 0.9)) {
        throw new IllegalArgumentException("goneFraction is between 0 and 0.9, got " + goneFraction);
      }
      Objects.requireNonNull(conditions, "conditions");
      Objects.requireNonNull(config, "config");
    }

    /** Lookups under 5–25 ms one-way latency and no loss, with timeouts fit for that. */
    public static Params of(int nodes, double goneFraction, int lookups, long seed) {
      return new Params(
          nodes,
          goneFraction,
          Math.max(10, lookups / 4),
          lookups,
          new SimNetwork.Conditions(Duration.ofMillis(5), Duration.ofMillis(25), 0),
          simConfig(),
          seed);
    }

    /** The defaults with request timeouts between 100 ms (twice the slowest round trip) and 2 s. */
    public static DhtConfig simConfig() {
      return DhtConfig.defaults().withTimeouts(Duration.ofMillis(100), Duration.ofSeconds(2), Duration.ofSeconds(10));
    }
  }

  /**
   * What an experiment measured.
   *
   * @param succeeded lookups that found a provider of their key
   * @param hopsMedian median hops of the successful lookups (see {@link LookupResult#hops()})
   * @param hopsP99 99th percentile of hops
   * @param messagesMedian median requests sent per lookup
   * @param messagesP99 99th percentile of requests per lookup
   * @param messagesMean mean requests per lookup
   * @param lookupMillisMedian median lookup time
   * @param buildMillis time to build the network and announce the keys
   */
  public record Report(
      int nodes,
      double goneFraction,
      int lookups,
      int succeeded,
      int hopsMedian,
      int hopsP99,
      int messagesMedian,
      int messagesP99,
      double messagesMean,
      long lookupMillisMedian,
      long buildMillis) {
    /** The share of lookups that succeeded. */
    public double successRate() {
      return (double) succeeded / lookups;
    }

    /** One row of the results table in docs/benchmarks.md. */
    public String markdownRow() {
      return String.format(
          "| %,d | %.0f %% | %d | %.2f %% | %d | %d | %d | %d | %.1f | %d ms |",
          nodes, goneFraction * 100, lookups, successRate() * 100, hopsMedian, hopsP99,
          messagesMedian, messagesP99, messagesMean, lookupMillisMedian);
    }
  }

  private Simulation() {}

  /**
   * Runs the experiment for each network size in {@code args[0]} (comma-separated, default
   * 1000,10000) with 0, 10 and 30 % of the nodes gone, {@code args[1]} lookups each (default 1000),
   * and prints a Markdown table for docs/benchmarks.md. bench/dht-sim.sh runs it.
   */
  public static void main(String[] args) {
    String sizes = args.length > 0 ? args[0] : "1000,10000";
    int lookups = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
    System.out.println("| nodes | gone | lookups | success | hops p50 | hops p99 | msgs p50 | msgs p99 | msgs mean | time p50 |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|");
    for (String size : sizes.split(",")) {
      for (double gone : new double[] {0, 0.1, 0.3}) {
        Report r = run(Params.of(Integer.parseInt(size.trim()), gone, lookups, 42));
        System.out.println(r.markdownRow());
        System.err.printf("(%d nodes built and %d keys announced in %.1f s; heap in use %d MiB)%n",
            r.nodes(), Math.max(10, lookups / 4), r.buildMillis() / 1000.0,
            (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20);
      }
    }
  }

  /** Runs one experiment on a network of its own. */
  public static Report run(Params p) {
    SplittableRandom random = new SplittableRandom(p.seed());
    try (SimNetwork net = new SimNetwork(p.seed())) {
      long start = System.nanoTime();
      net.setConditions(p.conditions());
      List<DhtNode> nodes = new ArrayList<>();
      nodes.add(net.addNode(p.config()));
      int batch = Math.max(1, Math.min(128, p.nodes() / 16));
      while (nodes.size() < p.nodes()) {
        List<CompletableFuture<?>> joins = new ArrayList<>();
        int joined = nodes.size();
        for (int i = 0; i < batch && nodes.size() < p.nodes(); i++) {
          DhtNode n = net.addNode(p.config());
          joins.add(n.join(nodes.get(random.nextInt(joined)).baseUrl()));
          nodes.add(n);
        }
        CompletableFuture.allOf(joins.toArray(CompletableFuture[]::new)).join();
      }
      NodeId[] keys = new NodeId[p.keys()];
      List<CompletableFuture<?>> announced = new ArrayList<>();
      for (int i = 0; i < keys.length; i++) {
        keys[i] = NodeId.random(random);
        announced.add(nodes.get(random.nextInt(nodes.size())).provide(keys[i]));
      }
      CompletableFuture.allOf(announced.toArray(CompletableFuture[]::new)).join();
      long buildMillis = (System.nanoTime() - start) / 1_000_000;

      List<DhtNode> shuffled = new ArrayList<>(nodes);
      for (int i = shuffled.size() - 1; i > 0; i--) {
        java.util.Collections.swap(shuffled, i, random.nextInt(i + 1));
      }
      int gone = (int) Math.round(p.goneFraction() * nodes.size());
      shuffled.subList(0, gone).forEach(net::silence);
      List<DhtNode> live = shuffled.subList(gone, shuffled.size());

      List<LookupResult> results = new ArrayList<>();
      int window = 32;
      for (int done = 0; done < p.lookups(); done += window) {
        List<CompletableFuture<LookupResult>> inFlight = new ArrayList<>();
        for (int i = done; i < Math.min(p.lookups(), done + window); i++) {
          DhtNode from = live.get(random.nextInt(live.size()));
          inFlight.add(from.findProviders(keys[random.nextInt(keys.length)], 1));
        }
        inFlight.forEach(f -> results.add(f.join()));
      }
      return report(p, results, buildMillis);
    }
  }

  private static Report report(Params p, List<LookupResult> results, long buildMillis) {
    List<LookupResult> ok = results.stream().filter(r -> !r.providers().isEmpty()).toList();
    if (Boolean.getBoolean("oversky.sim.debug")) {
      results.stream().filter(r -> r.providers().isEmpty()).forEach(r -> System.out.println("MISS " + r.messages() + " msgs, " + r.failures() + " failures, " + r.closest().size() + " closest, timedOut=" + r.timedOut() + " " + r.millis() + "ms"));
      System.out.println("FAILURES total " + results.stream().mapToInt(LookupResult::failures).sum());
    }
    int[] hops = ok.stream().mapToInt(LookupResult::hops).sorted().toArray();
    int[] messages = results.stream().mapToInt(LookupResult::messages).sorted().toArray();
    long[] millis = results.stream().mapToLong(LookupResult::millis).sorted().toArray();
    return new Report(
        p.nodes(),
        p.goneFraction(),
        results.size(),
        ok.size(),
        hops.length == 0 ? 0 : hops[hops.length / 2],
        hops.length == 0 ? 0 : hops[percentile(hops.length, 0.99)],
        messages[messages.length / 2],
        messages[percentile(messages.length, 0.99)],
        Arrays.stream(messages).average().orElse(0),
        millis[millis.length / 2],
        buildMillis);
  }

  private static int percentile(int n, double q) {
    return Math.min(n - 1, (int) Math.ceil(q * n) - 1);
  }
}
