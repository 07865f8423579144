package org.oversky.dht.sim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.oversky.dht.id.NodeId;
import org.oversky.dht.node.DhtConfig;
import org.oversky.dht.node.DhtNode;
import org.oversky.dht.node.LookupResult;

/**
 * The churn experiment: a network of real nodes on simulated time ({@link VirtualNetwork}) in
 * which nodes leave without a word and others join in their place all the time, with session
 * lengths from a heavy-tailed (Pareto) distribution whose mean replaces {@code churnPerHour} of
 * the network an hour. Every node runs its maintenance round each minute; keys are provided
 * by random nodes, and a key whose provider leaves is replaced by a new key of a node that joins.
 * Every hour, lookups of random keys (of live providers) from random live honest nodes tell
 * whether their records can still be found, and how long that takes. A node joins through a
 * random live honest node, as a node joins through the bootstrap nodes its operator gives.
 */
public final class ChurnSimulation {
  /**
   * One experiment.
   *
   * @param nodes network size, kept constant: each node that leaves is replaced
   * @param hours how long it runs, in simulated hours
   * @param churnPerHour the share of the network replaced an hour (0.3: 30 %)
   * @param hostileFraction the share of nodes that are hostile
   * @param hostileKinds what the hostile nodes do, each kind for an equal share of them
   * @param keysPerNode keys provided per node
   * @param lookupsPerSample lookups in each hourly sample
   * @param config the nodes' configuration
   * @param seed fixes every random choice
   */
  public record Params(
      int nodes,
      int hours,
      double churnPerHour,
      double hostileFraction,
      List<VirtualNetwork.Behaviour> hostileKinds,
      int keysPerNode,
      int lookupsPerSample,
      DhtConfig config,
      long seed) {
    public Params {
      hostileKinds = List.copyOf(hostileKinds);
      if (hostileFraction > 0 && (hostileKinds.isEmpty() || hostileKinds.contains(VirtualNetwork.Behaviour.HONEST))) {
        throw new IllegalArgumentException("hostile nodes need one or more hostile kinds, got " + hostileKinds);
      }
    }
  }

  /**
   * Every kind of hostile node: dropping requests, naming far hostile nodes, naming the hostile
   * nodes closest to the target, naming made-up nodes next to the target.
   */
  public static final List<VirtualNetwork.Behaviour> EVERY_HOSTILE_KIND = List.of(
      VirtualNetwork.Behaviour.DROP, VirtualNetwork.Behaviour.LIE, VirtualNetwork.Behaviour.COLLUDE, VirtualNetwork.Behaviour.FAKE);

  /** One hourly sample. */
  public record Sample(
      int hour, int lookups, int found, long p50Millis, long p99Millis, long messagesPerNodeHour, int joined, int left, int timedOut, int lost) {
    /** The share of lookups that found the provider. */
    public double success() {
      return lookups == 0 ? 1 : (double) found / lookups;
    }
  }

  /** The whole run: the samples, and the heap it took per node at the end. */
  public record Result(List<Sample> samples, long heapBytesPerNode, long buildMillis) {}

  /** The Pareto shape of session lengths: a heavy tail (many short sessions, a few very long). */
  static final double PARETO_SHAPE = 1.5;
  /** The bootstrap nodes each node is given (random live honest nodes). */
  static final int BOOTSTRAPS = 3;
  private static final long HOUR = 3_600_000;
  private static final long MINUTE = 60_000;

  private final Params p;
  private final VirtualNetwork net;
  private final SplittableRandom random;
  private final List<DhtNode> live = new ArrayList<>();
  /** Each key, by the node that provides it. */
  private final Map<DhtNode, List<NodeId>> keysOf = new HashMap<>();
  /** When each node's keys were announced; a key is looked up only a minute after that. */
  private final Map<DhtNode, Long> providedAt = new HashMap<>();
  /** When each node joined, for CHURN_DEBUG's lines. */
  private final Map<DhtNode, Long> joinedAt = new HashMap<>();
  private static final boolean DEBUG = System.getenv("CHURN_DEBUG") != null;
  private int joined;
  private int left;

  private final java.util.function.Consumer<String> progress;

  /** An experiment that reports nothing until it ends. */
  public ChurnSimulation(Params p) {
    this(p, 1, line -> {});
  }

  /**
   * An experiment on {@code threads} threads (see {@link VirtualNetwork}) that tells {@code
   * progress} when the network is built and after every hour, with each hour's figures (a long
   * run stopped early keeps the hours it ran).
   */
  public ChurnSimulation(Params p, int threads, java.util.function.Consumer<String> progress) {
    this.progress = progress;
    this.p = p;
    this.net = new VirtualNetwork(1_800_000_000_000L, p.seed(), threads);
    this.random = new SplittableRandom(p.seed() ^ 0x5DEECE66DL);
  }

  /** Runs the experiment. */
  public Result run() {
    long startedAt = System.nanoTime();
    for (int i = 0; i < p.nodes(); i++) {
      join(false);
      net.runUntil(net.now() + 200);
    }
    net.runUntil(net.now() + 10 * MINUTE);
    long buildMillis = (System.nanoTime() - startedAt) / 1_000_000;
    progress.accept(String.format("%d nodes joined in %d s of wall clock", p.nodes(), buildMillis / 1000));
    long start = net.now();
    List<Sample> samples = new ArrayList<>();
    for (int hour = 1; hour <= p.hours(); hour++) {
      long messagesBefore = net.messages();
      int joinedBefore = joined;
      int leftBefore = left;
      net.runUntil(start + hour * HOUR);
      Sample sample = sample(hour, (net.messages() - messagesBefore) / Math.max(1, live.size()), joined - joinedBefore, left - leftBefore);
      samples.add(sample);
      progress.accept(String.format(
          "hour %d of %d: %.1f %% of %d lookups found, p50 %d ms, p99 %d ms, %d messages a node, %d timed out, %d held nowhere; %d joined, %d left (%d s of wall clock so far)",
          hour, p.hours(), 100 * sample.success(), sample.lookups(), sample.p50Millis(), sample.p99Millis(), sample.messagesPerNodeHour(),
          sample.timedOut(), sample.lost(), sample.joined(), sample.left(), (System.nanoTime() - startedAt) / 1_000_000_000));
    }
    System.gc();
    Runtime rt = Runtime.getRuntime();
    long heap = (rt.totalMemory() - rt.freeMemory()) / Math.max(1, live.size());
    net.close();
    return new Result(samples, heap, buildMillis);
  }

  /** A new node joins through a random live one, provides its keys, and is given its maintenance and its departure. */
  private void join(boolean replacing) {
    boolean hostile = random.nextDouble() < p.hostileFraction();
    VirtualNetwork.Behaviour behaviour =
        !hostile ? VirtualNetwork.Behaviour.HONEST : p.hostileKinds().get(random.nextInt(p.hostileKinds().size()));
    DhtNode node = net.addNode(p.config(), behaviour);
    // a node joins through a bootstrap node its operator trusts, as oversky's --bootstrap: a random live honest one
    DhtNode through = randomHonest();
    live.add(node);
    joinedAt.put(node, net.now());
    if (replacing) {
      joined++;
    }
    if (through != null) {
      // its operator gives it a few: it joins through one and rejoins through any while its table is thin
      for (int i = 1; i < BOOTSTRAPS; i++) {
        DhtNode other = randomHonest();
        if (other != null) {
          node.addBootstrap(other.baseUrl());
        }
      }
      node.join(through.baseUrl());
    }
    if (!hostile) {
      List<NodeId> keys = new ArrayList<>();
      for (int i = 0; i < p.keysPerNode(); i++) {
        keys.add(NodeId.random(random));
      }
      keysOf.put(node, keys);
      net.at(net.now() + 5_000, () -> {
        if (keysOf.containsKey(node)) {
          node.provideAll(keys);
          providedAt.put(node, net.now());
        }
      });
    }
    long offset = random.nextLong(MINUTE);
    net.at(node, net.now() + offset, () -> maintain(node));
    // the first nodes are met mid-session, as in a network that has run a while: a uniform share of a session is left
    if (p.churnPerHour() > 0) {
      long stay = replacing ? session() : (long) (random.nextDouble() * session());
      net.at(net.now() + stay, () -> leave(node));
    }
  }

  /**
   * A random live honest node, null when there is none: random live nodes until one is honest
   * (about 1.25 draws with a fifth hostile), instead of a list of every honest node made for each
   * join (5 % of a 10,000-node run's time).
   */
  private DhtNode randomHonest() {
    for (int i = 0; i < 64 && !live.isEmpty(); i++) {
      DhtNode n = live.get(random.nextInt(live.size()));
      if (!net.isHostile(n)) {
        return n;
      }
    }
    List<DhtNode> honest = live.stream().filter(n -> !net.isHostile(n)).toList();
    return honest.isEmpty() ? null : honest.get(random.nextInt(honest.size()));
  }

  private void maintain(DhtNode node) {
    if (!net.isLive(node.id())) {
      return;
    }
    node.maintain();
    net.at(node, net.now() + MINUTE, () -> maintain(node));
  }

  private void leave(DhtNode node) {
    live.remove(node);
    keysOf.remove(node);
    providedAt.remove(node);
    joinedAt.remove(node);
    net.remove(node);
    left++;
    join(true);
  }

  /** A session length: Pareto with the shape above and the mean that replaces churnPerHour an hour. */
  private long session() {
    double meanHours = 1 / p.churnPerHour();
    double scale = meanHours * (PARETO_SHAPE - 1) / PARETO_SHAPE;
    double u = 1 - random.nextDouble();
    return (long) (scale * Math.pow(u, -1 / PARETO_SHAPE) * HOUR);
  }

  private Sample sample(int hour, long messagesPerNode, int joinedInHour, int leftInHour) {
    List<DhtNode> providers = providedAt.entrySet().stream().filter(e -> e.getValue() <= net.now() - MINUTE).map(Map.Entry::getKey).toList();
    List<DhtNode> askers = live.stream().filter(n -> !net.isHostile(n)).toList();
    List<long[]> done = new ArrayList<>();
    int[] found = new int[1];
    for (int i = 0; i < p.lookupsPerSample() && !providers.isEmpty(); i++) {
      DhtNode provider = providers.get(random.nextInt(providers.size()));
      List<NodeId> keys = keysOf.get(provider);
      NodeId key = keys.get(random.nextInt(keys.size()));
      DhtNode asker = askers.get(random.nextInt(askers.size()));
      if (asker == provider) {
        continue;
      }
      // the asker's event: with several threads, on its part's thread (the tallies are shared)
      net.at(asker, net.now() + i * 50L, () -> asker.findProviders(key, 1).thenAccept((LookupResult r) -> {
        if (!net.isLive(asker.id()) || !net.isLive(provider.id())) {
          return; // the asker or the provider left while the lookup ran: not a lookup of the network's
        }
        boolean ok = r.providers().stream().anyMatch(x -> x.providerId().equals(provider.id()));
        long[] tally = {r.millis(), ok ? 1 : 0, r.timedOut() ? 1 : 0, ok || held(key, provider) ? 0 : 1};
        synchronized (done) {
          found[0] += ok ? 1 : 0;
          done.add(tally);
        }
        if (!ok && DEBUG) {
          List<DhtNode> ranked = live.stream().filter(n -> n != provider).sorted((a, b) -> key.compareDistance(a.id(), b.id())).toList();
          Long at = providedAt.get(provider);
          StringBuilder why = new StringBuilder("miss: hour " + hour + ", provided " + (at == null ? -1 : (net.now() - at) / MINUTE) + " min ago, asker rank " + ranked.indexOf(asker) + ", provider live " + net.isLive(provider.id())
              + ", asker joined " + (net.now() - joinedAt.getOrDefault(asker, net.now())) / 1000 + " s ago, its table " + tableSizes(asker)
              + ", answered " + r.closest().size() + " msgs " + r.messages() + " failures " + r.failures() + "; holders at ranks");
          for (int j = 0; j < ranked.size(); j++) {
            if (net.holds(ranked.get(j), key, provider.id())) {
              why.append(' ').append(j);
            }
          }
          why.append("; asked-and-answered ranks");
          for (var c : r.closest()) {
            why.append(' ').append(ranked.stream().map(DhtNode::id).toList().indexOf(c.id()));
          }
          System.err.println(why);
        }
      }));
    }
    if (DEBUG) {
      int[] sizes = askers.stream().mapToInt(n -> n.table().size()).sorted().toArray();
      long thin = java.util.Arrays.stream(sizes).filter(n -> n < p.config().k()).count();
      System.err.printf("tables: hour %d, %d of %d honest nodes hold fewer than k contacts; sizes min %d, p1 %d, p10 %d, median %d%n", hour, thin, sizes.length,
          sizes[0], sizes[sizes.length / 100], sizes[sizes.length / 10], sizes[sizes.length / 2]);
    }
    net.runUntil(net.now() + p.lookupsPerSample() * 50L + p.config().lookupTimeout().toMillis() + 1_000);
    long[] millis = done.stream().filter(d -> d[1] == 1).mapToLong(d -> d[0]).sorted().toArray();
    return new Sample(hour, done.size(), found[0], percentile(millis, 0.5), percentile(millis, 0.99), messagesPerNode, joinedInHour, leftInHour,
        (int) done.stream().filter(d -> d[1] == 0 && d[2] == 1).count(), (int) done.stream().filter(d -> d[3] == 1).count());
  }

  /** A node's table size and how many of its contacts are live, for CHURN_DEBUG. */
  private String tableSizes(DhtNode n) {
    List<org.oversky.dht.routing.Contact> contacts = n.table().contacts();
    return contacts.size() + " contacts, " + contacts.stream().filter(c -> net.isLive(c.id())).count() + " live";
  }

  /** Whether any live honest node holds {@code provider}'s record of {@code key} (asked directly, as an outsider would). */
  private boolean held(NodeId key, DhtNode provider) {
    for (DhtNode n : live) {
      if (n != provider && !net.isHostile(n) && net.holds(n, key, provider.id())) {
        return true;
      }
    }
    return false;
  }

  private static long percentile(long[] sorted, double q) {
    return sorted.length == 0 ? -1 : sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))];
  }

  /** The nodes' configuration for the experiment: the defaults, with time-outs fit for round trips of 20 to 320 ms. */
  public static DhtConfig simConfig() {
    return DhtConfig.defaults().withTimeouts(Duration.ofMillis(400), Duration.ofSeconds(2), Duration.ofSeconds(10));
  }

  /**
   * {@code java ... ChurnSimulation NODES HOURS [HOSTILE] [LOOKUPS] [SEED] [on|no-hand-over] [CHURN] [PATHS] [THREADS]}:
   * prints one Markdown table row per hour and a summary. HOSTILE is the hostile share, alone
   * (every kind) or with the kinds after a slash ({@code 0.2/collude,drop}); CHURN the share
   * replaced an hour (0.3; 0: none); PATHS the disjoint paths of a lookup (the default
   * configuration's when absent or {@code -}); THREADS the threads the events run on (1).
   */
  public static void main(String[] args) {
    int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int hours = args.length > 1 ? Integer.parseInt(args[1]) : 48;
    String[] hostileArg = (args.length > 2 ? args[2] : "0").split("/", 2);
    double hostile = Double.parseDouble(hostileArg[0]);
    List<VirtualNetwork.Behaviour> kinds = hostileArg.length < 2 ? EVERY_HOSTILE_KIND
        : java.util.Arrays.stream(hostileArg[1].split(",")).map(k -> VirtualNetwork.Behaviour.valueOf(k.trim().toUpperCase(java.util.Locale.ROOT))).toList();
    int lookups = args.length > 3 ? Integer.parseInt(args[3]) : 200;
    long seed = args.length > 4 ? Long.parseLong(args[4]) : 1;
    boolean handOver = args.length <= 5 || !args[5].equals("no-hand-over");
    double churn = args.length > 6 ? Double.parseDouble(args[6]) : 0.3;
    DhtConfig config = simConfig().withHandOver(handOver);
    config = args.length > 7 && !args[7].equals("-") ? config.withPaths(Integer.parseInt(args[7])) : config;
    int threads = args.length > 8 ? Integer.parseInt(args[8]) : 1;
    Params params = new Params(nodes, hours, churn, hostile, kinds, 2, lookups, config, seed);
    long t0 = System.nanoTime();
    System.out.printf("%d nodes, %d h, %.0f %% replaced an hour (Pareto sessions, shape %.1f), %.0f %% hostile %s, %d lookups an hour, hand-over %s, %d lookup path%s, %d thread%s%n%n",
        nodes, hours, churn * 100, PARETO_SHAPE, hostile * 100, kinds, lookups, handOver ? "on" : "off", config.paths(), config.paths() == 1 ? "" : "s",
        threads, threads == 1 ? "" : "s");
    System.out.println("| hour | joined | left | lookups | found | p50 ms | p99 ms | messages/node/h | failed: timed out | failed: record held nowhere |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|");
    Result r = new ChurnSimulation(params, threads, line -> System.err.println("churn: " + line)).run();
    double worst = 1;
    for (Sample s : r.samples()) {
      worst = Math.min(worst, s.success());
      System.out.printf("| %d | %d | %d | %d | %.1f %% | %d | %d | %d | %d | %d |%n", s.hour(), s.joined(), s.left(), s.lookups(), 100 * s.success(),
          s.p50Millis(), s.p99Millis(), s.messagesPerNodeHour(), s.timedOut(), s.lost());
    }
    System.out.printf("%nworst sample: %.2f %% found; heap per node at the end: %d KiB; built in %d ms; run in %d s (wall clock)%n",
        100 * worst, r.heapBytesPerNode() / 1024, r.buildMillis(), (System.nanoTime() - t0) / 1_000_000_000);
  }
}
