package org.oversky.gateway.replica;

import java.net.URI;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.oversky.cache.ContentKey;
import org.oversky.cache.ContentStore;
import org.oversky.cache.StoredBody;
import org.oversky.conf.ReplicaSettings;
import org.oversky.gateway.dht.PeerFetcher;
import org.oversky.gateway.key.KeyHandler;
import org.oversky.gateway.metrics.Failures;
import org.oversky.gateway.routing.ClusterMonitor;
import org.oversky.routing.placement.Placement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@code replicas.count} copies of every registered body this node holds (a body no site
 * response refers to), and the site's {@code replicas} copies of every body a cached response of
 * a site with that option refers to, on the first nodes of its placement order ({@link Placement}) over the
 * nodes the view holds placeable ({@link #placeable}). Every {@link #TICK_MILLIS} the one tick
 * thread checks a batch of keys: each node of the placement that is not this one is asked whether
 * it holds the key ({@code HEAD /key/<sha>} with {@code Cache-Control: only-if-cached}); one that
 * does not is asked to copy it from here ({@code POST /api/v1/keys/<sha>/replicate}). A key whose
 * placement is complete is checked again only when its placement changes, or after {@link
 * #RECHECK_MILLIS}; one that is not, at every tick until it is.
 *
 * <p>A round walks every key held, {@link #EXAMINE_PER_TICK} a tick. It starts when the last one
 * is done and the placeable nodes have changed since it began (a holder gone past its grace, a
 * node joined), or {@link #RECHECK_MILLIS} after it began: a node whose keys are all complete, or
 * need no copies (a site's cached bodies, by default), does no work between rounds. Keys that
 * need a check sooner (just registered, just cached for a site that asks for copies, incomplete)
 * come before the round.
 *
 * <p>The other side: a node asked to copy a key fetches it from the asking node (only a node of
 * its view), checks it against its SHA-256 ({@link PeerFetcher}), stores it, and the store's
 * listener announces it; it keeps the number of copies it was asked for with the key (in memory:
 * after a restart, a copy no response of its own refers to counts as a registered body). Copies go one at a time on their own thread, paced to {@code
 * replicas.repair-rate}. Every holder of a key checks it, so the copies are repaired while any
 * holder lives.
 */
public final class Replicas extends AbstractLifeCycle {
  /** How often a batch of keys is checked. */
  public static final long TICK_MILLIS = 2_000;
  /** The most keys one tick checks with other nodes (each may ask every node of its placement). */
  static final int PER_TICK = 256;
  /** The most keys of the round one tick looks at (a read of the index file each, for its copies). */
  static final int EXAMINE_PER_TICK = 4096;
  /** How long a complete placement is trusted before it is checked again. */
  static final long RECHECK_MILLIS = 10 * 60_000;
  /** How long one question to another node may take. */
  static final long ASK_TIMEOUT_MILLIS = 2_000;
  /** The most copies waiting to be made here. */
  static final int MAX_PENDING = 10_000;

  private static final Logger LOG = LoggerFactory.getLogger(Replicas.class);

  private final ReplicaSettings settings;
  private final URI self;
  private final ContentStore store;
  private final ClusterMonitor monitor;
  private final PeerFetcher peers;
  private final Failures failures;
  private final InstantSource clock;
  /** The copies the site of a response URL asks for (0: none). */
  private final java.util.function.ToIntFunction<String> copiesForUrl;
  /** Copies made here on request, with the number of copies the holder asked for. */
  private final Map<ContentKey, Integer> askedCopies = new ConcurrentHashMap<>();

  /** What the last check of a key found. Written by the tick thread only. */
  private record Checked(List<URI> placement, boolean complete, long atMillis) {}

  private final Map<ContentKey, Checked> checked = new ConcurrentHashMap<>();
  /** When the tick first saw each node down. Written by the tick thread only. */
  private final Map<URI, Long> downSince = new HashMap<>();
  /** Keys to check at the next tick, before the round (just registered, say). */
  private final Queue<ContentKey> urgent = new ConcurrentLinkedQueue<>();
  /** The rest of the keys of the current round. Written by the tick thread only. */
  private final ArrayDeque<ContentKey> round = new ArrayDeque<>();
  /** The placeable nodes when the current round began, and when (null and 0 before the first). Tick thread only. */
  private Set<Placement.Node> roundNodes;
  private long roundStartedMillis;
  /** Keys found incomplete, checked again at the next tick. Tick thread only. */
  private Set<ContentKey> retry = new java.util.LinkedHashSet<>();
  private final LongAdder examined = new LongAdder();
  /** Copies to make here, by key: the node to copy from. */
  private final Map<ContentKey, URI> pending = new ConcurrentHashMap<>();
  /** The keys of {@link #pending}, in the order they came. */
  private final Queue<ContentKey> toCopy = new ConcurrentLinkedQueue<>();
  /** Whether the copy loop runs. */
  private final java.util.concurrent.atomic.AtomicBoolean copying = new java.util.concurrent.atomic.AtomicBoolean();
  private final LongAdder asked = new LongAdder();
  private final LongAdder copied = new LongAdder();
  private final LongAdder copyFailures = new LongAdder();
  private final AtomicLong bytesCopied = new AtomicLong();
  private HttpClient client;
  private ScheduledExecutorService ticks;
  private ScheduledExecutorService copies;

  /**
   * @param copiesForUrl the {@code replicas} option of the site a stored response's URL belongs
   *     to (0 when none, or no such site)
   */
  public Replicas(
      ReplicaSettings settings, URI self, ContentStore store, ClusterMonitor monitor, PeerFetcher peers, Failures failures, InstantSource clock,
      java.util.function.ToIntFunction<String> copiesForUrl) {
    this.copiesForUrl = copiesForUrl;
    this.settings = settings;
    this.self = self;
    this.store = store;
    this.monitor = monitor;
    this.peers = peers;
    this.failures = failures;
    this.clock = clock;
  }

  @Override
  protected void doStart() throws Exception {
    client = org.oversky.gateway.http.NodeClients.start("oversky-replica-client", ASK_TIMEOUT_MILLIS);
    ticks = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("oversky-replicas").daemon(true).factory());
    copies = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("oversky-replica-copy").daemon(true).factory());
    ticks.scheduleWithFixedDelay(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    // a response of a site that asks for copies: its body is checked at the next tick, not in its turn
    store.responses().addListener(r -> {
      try {
        if (!checked.containsKey(r.body()) && copiesForUrl.applyAsInt(r.url()) > 1) {
          urgent.add(r.body());
        }
      } catch (RuntimeException e) {
        failures.report(LOG, "replica-listener-failed", "could not tell whether " + r.url() + " asks for copies; its turn in the round comes", e);
      }
    });
  }

  @Override
  protected void doStop() throws Exception {
    ticks.shutdownNow();
    copies.shutdownNow();
    client.stop();
  }

  /** Checks {@code key}'s copies at the next tick rather than in its turn: it was just registered. */
  public void checkSoon(ContentKey key) {
    urgent.add(key);
  }

  /**
   * The nodes copies may be placed on, this one included: those the view holds up or suspects,
   * and those down for less than {@code replicas.grace} (a node back within it keeps its copies);
   * not those joining, draining or gone. The tick's own map of when each node went down is
   * brought up to date here, so only the tick thread calls it with {@code track} set.
   */
  private List<Placement.Node> placeable(boolean track) {
    long now = clock.millis();
    List<Placement.Node> out = new ArrayList<>();
    Set<URI> seen = new java.util.HashSet<>();
    for (ClusterMonitor.Verdict v : monitor.nodes()) {
      URI url = v.seenHere().url();
      seen.add(url);
      String state = v.state();
      if (state.equals("down")) {
        Long since = track ? downSince.computeIfAbsent(url, u -> now) : downSince.getOrDefault(url, now);
        if (now - since >= settings.grace().toMillis()) {
          continue;
        }
      } else if (track) {
        downSince.remove(url);
      }
      if ((state.equals("up") || state.equals("suspect") || state.equals("down")) && !v.seenHere().region().isEmpty()) {
        out.add(new Placement.Node(url, v.seenHere().region()));
      }
    }
    if (track) {
      downSince.keySet().retainAll(seen);
    }
    return out;
  }

  /**
   * One tick: the urgent keys, then those found incomplete at the last tick, then the next keys of
   * the round, which starts again when {@link #roundDue} says so.
   */
  void tick() {
    try {
      List<Placement.Node> nodes = placeable(true);
      long now = clock.millis();
      int asks = PER_TICK;
      Set<ContentKey> again = retry;
      retry = new java.util.LinkedHashSet<>();
      for (ContentKey key; asks > 0 && (key = urgent.poll()) != null; ) {
        asks -= check(key, nodes, now, true) ? 1 : 0;
      }
      for (ContentKey key : again) {
        if (asks <= 0) {
          retry.add(key); // its turn comes at the next tick
        } else {
          asks -= check(key, nodes, now, false) ? 1 : 0;
        }
      }
      Set<Placement.Node> nodeSet = Set.copyOf(nodes);
      if (round.isEmpty() && roundDue(roundNodes, roundStartedMillis, nodeSet, now)) {
        roundNodes = nodeSet;
        roundStartedMillis = now;
        refill();
      }
      for (int looked = 0; asks > 0 && looked < EXAMINE_PER_TICK && !round.isEmpty(); looked++) {
        asks -= check(round.poll(), nodes, now, false) ? 1 : 0;
      }
    } catch (RuntimeException e) {
      failures.report(LOG, "replica-tick-failed", "a replica check failed; the next tick tries again", e);
    }
  }

  /**
   * Whether a new round starts, the last one being done: at the first tick, when the placeable
   * nodes differ from those when the last round began, or {@link #RECHECK_MILLIS} after it began.
   */
  static boolean roundDue(Set<Placement.Node> lastNodes, long lastStartedMillis, Set<Placement.Node> nodes, long nowMillis) {
    return lastNodes == null || !lastNodes.equals(nodes) || nowMillis - lastStartedMillis >= RECHECK_MILLIS;
  }

  /** A new round: every body held here, whose copies each check works out. */
  private void refill() {
    for (StoredBody b : store.list()) {
      round.add(b.key());
    }
    checked.keySet().removeIf(k -> !store.contains(k));
    askedCopies.keySet().removeIf(k -> !store.contains(k) && !pending.containsKey(k));
  }

  /**
   * How many nodes should hold {@code key}: for a body that responses refer to, the most any of
   * their sites asks for (0 when none does); otherwise, what the node that had it copied here
   * asked for, or {@code replicas.count} for a registered body.
   */
  int copies(ContentKey key) {
    List<String> urls = store.responses().urlsOf(key);
    if (urls.isEmpty()) {
      return askedCopies.getOrDefault(key, settings.count());
    }
    int most = 0;
    for (String url : urls) {
      most = Math.max(most, copiesForUrl.applyAsInt(url));
    }
    return most;
  }

  /**
   * Checks one key's placement and asks the nodes that lack it to copy it from here; whether it
   * asked other nodes (a key that needs no copies, or whose complete placement is recent, does not).
   */
  private boolean check(ContentKey key, List<Placement.Node> nodes, long now, boolean force) {
    examined.increment();
    if (!store.contains(key)) {
      checked.remove(key);
      return false;
    }
    int copies = copies(key);
    if (copies <= 1) {
      checked.remove(key);
      return false;
    }
    List<URI> placement = Placement.holders(placementKey(key), nodes, copies).stream().map(Placement.Node::url).toList();
    Checked last = checked.get(key);
    if (!force && last != null && last.complete() && last.placement().equals(placement) && now - last.atMillis() < RECHECK_MILLIS) {
      return false;
    }
    Map<URI, CompletableFuture<Boolean>> holds = new LinkedHashMap<>();
    for (URI node : placement) {
      if (!node.equals(self)) {
        holds.put(node, holds(node, key));
      }
    }
    boolean complete = true;
    for (Map.Entry<URI, CompletableFuture<Boolean>> e : holds.entrySet()) {
      if (!e.getValue().join()) {
        complete = false;
        askToCopy(e.getKey(), key, copies);
      }
    }
    checked.put(key, new Checked(placement, complete, now));
    if (!complete) {
      retry.add(key);
    }
    return !holds.isEmpty();
  }

  /** The bytes placement hashes for a key: its hex form. */
  static byte[] placementKey(ContentKey key) {
    return key.hex().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }

  /** Whether {@code node} holds {@code key} itself: {@code HEAD /key/<sha>} with {@code only-if-cached}; false when it does not answer. */
  public CompletableFuture<Boolean> holds(URI node, ContentKey key) {
    CompletableFuture<Boolean> out = new CompletableFuture<>();
    client.newRequest(node + KeyHandler.PREFIX + key.hex())
        .method(HttpMethod.HEAD)
        .headers(h -> h.put(HttpHeader.CACHE_CONTROL, "only-if-cached"))
        .timeout(ASK_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
        .send(result -> out.complete(result.isSucceeded() && result.getResponse().getStatus() == 200));
    return out;
  }

  private void askToCopy(URI node, ContentKey key, int copies) {
    asked.increment();
    client.newRequest(node + "/api/v1/keys/" + key.hex() + "/replicate")
        .method(HttpMethod.POST)
        .body(new StringRequestContent("application/json", "{\"from\": \"" + self + "\", \"copies\": " + copies + "}"))
        .timeout(ASK_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
        .send(result -> {
          if (result.isFailed() || result.getResponse().getStatus() >= 300) {
            failures.report(LOG, "replica-ask-failed", "asking " + node + " to copy " + key + " failed ("
                + (result.isFailed() ? result.getFailure() : "HTTP " + result.getResponse().getStatus()) + "); asked again at the next tick", null);
          }
        });
  }

  /** What a node asked to copy a key answers. */
  public enum Accepted {
    /** It holds the key already. */
    HELD,
    /** The copy is queued, or under way. */
    QUEUED,
    /** The node asking is not one this node knows. */
    UNKNOWN_NODE,
    /** Too many copies wait already. */
    BUSY
  }

  /**
   * Queues a copy of {@code key} from {@code from}, a node of the view, unless it is held here
   * already; {@code copies} is how many nodes should hold it (the asking node's measure, kept
   * with the key), absent for {@code replicas.count}.
   */
  public Accepted copyFrom(ContentKey key, URI from, Optional<Integer> copies) {
    boolean known = monitor.nodes().stream().anyMatch(v -> v.seenHere().url().equals(from) && !v.seenHere().url().equals(self));
    if (!known) {
      return Accepted.UNKNOWN_NODE;
    }
    if (store.contains(key)) {
      copies.ifPresent(n -> askedCopies.put(key, n));
      return Accepted.HELD;
    }
    if (pending.size() >= MAX_PENDING) {
      return Accepted.BUSY;
    }
    copies.ifPresent(n -> askedCopies.put(key, n));
    if (pending.putIfAbsent(key, from) == null) {
      toCopy.add(key);
      startCopying();
    }
    return Accepted.QUEUED;
  }

  /** Starts the copy loop unless it runs. */
  private void startCopying() {
    if (copying.compareAndSet(false, true)) {
      copies.execute(this::copyNext);
    }
  }

  /**
   * Makes the next queued copy, then schedules the one after it as long after as this one's bytes
   * take at the repair rate; stops when the queue is empty (and starts again if a copy came in
   * meanwhile).
   */
  private void copyNext() {
    ContentKey key = toCopy.poll();
    if (key == null) {
      copying.set(false);
      if (!toCopy.isEmpty()) {
        startCopying();
      }
      return;
    }
    URI from = pending.get(key);
    long bytes = 0;
    try {
      if (from != null && !store.contains(key)) {
        Optional<String> failure = peers.copy(from, key);
        if (failure.isPresent()) {
          copyFailures.increment();
          failures.report(LOG, "replica-copy-failed", "copying " + key + " from " + from + " failed: " + failure.get() + "; the holder asks again", null);
        } else {
          copied.increment();
          bytes = store.info(key).map(StoredBody::size).orElse(0L);
          bytesCopied.addAndGet(bytes);
        }
      }
    } catch (RuntimeException e) {
      copyFailures.increment();
      failures.report(LOG, "replica-copy-failed", "copying " + key + " from " + from + " failed; the holder asks again", e);
    } finally {
      pending.remove(key);
    }
    copies.schedule(this::copyNext, bytes * 1000 / settings.repairBytesPerSecond(), TimeUnit.MILLISECONDS);
  }

  /** Where {@code key} should be and where it is: the placement, each node with whether it holds a copy. */
  public Map<String, Object> placement(ContentKey key) {
    List<Placement.Node> nodes = placeable(false);
    int copies = copies(key);
    List<Placement.Node> placed = Placement.holders(placementKey(key), nodes, copies);
    Map<URI, String> states = new HashMap<>();
    Map<URI, String> regions = new HashMap<>();
    Map<URI, CompletableFuture<Boolean>> asks = new LinkedHashMap<>();
    for (ClusterMonitor.Verdict v : monitor.nodes()) { // one snapshot of the view for states, regions and questions
      URI url = v.seenHere().url();
      states.put(url, v.state());
      regions.put(url, v.seenHere().region());
      if (url.equals(self)) {
        asks.put(url, CompletableFuture.completedFuture(store.contains(key)));
      } else if (!v.state().equals("down") && !v.state().equals("left")) {
        asks.put(url, holds(url, key));
      }
    }
    List<Map<String, Object>> holders = new ArrayList<>();
    Set<URI> holding = new java.util.HashSet<>();
    asks.forEach((url, f) -> {
      if (f.join()) {
        holding.add(url);
        holders.add(node(url, regions.get(url), states.get(url), null));
      }
    });
    List<Map<String, Object>> placement = new ArrayList<>();
    for (Placement.Node n : placed) {
      placement.add(node(n.url(), n.region(), states.get(n.url()), holding.contains(n.url())));
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("key", key.hex());
    out.put("replicas", copies);
    out.put("placement", placement);
    out.put("holders", holders);
    out.put("complete", placed.stream().allMatch(n -> holding.contains(n.url())));
    out.put("regionsHeld", holders.stream().map(h -> h.get("region")).distinct().count());
    return out;
  }

  private static Map<String, Object> node(URI url, String region, String state, Boolean holds) {
    Map<String, Object> n = new LinkedHashMap<>();
    n.put("url", url.toString());
    n.put("region", region == null || region.isEmpty() ? null : region);
    n.put("state", state);
    if (holds != null) {
      n.put("holds", holds);
    }
    return n;
  }

  /** The replica part of the status document. */
  public Map<String, Object> status() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("count", settings.count());
    out.put("graceSeconds", settings.grace().toSeconds());
    out.put("repairBytesPerSecond", settings.repairBytesPerSecond());
    out.put("keysChecked", checked.size());
    out.put("keysExamined", examined.sum());
    List<String> under = checked.entrySet().stream().filter(e -> !e.getValue().complete()).map(e -> e.getKey().hex()).sorted().toList();
    out.put("underReplicated", under.size());
    out.put("underReplicatedKeys", under.subList(0, Math.min(20, under.size())));
    out.put("copiesAsked", asked.sum());
    out.put("copiesMade", copied.sum());
    out.put("copiesFailed", copyFailures.sum());
    out.put("copiesPending", pending.size());
    out.put("bytesCopied", bytesCopied.get());
    return out;
  }
}
