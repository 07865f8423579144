package org.oversky.gateway.dht;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.oversky.gateway.http.ExactFields;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.oversky.cache.ContentStore;
import org.oversky.cache.StoreListener;
import org.oversky.cache.StoredBody;
import org.oversky.conf.DhtSettings;
import org.oversky.conf.NodeConfig;
import org.oversky.dht.id.NodeId;
import org.oversky.dht.node.ContactsFile;
import org.oversky.dht.node.DhtConfig;
import org.oversky.dht.node.DhtNode;
import org.oversky.dht.node.DhtStats;
import org.oversky.dht.node.LookupResult;
import org.oversky.dht.routing.Contact;
import org.oversky.dht.rpc.NodeIdentity;
import org.oversky.dht.rpc.RpcCodec;
import org.oversky.dht.transport.HttpTransport;
import org.oversky.gateway.key.KeyHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's place in the DHT: its {@link DhtNode} over HTTP, started and stopped with the
 * gateway. At start it reloads the saved routing table, joins through the bootstrap nodes and
 * queues every stored body for announcement; a scheduler then runs the node's maintenance
 * (expiry, republish, bucket refresh), rejoins when the table has emptied (and the node, through
 * {@link DhtNode#addBootstrap}, while it is thin), and saves the table.
 * Every body the store takes is announced, every body it drops is no longer.
 */
public final class DhtService extends ContainerLifeCycle {
  private static final Logger LOG = LoggerFactory.getLogger(DhtService.class);
  /** The saved routing table, in the data directory. */
  public static final String CONTACTS_FILE = "dht-contacts.json";
  private static final long REJOIN_MILLIS = 5_000;
  private static final long SAVE_MILLIS = 60_000;

  private final DhtSettings.KeyMiss keyMiss;
  private final NodeConfig config;
  private final ContentStore store;
  private final HttpClient client;
  private final DhtNode node;
  private final DhtHandler handler;
  private final PeerFetcher peers;
  private final Path contactsFile;
  private final NodeIdentity identity;
  private final StoreListener announcer =
      new StoreListener() {
        @Override
        public void stored(StoredBody body) {
          // Announced from the queue, never on the thread that stored it (often a request's).
          toAnnounce.add(NodeId.ofHex(body.key().hex()));
        }

        @Override
        public void removed(StoredBody body, boolean evicted) {
          node.unprovide(NodeId.ofHex(body.key().hex()));
        }
      };
  private final List<Runnable> tickTasks = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final List<Runnable> briefTasks = new java.util.concurrent.CopyOnWriteArrayList<>();
  /** How often the queue of bodies to announce is looked at. */
  static final long ANNOUNCE_TICK_MILLIS = 250;
  /** The least time between two batches of announcements: each batch is a message to each closest node. */
  static final long ANNOUNCE_SPACING_MILLIS = 2_000;
  /** The most time between two batches, however many nodes this one knows. */
  static final long ANNOUNCE_MAX_SPACING_MILLIS = 10_000;
  /** The messages a second the batches may cost: past 10 nodes known, batches are further apart. */
  static final int ANNOUNCE_MESSAGES_PER_SECOND = 5;
  /** The most announcements a batch starts; the rest wait for the next one. */
  static final int ANNOUNCE_BATCH = 512;
  /** Bodies stored and not announced yet. */
  private final AnnouncementQueue toAnnounce = new AnnouncementQueue(
      ANNOUNCE_SPACING_MILLIS, ANNOUNCE_MESSAGES_PER_SECOND, ANNOUNCE_MAX_SPACING_MILLIS, ANNOUNCE_BATCH);
  private ScheduledExecutorService scheduler;
  private final java.time.InstantSource clock;
  private final org.oversky.gateway.metrics.Failures failures;
  private volatile long lastJoin;
  private volatile long lastSave;

  public DhtService(
      NodeConfig config,
      KeyPair keyPair,
      ContentStore store,
      java.time.InstantSource clock,
      org.oversky.gateway.metrics.Failures failures) {
    this.clock = clock;
    this.failures = failures;
    this.config = config;
    this.store = store;
    this.identity = new NodeIdentity(keyPair, config.publicUrl());
    QueuedThreadPool threads = new QueuedThreadPool(64, 2);
    threads.setName("oversky-dht");
    threads.setDaemon(true);
    this.client = ExactFields.client();
    client.setExecutor(threads);
    client.setConnectTimeout(2_000);
    client.setIdleTimeout(60_000);
    client.setFollowRedirects(false);
    client.setMaxConnectionsPerDestination(32);
    client.setUserAgentField(null);
    addBean(client);
    DhtSettings s = config.dht();
    DhtConfig dht =
        DhtConfig.defaults()
            .withIntervals(s.providerTtl(), s.republishInterval(), s.refreshInterval())
            .withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(5), s.lookupTimeout());
    Clock utc = clock.withZone(java.time.ZoneOffset.UTC);
    RpcCodec codec = new RpcCodec(utc, RpcCodec.DEFAULT_MAX_CLOCK_SKEW);
    this.node = new DhtNode(identity, dht, new HttpTransport(client, codec, identity), utc, ThreadLocalRandom.current());
    this.handler = new DhtHandler(node, identity, codec);
    this.peers = new PeerFetcher(client, store, config.fetch().maxBodyBytes(), Duration.ofSeconds(5), failures);
    this.keyMiss = s.keyMiss();
    this.contactsFile = config.dataDir().resolve(CONTACTS_FILE);
  }

  /** The DHT node. */
  public DhtNode node() {
    return node;
  }

  /** The {@code /dht/v1/} endpoint. */
  public DhtHandler handler() {
    return handler;
  }

  /** What {@code /key/} does for a body held elsewhere, redirecting where {@code route} says when it has a view. */
  public KeyHandler.Misses misses(ProviderRoute route) {
    return new RemoteKeys(node, store, peers, keyMiss, route);
  }

  /** Runs {@code task} with every maintenance round (a few times per republish interval). */
  public void onTick(Runnable task) {
    tickTasks.add(task);
  }

  /**
   * Runs {@code task} every {@value #ANNOUNCE_TICK_MILLIS} ms on the maintenance thread: for cheap
   * checks that must follow the cluster within a second, such as a change of its membership view.
   */
  public void onBriefTick(Runnable task) {
    briefTasks.add(task);
  }

  /** Copies bodies from other nodes, verified. */
  public PeerFetcher peers() {
    return peers;
  }

  /** The key pair and public URL this node signs with. */
  public NodeIdentity identity() {
    return identity;
  }

  /** The outcome of joining through one host. */
  public record Joined(Contact host, LookupResult selfLookup) {}

  /** Pings {@code url}, adds it to the table and looks up this node's id through it. */
  public CompletableFuture<Joined> join(URI url) {
    return node.ping(url).thenCompose(c -> node.findNode(node.id()).thenApply(r -> new Joined(c, r)));
  }

  @Override
  protected void doStart() throws Exception {
    super.doStart();
    node.restore(ContactsFile.load(contactsFile));
    config.dht().bootstrap().forEach(node::addBootstrap); // the node rejoins through them while its table is thin
    for (StoredBody body : store.list()) {
      node.provideLater(NodeId.ofHex(body.key().hex()));
    }
    store.addListener(announcer);
    scheduler = Executors.newSingleThreadScheduledExecutor(
        Thread.ofPlatform().name("oversky-dht-maintenance").daemon(true).factory());
    joinBootstrap();
    long tick = tickMillis(config.dht());
    scheduler.scheduleWithFixedDelay(this::tick, tick, tick, TimeUnit.MILLISECONDS);
    scheduler.scheduleWithFixedDelay(this::briefTick, ANNOUNCE_TICK_MILLIS, ANNOUNCE_TICK_MILLIS, TimeUnit.MILLISECONDS);
  }

  private void briefTick() {
    announceQueued();
    for (Runnable task : briefTasks) {
      try {
        task.run();
      } catch (RuntimeException e) {
        failures.report(LOG, "dht-brief-task-failed", "a periodic cluster task failed; it runs again in " + ANNOUNCE_TICK_MILLIS + " ms", e);
      }
    }
  }

  /**
   * Announces the bodies stored since the last batch: the keys bound for one node go to it in
   * one message (their lookups, where the network needs them, run concurrently).
   */
  private void announceQueued() {
    try {
      List<NodeId> batch = new ArrayList<>();
      for (NodeId key : toAnnounce.due(clock.millis(), node.table().size())) {
        if (store.contains(new org.oversky.cache.ContentKey(key.hex()))) {
          batch.add(key);
        }
      }
      if (!batch.isEmpty()) {
        node.provideAll(batch);
      }
    } catch (RuntimeException e) {
      LOG.warn("announcing stored bodies failed; the rest are announced at the next batch", e);
    }
  }

  /** A tenth of the shortest interval, between 200 ms and 30 s. */
  static long tickMillis(DhtSettings s) {
    long shortest = Math.min(s.republishInterval().toMillis(), s.refreshInterval().toMillis());
    return Math.max(200, Math.min(30_000, shortest / 10));
  }

  private void joinBootstrap() {
    lastJoin = clock.millis();
    for (URI url : config.dht().bootstrap()) {
      if (url.equals(node.baseUrl())) {
        continue;
      }
      node.join(url).whenComplete((r, e) -> {
        if (e != null) {
          LOG.warn("could not join the DHT through {}: {}; trying again while the table is empty", url, e.getMessage());
        } else {
          LOG.info("joined the DHT through {}: {} contacts", url, node.table().size());
        }
      });
    }
  }

  /**
   * Runs one maintenance round now, as the scheduler does every tick: republication, bucket
   * refresh, the tick tasks (such as the cluster's records). Tests that advance the node's clock
   * call it instead of waiting for the next tick.
   */
  public void maintainNow() {
    tick();
  }

  private synchronized void tick() {
    try {
      long now = clock.millis();
      if (node.table().size() == 0 && !config.dht().bootstrap().isEmpty() && now - lastJoin >= REJOIN_MILLIS) {
        joinBootstrap();
      }
      node.maintain();
      for (Runnable task : tickTasks) {
        task.run();
      }
      if (now - lastSave >= SAVE_MILLIS) {
        save();
      }
    } catch (RuntimeException e) {
      LOG.warn("DHT maintenance failed; it runs again at the next tick", e);
    }
  }

  private void save() {
    lastSave = clock.millis();
    try {
      ContactsFile.save(contactsFile, node.contacts());
    } catch (IOException e) {
      LOG.warn("could not save the routing table to {}: {}", contactsFile, e.getMessage());
    }
  }

  @Override
  protected void doStop() throws Exception {
    store.removeListener(announcer);
    if (scheduler != null) {
      scheduler.shutdownNow();
    }
    save();
    super.doStop();
  }

  /** The DHT's part of the status document. */
  public Map<String, Object> status() {
    DhtStats s = node.stats();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("keyMiss", config.dht().keyMiss().name().toLowerCase(java.util.Locale.ROOT));
    out.put("contacts", s.tableSize());
    out.put("buckets", s.buckets());
    out.put("provided", s.provided());
    out.put("providerRecordsHeld", s.providerRecords());
    out.put("valueRecordsHeld", s.valueRecords());
    out.put("lookups", s.lookups());
    out.put("rpcSent", s.rpcSent());
    out.put("rpcFailed", s.rpcFailed());
    out.put("rpcReceived", s.rpcReceived());
    out.put("rpcReceivedByType", node.receivedByRpc());
    out.put("rpcRejected", s.rpcRejected());
    out.put("lookupsSkipped", s.lookupsSkipped());
    long[] handOvers = node.handOvers();
    out.put("recordsHandedOver", handOvers[0]);
    out.put("recordsTakenOver", handOvers[1]);
    out.put("recordsReplicated", handOvers[2]);
    out.put("peerMismatches", peers.mismatches());
    return out;
  }

  /** Registers the DHT's meters: table size, lookups with their hops, RPC counts and errors. */
  public void bindMetrics(MeterRegistry registry) {
    Gauge.builder("oversky.dht.contacts", node, n -> n.stats().tableSize())
        .description("Contacts in the routing table")
        .register(registry);
    Gauge.builder("oversky.dht.provided", node, n -> n.stats().provided())
        .description("Content keys this node announces")
        .register(registry);
    FunctionCounter.builder("oversky.dht.rpc.sent", node, n -> n.stats().rpcSent()).register(registry);
    FunctionCounter.builder("oversky.dht.rpc.failed", node, n -> n.stats().rpcFailed())
        .description("Requests sent that got no usable answer")
        .register(registry);
    FunctionCounter.builder("oversky.dht.rpc.received", node, n -> n.stats().rpcReceived()).register(registry);
    FunctionCounter.builder("oversky.dht.rpc.rejected", node, n -> n.stats().rpcRejected())
        .description("Requests received and refused (malformed, forged, over a bound)")
        .register(registry);
    FunctionCounter.builder("oversky.dht.peer.mismatches", peers, PeerFetcher::mismatches)
        .description("Bodies from providers whose bytes did not hash to their key")
        .register(registry);
    DistributionSummary hops = DistributionSummary.builder("oversky.dht.lookup.hops").register(registry);
    DistributionSummary messages = DistributionSummary.builder("oversky.dht.lookup.messages").register(registry);
    Counter timedOut = Counter.builder("oversky.dht.lookup.timeouts").register(registry);
    node.onLookup(r -> {
      hops.record(r.hops());
      messages.record(r.messages());
      if (r.timedOut()) {
        timedOut.increment();
      }
    });
  }

  /** The table's contacts for {@code GET /api/v1/hosts}. */
  List<Contact> contacts() {
    return node.contacts();
  }
}
