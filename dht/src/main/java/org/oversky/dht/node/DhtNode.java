package org.oversky.dht.node;

import java.net.InetAddress;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;
import org.oversky.dht.id.NodeId;
import org.oversky.dht.records.ProviderStore;
import org.oversky.dht.records.RecordStore;
import org.oversky.dht.routing.Contact;
import org.oversky.dht.routing.OfferResult;
import org.oversky.dht.routing.RoutingConfig;
import org.oversky.dht.routing.RoutingTable;
import org.oversky.dht.rpc.ContactInfo;
import org.oversky.dht.rpc.NodeIdentity;
import org.oversky.dht.rpc.ProviderInfo;
import org.oversky.dht.rpc.Request;
import org.oversky.dht.rpc.Response;
import org.oversky.dht.rpc.RpcRejectedException.Reason;
import org.oversky.dht.rpc.RpcRejectedException;
import org.oversky.dht.rpc.Sender;
import org.oversky.dht.rpc.SignedRecord;
import org.oversky.dht.transport.Reply;
import org.oversky.dht.transport.RpcFailure;
import org.oversky.dht.transport.Transport;

/**
 * One Kademlia node: it answers the six RPCs from its routing table and record stores ({@link
 * #handle}), and runs lookups, announcements and maintenance through a {@link Transport}. The same
 * class runs behind HTTP in a gateway and by the thousand in the simulator.
 *
 * <p>A node joins the table only after it has answered one of this node's requests: a reply is
 * proof of its id (the transport verified the signature) and of its address (the connection it
 * came on). A node that sends a request first is pinged back before it is added. Thread-safe.
 */
public final class DhtNode {
  /** Most ping-backs to unknown requesters a second. */
  static final int MAX_PING_BACKS_PER_SECOND = 50;

  /**
   * Most keys one {@link #maintain()} round republishes; the rest wait for the next. Keys sharing
   * their closest nodes go in one node lookup and one {@code add_providers} message per node, so
   * the cost of a round is its groups, not its keys: 100,000 keys a round every 30 s keep 10
   * million keys fresh within a quarter of the republish interval.
   */
  static final int MAX_REPUBLISH_PER_ROUND = 100_000;
  /** Most node lookups (groups of keys) one {@link #maintain()} round makes to republish. */
  static final int MAX_REPUBLISH_LOOKUPS_PER_ROUND = 64;

  private final NodeIdentity identity;
  private final NodeId id;
  private final DhtConfig config;
  private final Transport transport;
  private final Clock clock;
  private final RandomGenerator random;
  private final RoutingTable table;
  private final ProviderStore providers;
  private final RecordStore records;
  private final RttEstimator rtt;
  private final long startedAt;
  /** Keys this node provides, with when it last announced each. */
  private final Map<NodeId, Long> provided = new ConcurrentHashMap<>();
  /** This node's last put of each key not answered yet (see {@link #putRecord}). */
  private final Map<NodeId, CompletableFuture<Integer>> putsInFlight = new ConcurrentHashMap<>();
  /** Consecutive failures of contacts in the table. */
  private final Map<NodeId, Integer> failuresById = new ConcurrentHashMap<>();
  /** When a ping-back to an unknown requester was last tried. */
  private final Map<NodeId, Long> verifyAttempts = new ConcurrentHashMap<>();
  /** The second ping-backs are counted in, and how many were sent in it. */
  private final long[] pingBacks = new long[2];
  /** When a lookup last went through each bucket (by index). */
  private final Map<Integer, Long> bucketRefreshed = new ConcurrentHashMap<>();
  private final List<Consumer<LookupResult>> lookupListeners = new CopyOnWriteArrayList<>();
  private final AtomicLong lookups = new AtomicLong();
  private final AtomicLong rpcSent = new AtomicLong();
  private final AtomicLong rpcFailed = new AtomicLong();
  private final AtomicLong rpcReceived = new AtomicLong();
  private final AtomicLong rpcRejected = new AtomicLong();
  /** Requests received and answered, by RPC (the index is the ordinal). */
  private final java.util.concurrent.atomic.AtomicLongArray receivedByRpc =
      new java.util.concurrent.atomic.AtomicLongArray(org.oversky.dht.rpc.Rpc.values().length);
  /**
   * Whether the last node lookup that ran to its end found fewer than k nodes: the network, as far
   * as it reaches, is smaller than k, and every node is among the k closest to every key.
   */
  private volatile boolean smallNetwork;
  private final AtomicLong smallShortcuts = new AtomicLong();

  public DhtNode(NodeIdentity identity, DhtConfig config, Transport transport, Clock clock, RandomGenerator random) {
    this.identity = Objects.requireNonNull(identity, "identity");
    this.id = identity.sender().id();
    this.config = Objects.requireNonNull(config, "config");
    this.transport = Objects.requireNonNull(transport, "transport");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.random = Objects.requireNonNull(random, "random");
    this.table = new RoutingTable(id, RoutingConfig.withK(config.k()));
    this.providers = new ProviderStore(config.maxProvidersPerKey(), config.maxKeysPerProvider());
    this.records = new RecordStore(config.maxRecords());
    this.rtt = new RttEstimator(config.minRpcTimeout(), config.maxRpcTimeout());
    this.startedAt = clock.millis();
    this.lastReplication = startedAt;
  }

  /** A thread-safe map of at most {@code max} entries that forgets the least recently used. */
  private static <K, V> Map<K, V> lru(int max) {
    return java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
        return size() > max;
      }
    });
  }

  public NodeId id() {
    return id;
  }

  public URI baseUrl() {
    return identity.baseUrl();
  }

  public DhtConfig config() {
    return config;
  }

  /** The routing table (read it; the node alone writes it). */
  public RoutingTable table() {
    return table;
  }

  /** Calls {@code listener} with every finished lookup (for metrics). */
  public void onLookup(Consumer<LookupResult> listener) {
    lookupListeners.add(Objects.requireNonNull(listener, "listener"));
  }

  public DhtStats stats() {
    return new DhtStats(
        table.size(),
        table.bucketCount(),
        providers.size(),
        records.size(),
        provided.size(),
        lookups.get(),
        rpcSent.get(),
        rpcFailed.get(),
        rpcReceived.get(),
        rpcRejected.get(),
        smallShortcuts.get());
  }

  /**
   * Requests received and answered so far, by RPC wire name (every RPC, in protocol order): what
   * the network asks of this node, to tell its maintenance from its lookups and publications.
   */
  public Map<String, Long> receivedByRpc() {
    Map<String, Long> out = new java.util.LinkedHashMap<>();
    for (org.oversky.dht.rpc.Rpc rpc : org.oversky.dht.rpc.Rpc.values()) {
      out.put(rpc.wireName(), receivedByRpc.get(rpc.ordinal()));
    }
    return out;
  }

  /** Runs {@code task} after {@code delay} by the transport's clock (see {@link Transport#later}). */
  void later(java.time.Duration delay, Runnable task) {
    transport.later(delay, task);
  }

  /** The time by this node's clock, epoch ms (the clock its contacts' last-seen times are by). */
  public long now() {
    return clock.millis();
  }

  // ---- serving ----

  /**
   * Answers a verified request from {@code from}, which came from {@code address}. Throws {@link
   * RpcRejectedException} when the request is well-formed but refused (a record that is expired,
   * too long-lived or not newer; an announcement for another node; a store at its bounds).
   */
  public Response handle(Sender from, InetAddress address, Request request) throws RpcRejectedException {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(address, "address");
    try {
      Response answer = answer(from, request);
      rpcReceived.incrementAndGet();
      receivedByRpc.incrementAndGet(request.rpc().ordinal());
      return answer;
    } catch (RpcRejectedException e) {
      rpcRejected.incrementAndGet();
      throw e;
    } finally {
      verifyLater(from);
    }
  }

  /** Counts a request refused before it reached {@link #handle} (bad bytes or signature). */
  public void countRejected() {
    rpcRejected.incrementAndGet();
  }

  private Response answer(Sender from, Request request) throws RpcRejectedException {
    long now = clock.millis();
    return switch (request) {
      case Request.Ping p -> new Response.Pong();
      case Request.FindNode f -> new Response.Nodes(closestInfos(f.target(), from.id()));
      case Request.GetProviders g ->
          new Response.Providers(
              limit(providers.providers(g.key(), now)), closestInfos(g.key(), from.id()));
      case Request.AddProvider a -> {
        requireOwnUrl(from, a.providerUrl());
        long expires = Math.min(a.expiresAt(), now + config.providerTtl().toMillis());
        switch (providers.add(a.key(), from.id(), a.providerUrl(), expires, now)) {
          case ADDED, REFRESHED -> {}
          case REJECTED_EXPIRED ->
              throw new RpcRejectedException(Reason.RECORD_EXPIRED, "the announcement expired at " + a.expiresAt());
          case REJECTED_KEY_FULL ->
              throw new RpcRejectedException(
                  Reason.STORE_FULL, "key " + a.key() + " already has " + config.maxProvidersPerKey() + " providers");
          case REJECTED_PROVIDER_FULL ->
              throw new RpcRejectedException(
                  Reason.STORE_FULL, "this node holds " + config.maxKeysPerProvider() + " keys for " + from.id());
        }
        yield new Response.ProviderAdded();
      }
      case Request.AddProviders a -> {
        requireOwnUrl(from, a.providerUrl());
        if (a.expiresAt() <= now) {
          throw new RpcRejectedException(Reason.RECORD_EXPIRED, "the announcement expired at " + a.expiresAt());
        }
        long expires = Math.min(a.expiresAt(), now + config.providerTtl().toMillis());
        int added = 0;
        for (NodeId key : a.keys()) {
          switch (providers.add(key, from.id(), a.providerUrl(), expires, now)) {
            case ADDED, REFRESHED -> added++;
            case REJECTED_EXPIRED, REJECTED_KEY_FULL, REJECTED_PROVIDER_FULL -> {} // told by the count
          }
        }
        yield new Response.ProvidersAdded(added);
      }
      case Request.GetRecord g when g.claim().isPresent() -> {
        if (!g.claim().get().key().equals(g.key())) {
          throw new RpcRejectedException(Reason.BAD_FIELD, "payload.claim.key is not payload.key: a claim is a record under the key asked for");
        }
        requireLifetime(g.claim().get(), now);
        // the asker knows which nodes hold the key (it placed the record here): no contacts
        yield new Response.RecordReply(records.claim(g.claim().get(), now), List.of());
      }
      case Request.GetRecord g ->
          new Response.RecordReply(records.get(g.key(), now), closestInfos(g.key(), from.id()));
      case Request.PutRecord p -> {
        SignedRecord r = p.record();
        requireLifetime(r, now);
        switch (records.put(r, now)) {
          case STORED, REPLACED, UNCHANGED -> {}
          case REJECTED_BAD_SIGNATURE ->
              throw new RpcRejectedException(Reason.BAD_RECORD_SIGNATURE, "the publisher's signature does not verify");
          case REJECTED_EXPIRED ->
              throw new RpcRejectedException(Reason.RECORD_EXPIRED, "the record expired at " + r.expiresAt());
          case REJECTED_NOT_NEWER ->
              throw new RpcRejectedException(
                  Reason.RECORD_NOT_NEWER, "the record held for " + r.key() + " expires as late or later");
          case REJECTED_FULL ->
              throw new RpcRejectedException(Reason.STORE_FULL, "this node holds " + config.maxRecords() + " records");
        }
        yield new Response.RecordStored();
      }
      case Request.HandOver h -> new Response.HandedOver(takeOver(from, h, now));
    };
  }

  private void requireLifetime(SignedRecord r, long now) throws RpcRejectedException {
    long latest = now + config.providerTtl().toMillis() + 60_000; // the lifetime, plus clock skew
    if (r.expiresAt() > latest) {
      throw new RpcRejectedException(
          Reason.RECORD_TOO_LONG,
          "a record lives at most " + config.providerTtl() + "; this one expires at " + r.expiresAt());
    }
  }

  private static void requireOwnUrl(Sender from, java.net.URI providerUrl) throws RpcRejectedException {
    if (!providerUrl.equals(from.baseUrl())) {
      throw new RpcRejectedException(
          Reason.PROVIDER_MISMATCH,
          "a node announces only itself: the provider URL " + providerUrl + " is not the sender's " + from.baseUrl());
    }
  }

  private List<ContactInfo> closestInfos(NodeId target, NodeId except) {
    List<ContactInfo> out = new ArrayList<>();
    for (Contact c : table.closest(target, config.k() + 1)) {
      if (!c.id().equals(except) && out.size() < config.k()) {
        out.add(new ContactInfo(c.id(), c.baseUrl()));
      }
    }
    return out;
  }

  private static List<ProviderInfo> limit(List<ProviderInfo> list) {
    return list.size() <= Response.MAX_CONTACTS ? list : list.subList(0, Response.MAX_CONTACTS);
  }

  /**
   * Pings back a requester the table does not know, at most once a minute per id and {@link
   * #MAX_PING_BACKS_PER_SECOND} a second in all, so that a flood of made-up identities cannot make
   * this node send requests wherever they say.
   */
  private void verifyLater(Sender from) {
    if (from.id().equals(id) || table.get(from.id()).isPresent()) {
      return;
    }
    long now = clock.millis();
    if (!withinRate(pingBacks, now, MAX_PING_BACKS_PER_SECOND)) {
      return;
    }
    if (verifyAttempts.size() > 4096) {
      verifyAttempts.clear();
    }
    Long last = verifyAttempts.get(from.id());
    if (last != null && now - last < 60_000) {
      return;
    }
    verifyAttempts.put(from.id(), now);
    call(from.baseUrl(), new Request.Ping(), from.id());
  }

  /**
   * Counts one more of something limited to {@code max} a second in {@code window} (the second it
   * counts in, and the count); whether it is within the limit.
   */
  private static boolean withinRate(long[] window, long nowMillis, int max) {
    long second = nowMillis / 1000;
    synchronized (window) {
      if (window[0] != second) {
        window[0] = second;
        window[1] = 0;
      }
      return ++window[1] <= max;
    }
  }

  // ---- calling ----

  /**
   * Sends a request, and keeps the table: a node that answers is offered to it, a contact that
   * fails {@link DhtConfig#maxFailures()} times in a row leaves it.
   */
  CompletableFuture<Reply> call(URI url, Request request, NodeId expected) {
    rpcSent.incrementAndGet();
    CompletableFuture<Reply> sent;
    try {
      sent = transport.send(url, request, rtt.timeout());
    } catch (RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    return sent.whenComplete((reply, error) -> {
      if (error == null) {
        rtt.sample(reply.rttMillis());
        observe(reply);
      } else {
        rpcFailed.incrementAndGet();
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        boolean alive = cause instanceof RpcFailure f && f.kind() == RpcFailure.Kind.REFUSED;
        if (cause instanceof RpcFailure f && f.kind() == RpcFailure.Kind.UNREACHABLE) {
          rtt.timedOut();
        }
        if (expected != null && !alive) {
          failed(expected);
        }
      }
    });
  }

  private void observe(Reply reply) {
    Sender s = reply.sender();
    failuresById.remove(s.id());
    Contact contact = new Contact(s.id(), s.baseUrl(), reply.address(), clock.millis(), reply.rttMillis());
    OfferResult offered = table.offer(contact);
    if (offered.outcome() == OfferResult.Outcome.ADDED && config.handOver()) {
      handOverTo(contact);
    }
    if (offered.outcome() == OfferResult.Outcome.PENDING_PING) {
      Contact old = offered.toPing();
      rpcSent.incrementAndGet();
      transport
          .send(old.baseUrl(), new Request.Ping(), rtt.timeout())
          .whenComplete((pong, error) -> {
            boolean alive = error == null && pong.sender().id().equals(old.id());
            table.pingResult(alive ? old.seen(clock.millis(), pong.rttMillis()) : old, alive);
          });
    }
  }

  private void failed(NodeId contact) {
    if (table.get(contact).isEmpty()) {
      return;
    }
    int n = failuresById.merge(contact, 1, Integer::sum);
    // A small table keeps its failing contacts (they may be all it has, and this node may be the
    // one cut off); a larger one drops them, or a replacement waits.
    if (n >= config.maxFailures() && (table.size() > config.k() || table.hasReplacement(contact))) {
      failuresById.remove(contact);
      table.remove(contact);
    }
  }

  /** Asks the node at {@code baseUrl} who it is; on an answer it is in the table. */
  public CompletableFuture<Contact> ping(URI baseUrl) {
    return call(baseUrl, new Request.Ping(), null)
        .thenApply(r -> new Contact(r.sender().id(), r.sender().baseUrl(), r.address(), clock.millis(), r.rttMillis()));
  }

  /**
   * Joins the network through the node at {@code bootstrap}: pings it (so it enters the table),
   * looks up this node's own id, which fills the buckets near it and makes this node known to its
   * neighbours, then refreshes the farther buckets. The result is the self-lookup's.
   */
  public CompletableFuture<LookupResult> join(URI bootstrap) {
    addBootstrap(bootstrap);
    return ping(bootstrap)
        .thenCompose(c -> findNode(id))
        .thenCompose(self -> refreshBuckets().thenApply(v -> self));
  }

  /** How often at most a node whose table has thinned out tries its bootstrap nodes again. */
  static final long REJOIN_MILLIS = 60_000;
  /** Most bootstrap nodes remembered. */
  static final int MAX_BOOTSTRAPS = 16;
  /** The nodes this node joins through (its operator's bootstrap nodes), for {@link #maintain}'s rejoin. */
  private final Set<URI> bootstraps = ConcurrentHashMap.newKeySet();
  private volatile long lastRejoin = Long.MIN_VALUE / 2;
  private final AtomicLong rejoins = new AtomicLong();

  /**
   * Remembers a bootstrap node (at most {@link #MAX_BOOTSTRAPS}; {@link #join} remembers its
   * own): while this node's table holds fewer than k contacts, each {@link #maintain} round (at
   * most once a {@link #REJOIN_MILLIS}) pings the bootstrap nodes the table does not hold or that
   * are failing, and looks up its own id again through those that answer. A node cut off with a
   * few contacts of its own (its bootstrap node left in the middle of its join, say) otherwise
   * stays cut off, believes it knows a small network whole, and lends its few contacts to every
   * node that joins through it.
   */
  public void addBootstrap(URI url) {
    Objects.requireNonNull(url, "url");
    if (!url.equals(baseUrl()) && bootstraps.size() < MAX_BOOTSTRAPS) {
      bootstraps.add(url);
    }
  }

  /** Times this node's thin table sent it back to its bootstrap nodes (see {@link #addBootstrap}). */
  public long rejoins() {
    return rejoins.get();
  }

  /** {@link #addBootstrap}'s rejoin, when due: null when not. */
  private CompletableFuture<Void> rejoinIfThin(long now) {
    if (bootstraps.isEmpty() || table.size() >= config.k() || now - lastRejoin < REJOIN_MILLIS) {
      return null;
    }
    Set<URI> answering = new java.util.HashSet<>();
    for (Contact c : table.contacts()) {
      if (!failuresById.containsKey(c.id())) {
        answering.add(c.baseUrl());
      }
    }
    List<URI> absent = bootstraps.stream().filter(url -> !answering.contains(url)).toList();
    if (absent.isEmpty()) {
      return null; // a small network that knows its bootstrap nodes: nothing to do
    }
    lastRejoin = now;
    rejoins.incrementAndGet();
    List<CompletableFuture<Boolean>> pings = absent.stream().map(url -> ping(url).handle((c, e) -> e == null)).toList();
    return CompletableFuture.allOf(pings.toArray(CompletableFuture[]::new))
        .thenCompose(v -> pings.stream().anyMatch(CompletableFuture::join)
            ? findNode(id).thenAccept(r -> {})
            : CompletableFuture.<Void>completedFuture(null));
  }

  /** Looks up a random id in every bucket but the one around this node's own id. */
  public CompletableFuture<Void> refreshBuckets() {
    int buckets = table.bucketCount();
    List<CompletableFuture<LookupResult>> work = new ArrayList<>();
    for (int i = 0; i < buckets - 1; i++) {
      work.add(findNode(randomIdInBucket(i)));
    }
    return CompletableFuture.allOf(work.toArray(CompletableFuture[]::new));
  }

  /** The k nodes closest to {@code target} that answered. */
  public CompletableFuture<LookupResult> findNode(NodeId target) {
    return new Lookup(this, target, Lookup.Kind.NODE, 0, r -> false)
        .start(table.closest(target, config.k()), List.of(), Optional.empty())
        .whenComplete((r, e) -> {
          if (r != null && !r.timedOut() && r.failures() == 0) {
            smallNetwork = r.closest().size() < config.k();
          }
        });
  }

  /**
   * The k nodes closest to {@code key}, where a record or an announcement goes. In a network of
   * fewer than k nodes that this node knows whole (its last complete node lookup found fewer than
   * k, and its table still holds fewer), those are every node it knows: no lookup is needed, and
   * none is made. Otherwise a node lookup finds them.
   */
  private CompletableFuture<List<Contact>> closestFor(NodeId key) {
    List<Contact> known = wholeNetwork(key);
    return known != null
        ? CompletableFuture.completedFuture(known)
        : findNode(key).thenApply(LookupResult::closest);
  }

  /**
   * Every node this node knows, closest to {@code key} first, when that is the whole network and
   * smaller than k (see {@link #closestFor}); else null. Counted as a lookup skipped.
   */
  private List<Contact> wholeNetwork(NodeId key) {
    if (!knowsWholeNetwork()) {
      return null;
    }
    smallShortcuts.incrementAndGet();
    return table.closest(key, config.k());
  }

  /** Whether the network is smaller than k and known whole: every node is in the table. */
  private boolean knowsWholeNetwork() {
    return smallNetwork && table.size() < config.k();
  }

  /** Providers of {@code key} other than this node; stops once {@code wanted} are known. */
  public CompletableFuture<LookupResult> findProviders(NodeId key, int wanted) {
    if (wanted < 1) {
      throw new IllegalArgumentException("wanted is at least 1, got " + wanted);
    }
    List<ProviderInfo> local = providers.providers(key, clock.millis()).stream()
        .filter(p -> !p.providerId().equals(id))
        .toList();
    return new Lookup(this, key, Lookup.Kind.PROVIDERS, wanted, r -> false, searchAlpha(), 0)
        .start(table.closest(key, config.k()), local, Optional.empty());
  }

  /** The record under {@code key} that {@code accept} takes, if the network holds one. */
  public CompletableFuture<LookupResult> findRecord(NodeId key, Predicate<SignedRecord> accept) {
    Objects.requireNonNull(accept, "accept");
    // In a network smaller than k known whole, every record went to every node: this node's own
    // store answers, and when it does not (a put it missed), the first of two others to answer does.
    boolean whole = knowsWholeNetwork();
    return new Lookup(this, key, Lookup.Kind.RECORD, 1, accept, whole ? WHOLE_NETWORK_ASKED : config.alpha(), whole ? 1 : 0)
        .start(table.closest(key, config.k()), List.of(), records.get(key, clock.millis()));
  }

  /**
   * Looks again for a record this node expects to be published soon (while it waits for another
   * node's fetch): in a network smaller than k known whole, where a publication reaches every
   * node, only this node's own store, with no message; elsewhere a lookup as {@link #findRecord}.
   */
  public CompletableFuture<LookupResult> recheckRecord(NodeId key, Predicate<SignedRecord> accept) {
    Objects.requireNonNull(accept, "accept");
    if (knowsWholeNetwork()) {
      Optional<SignedRecord> held = records.get(key, clock.millis()).filter(accept);
      return CompletableFuture.completedFuture(
          new LookupResult(key, List.of(), List.of(), held, 0, 0, 0, 0, false));
    }
    return findRecord(key, accept);
  }

  /**
   * Asks {@code nodes} for the record under {@code key}, with no walk: where the caller knows
   * which nodes hold a key's record (a site cluster that places its records by its membership
   * view), one round trip instead of a lookup. The first node is asked alone; the next is asked
   * when the one before answered without the record, failed, or had not answered within {@code
   * hedgeAfter} (a hedged request: a node that hangs costs that long, not a time-out). Ends at
   * the first record that is this key's, unexpired, verified and accepted, or when every node
   * asked has answered or failed. The result names no closest nodes; hops is 1 when a record came.
   */
  public CompletableFuture<LookupResult> askRecord(NodeId key, List<URI> nodes, java.time.Duration hedgeAfter, Predicate<SignedRecord> accept) {
    return askRecord(key, nodes, hedgeAfter, accept, Optional.empty());
  }

  /**
   * As {@link #askRecord(NodeId, List, java.time.Duration, Predicate)}, each node asked with
   * {@code claim} (see {@link Request.GetRecord}): a node that holds no record for the key stores
   * the claim and answers with it, so the result's record is the claim itself when this node was
   * the first to claim the key there. The claim must be one {@code accept} takes.
   */
  public CompletableFuture<LookupResult> askRecord(
      NodeId key, List<URI> nodes, java.time.Duration hedgeAfter, Predicate<SignedRecord> accept, Optional<SignedRecord> claim) {
    Objects.requireNonNull(accept, "accept");
    return new Ask(key, List.copyOf(nodes), hedgeAfter, accept, claim).start();
  }

  /**
   * Claims {@code claim.key()} in this node's own store (see {@link Request.GetRecord}): stores
   * the claim when no live record is held, and returns the record held afterwards that {@code
   * accept} takes, the claim itself when it was stored. No message.
   */
  public Optional<SignedRecord> claimHere(SignedRecord claim, Predicate<SignedRecord> accept) {
    return records.claim(claim, clock.millis()).filter(accept);
  }

  /** One {@link #askRecord}: its nodes asked one after the other, each answer counted once. */
  private final class Ask {
    private final NodeId key;
    private final List<URI> nodes;
    private final java.time.Duration hedgeAfter;
    private final Predicate<SignedRecord> accept;
    private final Optional<SignedRecord> claim;
    private final long start = clock.millis();
    private final CompletableFuture<LookupResult> out = new CompletableFuture<>();
    // Guarded by this.
    private int next;
    private int ended;
    private int failed;

    Ask(NodeId key, List<URI> nodes, java.time.Duration hedgeAfter, Predicate<SignedRecord> accept, Optional<SignedRecord> claim) {
      this.key = key;
      this.nodes = nodes;
      this.hedgeAfter = hedgeAfter;
      this.accept = accept;
      this.claim = claim;
    }

    CompletableFuture<LookupResult> start() {
      if (nodes.isEmpty()) {
        out.complete(result(Optional.empty()));
      } else {
        askFrom(0);
      }
      return out;
    }

    /** Asks node {@code index} unless it has been asked (or the ask has ended). */
    private void askFrom(int index) {
      URI url;
      synchronized (this) {
        if (out.isDone() || index != next || next >= nodes.size()) {
          return;
        }
        url = nodes.get(next++);
      }
      later(hedgeAfter, () -> askFrom(index + 1));
      call(url, new Request.GetRecord(key, claim), null).whenComplete((reply, error) -> answered(index, reply, error));
    }

    private void answered(int index, Reply reply, Throwable error) {
      Optional<SignedRecord> found = Optional.empty();
      if (error == null && reply.payload() instanceof Response.RecordReply r) {
        found = r.record()
            .filter(rec -> rec.key().equals(key) && rec.expiresAt() > clock.millis())
            .filter(rec -> claim.filter(rec::equals).isPresent() || rec.verifies()) // its own claim back: signed here
            .filter(accept);
      }
      boolean last;
      synchronized (this) {
        ended++;
        if (error != null || !(reply.payload() instanceof Response.RecordReply)) {
          failed++; // no answer, or an answer of another RPC (the transport should have refused it)
        }
        last = ended == nodes.size();
      }
      if (found.isPresent() || last) {
        out.complete(result(found));
      } else {
        askFrom(index + 1); // without the record: the next at once
      }
    }

    private synchronized LookupResult result(Optional<SignedRecord> found) {
      return new LookupResult(key, List.of(), List.of(), found, found.isPresent() ? 1 : 0, next, failed, clock.millis() - start, false);
    }
  }

  /**
   * Stores a signed record at {@code nodes}, by URL with no lookup, and in this node's own store
   * when {@code here}: where a site cluster's membership view says the record belongs. In order
   * with this node's other puts of the key; tells at how many nodes it was stored.
   */
  public CompletableFuture<Integer> putRecordTo(SignedRecord record, List<URI> nodes, boolean here) {
    return inOrder(record.key(),
        () -> stored(record, nodes.stream().map(url -> call(url, new Request.PutRecord(record), null)).toList(), here));
  }

  /**
   * Claims {@code claim.key()} at {@code nodes} (a {@code get_record} carrying the claim to each;
   * see {@link Request.GetRecord}) and in this node's own store when {@code here}: each stores the
   * claim only where the key has no live record, so, unlike a put, a node that already holds a
   * record (or another's claim) refuses nothing. Tells at how many nodes the claim is held after.
   */
  public CompletableFuture<Integer> claimAt(SignedRecord claim, List<URI> nodes, boolean here) {
    boolean local = here && records.claim(claim, clock.millis()).filter(claim::equals).isPresent();
    return counted(local, nodes.stream()
        .map(url -> call(url, new Request.GetRecord(claim.key(), Optional.of(claim)), null)
            .handle((reply, e) -> e == null && reply.payload() instanceof Response.RecordReply r && r.record().filter(claim::equals).isPresent()))
        .toList());
  }

  /** The record under {@code key} in this node's own store that {@code accept} takes, if any; no message. */
  public Optional<SignedRecord> heldRecord(NodeId key, Predicate<SignedRecord> accept) {
    return records.get(key, clock.millis()).filter(accept);
  }

  /** How many nodes a record lookup asks at once in a network smaller than k known whole. */
  static final int WHOLE_NETWORK_ASKED = 2;

  /**
   * How many requests a provider lookup keeps in flight: α, or in a network smaller than k known
   * whole every node at once, as each is among the closest and the answer is one round trip away
   * instead of several.
   */
  int searchAlpha() {
    return knowsWholeNetwork() ? config.k() : config.alpha();
  }

  void lookupDone(LookupResult r) {
    lookups.incrementAndGet();
    int buckets = table.bucketCount();
    bucketRefreshed.put(Math.min(id.commonPrefixLength(r.target()), buckets - 1), clock.millis());
    for (Consumer<LookupResult> l : lookupListeners) {
      l.accept(r);
    }
  }

  // ---- providing ----

  /**
   * Starts providing {@code key}: announces it to the k closest nodes now and again every
   * {@link DhtConfig#republishInterval()} until {@link #unprovide}. The future tells at how many
   * nodes the record was stored (this one included when it is among the closest).
   */
  public CompletableFuture<Integer> provide(NodeId key) {
    provided.put(key, clock.millis());
    return announceAll(List.of(key));
  }

  /**
   * Starts providing each of {@code keys}, as {@link #provide} does, in as few messages as the
   * closest nodes allow: the keys bound for one node go to it in one {@code add_providers}
   * message (at most {@link Request.AddProviders#MAX_KEYS} keys each). The future tells how many
   * (key, node) announcements were stored, this node's own included.
   */
  public CompletableFuture<Integer> provideAll(java.util.Collection<NodeId> keys) {
    long now = clock.millis();
    for (NodeId key : keys) {
      provided.put(key, now);
    }
    return announceAll(List.copyOf(keys));
  }

  /**
   * Starts providing {@code key} from the next {@link #maintain()} round on (which announces at most
   * {@link #MAX_REPUBLISH_PER_ROUND} keys in {@link #MAX_REPUBLISH_LOOKUPS_PER_ROUND} groups at a
   * time): for the bodies a node already holds at start.
   */
  public void provideLater(NodeId key) {
    provided.putIfAbsent(key, 0L);
  }

  /** Stops announcing {@code key} (the records already out expire on their own). */
  public void unprovide(NodeId key) {
    provided.remove(key);
    providers.remove(key, id);
  }

  /** Whether this node announces {@code key}. */
  public boolean provides(NodeId key) {
    return provided.containsKey(key);
  }

  private CompletableFuture<Integer> announceAll(List<NodeId> keys) {
    if (keys.isEmpty()) {
      return CompletableFuture.completedFuture(0);
    }
    // one node lookup per part of the key space whose keys share their closest nodes, not one per key
    int bits = groupBits();
    List<CompletableFuture<Map<NodeId, List<Contact>>>> parts = new ArrayList<>();
    groups(keys, bits).values().forEach(members -> parts.add(place(members, bits)));
    Map<NodeId, List<Contact>> placed = new java.util.HashMap<>();
    List<CompletableFuture<List<Contact>>> found = new ArrayList<>(keys.size());
    CompletableFuture<Void> looked = CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenRun(() -> {
      parts.forEach(part -> placed.putAll(part.join()));
    });
    for (NodeId key : keys) {
      found.add(looked.thenApply(v -> placed.getOrDefault(key, List.of())));
    }
    return CompletableFuture.allOf(found.toArray(CompletableFuture[]::new)).thenCompose(v -> {
      long now = clock.millis();
      long expires = now + config.providerTtl().toMillis();
      Map<NodeId, Contact> nodes = new java.util.HashMap<>();
      Map<NodeId, List<NodeId>> byNode = new java.util.LinkedHashMap<>();
      int local = 0;
      // fewer than k found though the table knows k or more: the lookup missed most of them
      boolean[] incomplete = new boolean[keys.size()];
      boolean knowsK = table.size() >= config.k();
      for (int i = 0; i < keys.size(); i++) {
        NodeId key = keys.get(i);
        List<Contact> closest = found.get(i).join();
        incomplete[i] = knowsK && closest.size() < config.k();
        for (Contact c : closest) {
          nodes.putIfAbsent(c.id(), c);
          byNode.computeIfAbsent(c.id(), x -> new ArrayList<>()).add(key);
        }
        if (amongClosest(key, closest)) {
          providers.add(key, id, baseUrl(), expires, now);
          local++;
        }
      }
      List<CompletableFuture<Integer>> acks = new ArrayList<>();
      // keys another node took (this node's own copy alone, with others known, is found by no one
      // who does not ask it; with none known, the hand-over to the next node that joins carries it)
      Set<NodeId> taken = ConcurrentHashMap.newKeySet();
      boolean alone = table.size() == 0;
      for (Map.Entry<NodeId, List<NodeId>> e : byNode.entrySet()) {
        Contact c = nodes.get(e.getKey());
        List<NodeId> all = e.getValue();
        for (int from = 0; from < all.size(); from += Request.AddProviders.MAX_KEYS) {
          List<NodeId> part = all.subList(from, Math.min(all.size(), from + Request.AddProviders.MAX_KEYS));
          Request add = new Request.AddProviders(part, baseUrl(), expires);
          acks.add(call(c.baseUrl(), add, c.id()).handle((r, err) -> {
            int added = err == null && r.payload() instanceof Response.ProvidersAdded a ? a.added() : 0;
            if (added > 0) {
              taken.addAll(part);
            }
            return added;
          }));
        }
      }
      int self = local;
      return CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).thenApply(x -> {
        for (int i = 0; i < keys.size(); i++) {
          if (!alone && !taken.contains(keys.get(i)) || incomplete[i] && firstIncomplete(keys.get(i), now)) {
            retrySoon(keys.get(i));
          }
        }
        return self + acks.stream().mapToInt(CompletableFuture::join).sum();
      });
    });
  }

  /** How long after an announcement that no node took, or that found too few nodes, it is tried again. */
  static final long ANNOUNCE_RETRY_MILLIS = 60_000;
  private final AtomicLong announcementsRetried = new AtomicLong();

  /**
   * Makes {@code key} due again {@link #ANNOUNCE_RETRY_MILLIS} from now, instead of at the next
   * republish: its announcement reached no node (the lookup failed, or every node it found did
   * not answer), or reached fewer than k nodes though this node knows k or more. Keys due by
   * age still go first ({@link #maintain} takes the oldest), so retries cannot starve them.
   */
  private void retrySoon(NodeId key) {
    long due = clock.millis() - config.republishInterval().toMillis() + ANNOUNCE_RETRY_MILLIS;
    if (provided.computeIfPresent(key, (k, at) -> Math.min(at, due)) != null) {
      announcementsRetried.incrementAndGet();
    }
  }

  /** When each key's announcement last found too few nodes (the most recent 4,096). */
  private final Map<NodeId, Long> incompleteAt = lru(4096);

  /**
   * Whether an announcement of {@code key} that found fewer than k nodes is the first such within
   * a republish interval: tried again once, not every minute (a cluster with a third of its nodes
   * down finds fewer than k every time).
   */
  private boolean firstIncomplete(NodeId key, long now) {
    Long before = incompleteAt.put(key, now);
    return before == null || now - before >= config.republishInterval().toMillis();
  }

  /** Announcements tried again early: reached no node, or too few (see {@link #retrySoon}). */
  public long announcementsRetried() {
    return announcementsRetried.get();
  }

  private final AtomicLong lookupsForAnnouncements = new AtomicLong();
  /** How long the k closest found around an announcement group's middle are used again. */
  static final long GROUP_LOOKUP_MILLIS = 60_000;

  private record Found(long atMillis, List<Contact> closest) {}

  /** The k closest found lately around each announcement group's middle (the most recent 1,024). */
  private final Map<NodeId, Found> groupLookups = lru(1024);

  /**
   * {@link #closestFor} the middle of an announcement group, remembered for {@link
   * #GROUP_LOOKUP_MILLIS}: a node that stores a body every few seconds announces in batches, and
   * past k nodes each batch looked the same few parts of the key space up again (about 20 of the
   * 42 DHT requests a fill in a cluster of 30 processes). A node that joins meanwhile gets its
   * records by hand-over; one that leaves misses an announcement the others still hold.
   */
  private CompletableFuture<List<Contact>> closestForGroup(NodeId target) {
    long now = clock.millis();
    Found known = groupLookups.get(target);
    if (known != null && now - known.atMillis() < GROUP_LOOKUP_MILLIS) {
      return CompletableFuture.completedFuture(known.closest());
    }
    lookupsForAnnouncements.incrementAndGet();
    return closestFor(target).thenApply(closest -> {
      if (closest.size() >= config.k()) { // a network smaller than k is known whole, with no lookup
        groupLookups.put(target, new Found(now, closest));
      }
      return closest;
    });
  }

  /**
   * The k closest nodes of each of {@code keys}, which share their first {@code bits} bits: one
   * node lookup of the group's middle, whose k closest are every key's when the group is narrow
   * enough. When the lookup shows it is not (the k nodes found around the middle share fewer than
   * {@code bits} - 2 bits with it: this node's table, by which {@link #groupBits} judged, knows
   * too few nodes near itself, as a node that has just joined), the group is split by that
   * measure and each part looked up again. Without this, the records of a node that misjudged
   * landed on nodes a hundred ranks from their keys (a simulation of 1,000 nodes). A lone key is
   * checked the same way.
   */
  private CompletableFuture<Map<NodeId, List<Contact>>> place(List<NodeId> keys, int bits) {
    NodeId first = keys.get(0);
    // a lone key is placed by its group's middle too (when there are groups), so that the next
    // announcement in its part of the key space finds the lookup remembered
    NodeId target = keys.size() == 1 && bits == 0 ? first : middle(first, bits);
    return closestForGroup(target).exceptionally(e -> List.of()).thenCompose(closest -> { // one failed lookup spoils no other group
      int needed = closest.size() < config.k() ? 0 : target.commonPrefixLength(closest.get(config.k() - 1).id()) + 2;
      // needed > bits: the part is too wide, for a lone key as for many (a lone key placed
      // around the middle of a part judged too wide landed a hundred ranks from its closest);
      // bits grows on each split, so the splitting ends
      if (needed <= bits) {
        Map<NodeId, List<Contact>> out = new java.util.HashMap<>();
        keys.forEach(key -> out.put(key, closestTo(key, closest)));
        return CompletableFuture.completedFuture(out);
      }
      List<CompletableFuture<Map<NodeId, List<Contact>>>> parts = new ArrayList<>();
      groups(keys, needed).values().forEach(members -> parts.add(place(members, needed)));
      return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(v -> {
        Map<NodeId, List<Contact>> out = new java.util.HashMap<>();
        parts.forEach(part -> out.putAll(part.join()));
        return out;
      });
    });
  }

  /**
   * How many leading bits the keys of one announcement group share: two more than the k
   * contacts closest to this node share with it (about log2(N / k)). A part of the key space one
   * bit longer than that holds fewer than k nodes, by the definition of the k closest; two bits
   * longer, about a quarter of k. Every node of a group's part is then among the k closest to
   * each of its keys, so a record placed at the k closest to the group's middle reaches them all,
   * and a lookup of any of its keys asks them. (One part of about 2k nodes, measured: 3 of 100
   * lookups missed.) 0 (one group) while this node knows fewer than k others.
   */
  int groupBits() {
    List<Contact> near = table.closest(id, config.k());
    return near.size() < config.k() ? 0 : id.commonPrefixLength(near.get(near.size() - 1).id()) + 2;
  }

  /** {@code keys} by their first {@code bits} bits, in the order they come. */
  private static Map<NodeId, List<NodeId>> groups(List<NodeId> keys, int bits) {
    Map<NodeId, List<NodeId>> out = new java.util.LinkedHashMap<>();
    for (NodeId key : keys) {
      out.computeIfAbsent(key.lowestWithPrefix(bits), g -> new ArrayList<>()).add(key);
    }
    return out;
  }

  /** The id in the middle of {@code key}'s group: its first {@code bits} bits, then a one, then zeros. */
  private static NodeId middle(NodeId key, int bits) {
    byte[] b = key.bytes();
    byte[] out = new byte[NodeId.BYTES];
    for (int i = 0; i < NodeId.BITS; i++) {
      boolean one = i < bits ? (b[i / 8] >>> (7 - i % 8) & 1) == 1 : i == bits;
      if (one) {
        out[i / 8] |= (byte) (0x80 >>> (i % 8));
      }
    }
    return NodeId.ofBytes(out);
  }

  /** The k of {@code found} closest to {@code key}. */
  private List<Contact> closestTo(NodeId key, List<Contact> found) {
    List<Contact> sorted = new ArrayList<>(found);
    sorted.sort((a, b) -> key.compareDistance(a.id(), b.id()));
    return sorted.subList(0, Math.min(config.k(), sorted.size()));
  }

  /** Node lookups made to announce keys so far (one per group of keys sharing their closest nodes). */
  public long announcementLookups() {
    return lookupsForAnnouncements.get();
  }

  /**
   * Stores a signed value record at the k nodes closest to its key; tells at how many. A put waits
   * for this node's earlier put of the same key to be answered, so that a node's records for a key
   * reach each node in the order it published them (a later record over its own earlier one, never
   * an earlier one refused as not newer after the later one arrived first).
   */
  public CompletableFuture<Integer> putRecord(SignedRecord record) {
    return put(record, null, config.k());
  }

  /**
   * Stores a signed value record at {@code closest}, the k closest nodes a recent lookup of its key
   * found (and here when this node is among them), saving the lookup; tells at how many.
   */
  public CompletableFuture<Integer> putRecord(SignedRecord record, List<Contact> closest) {
    return put(record, closest, config.k());
  }

  /**
   * Stores a short-lived record (a marker that a fetch is under way) only where the lookups made
   * while it lives look: in a network smaller than k known whole, the {@link #WHOLE_NETWORK_ASKED}
   * nodes closest to its key (and here), which a record lookup that misses this node's own store
   * asks, instead of every node; elsewhere at {@code closest} when the caller knows them from a
   * recent lookup of the key (null: a node lookup finds the k closest first), as {@link
   * #putRecord}. In order with this node's other puts of the key; tells at how many nodes it was
   * stored.
   */
  public CompletableFuture<Integer> putRecordNear(SignedRecord record, List<Contact> closest) {
    return put(record, closest, WHOLE_NETWORK_ASKED);
  }

  /**
   * The one way a record goes out, in order with this node's other puts of its key: in a network
   * known whole to the {@code wholeNetworkCount} closest of the table, else to {@code closest}
   * when the caller knows them, else to the k closest a node lookup finds.
   */
  private CompletableFuture<Integer> put(SignedRecord record, List<Contact> closest, int wholeNetworkCount) {
    return inOrder(record.key(), () -> {
      List<Contact> whole = wholeNetwork(record.key());
      if (whole != null) {
        return store(record, whole.subList(0, Math.min(whole.size(), wholeNetworkCount)));
      }
      return closest != null
          ? store(record, closest)
          : findNode(record.key()).thenCompose(found -> store(record, found.closest()));
    });
  }

  /** Starts {@code put} once this node's put of {@code key} in flight, if any, has been answered. */
  private CompletableFuture<Integer> inOrder(NodeId key, java.util.function.Supplier<CompletableFuture<Integer>> put) {
    CompletableFuture<Integer> done = new CompletableFuture<>();
    CompletableFuture<Integer> before = putsInFlight.put(key, done);
    CompletableFuture<?> start = before == null ? CompletableFuture.completedFuture(null) : before.handle((r, e) -> null);
    start.thenCompose(x -> put.get()).whenComplete((r, e) -> {
      putsInFlight.remove(key, done);
      if (e != null) {
        done.completeExceptionally(e);
      } else {
        done.complete(r);
      }
    });
    return done;
  }

  private CompletableFuture<Integer> store(SignedRecord record, List<Contact> closest) {
    return stored(record, closest.stream().map(c -> call(c.baseUrl(), new Request.PutRecord(record), c.id())).toList(),
        amongClosest(record.key(), closest));
  }

  /** Stores {@code record} here too when {@code here}; tells at how many nodes it was stored, {@code sent} its puts. */
  private CompletableFuture<Integer> stored(SignedRecord record, List<CompletableFuture<Reply>> sent, boolean here) {
    boolean local = here && records.put(record, clock.millis()).stored();
    return counted(local, sent.stream().map(f -> f.handle((r, e) -> e == null)).toList());
  }

  /** How many of {@code acks} said yes once all have answered, and one more when {@code local}. */
  private static CompletableFuture<Integer> counted(boolean local, List<CompletableFuture<Boolean>> acks) {
    return CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new))
        .thenApply(v -> (local ? 1 : 0) + (int) acks.stream().filter(CompletableFuture::join).count());
  }

  private boolean amongClosest(NodeId key, List<Contact> closest) {
    return closest.size() < config.k()
        || key.compareDistance(id, closest.get(closest.size() - 1).id()) < 0;
  }

  // ---- hand-over (Kademlia section 2.5) ----

  /** Most pings a second to providers named in hand-overs that this node does not know. */
  static final int MAX_HANDOVER_PINGS_PER_SECOND = 50;
  /** Most unknown providers one hand-over message makes this node ping; entries of others are dropped. */
  static final int MAX_UNKNOWN_PROVIDERS_PER_HANDOVER = 32;

  /** The second hand-over pings are counted in, and how many were sent in it. */
  private final long[] handOverPings = new long[2];
  private final AtomicLong handedOut = new AtomicLong();
  private final AtomicLong handedIn = new AtomicLong();
  private final AtomicLong replicated = new AtomicLong();
  /** When {@link #replicateStored} last ran (the first run waits one interval). */
  private volatile long lastReplication;
  /** When this node last handed records to each contact it added (the most recent 4,096). */
  private final Map<NodeId, Long> handedTo = lru(4096);
  /** Providers that answered a ping at a URL lately (id to URL), so that hand-overs naming them need no new ping. */
  private final Map<NodeId, URI> verifiedProviders = lru(4096);

  /**
   * Passes to a node just added to the table the records it should now hold: the provider
   * entries (in {@code hand_over} messages) and value records (signed: {@code put_record}) of
   * the keys for which it is among the k closest this node knows.
   */
  private void handOverTo(Contact newcomer) {
    long now = clock.millis();
    // A contact dropped after failed requests and added again (a busy node, not a new one) still
    // holds what it was handed: handing it everything again each time it came back fed a storm
    // in a cluster of 30 processes on 2 cores, where every failure made more traffic.
    Long handed = handedTo.get(newcomer.id());
    if (handed != null && now - handed < config.refreshInterval().toMillis()) {
      return;
    }
    handedTo.put(newcomer.id(), now);
    // a key's k closest nodes share about groupBits() - 2 leading bits with it: a newcomer
    // sharing fewer than groupBits() - 5 is not among them, and the costlier test is spared
    int bits = groupBits();
    int near = Math.max(0, bits - 5);
    Map<NodeId, List<Contact>> nearGroup = new java.util.HashMap<>(); // the keys of a group share their closest contacts
    java.util.function.Predicate<NodeId> theirs = key ->
        shouldHandOver(key, newcomer, nearGroup.computeIfAbsent(key.lowestWithPrefix(bits), g -> table.closest(key, 2 * config.k())));
    List<Request.HandOver.Entry> entries = new ArrayList<>();
    providers.matching(newcomer.id(), near, theirs, now).forEach((key, list) -> list.stream()
        .filter(p -> !p.providerId().equals(newcomer.id()))
        .forEach(p -> entries.add(new Request.HandOver.Entry(key, p))));
    sendHandOver(newcomer, entries);
    List<SignedRecord> signed = records.matching(newcomer.id(), near, theirs, now);
    for (SignedRecord r : signed) {
      call(newcomer.baseUrl(), new Request.PutRecord(r), newcomer.id());
    }
    handedOut.addAndGet(entries.size() + signed.size());
  }

  private void sendHandOver(Contact to, List<Request.HandOver.Entry> entries) {
    for (int from = 0; from < entries.size(); from += Request.HandOver.MAX_ENTRIES) {
      call(to.baseUrl(), new Request.HandOver(entries.subList(from, Math.min(entries.size(), from + Request.HandOver.MAX_ENTRIES))), to.id());
    }
  }

  /**
   * Kademlia's hourly replication of what a node stores, in batches: each provider record this
   * node holds that its provider did not announce within the last interval (then the provider
   * sent it to the closest nodes itself) goes to the k closest nodes this node knows for its key,
   * all of one target's entries in one {@code hand_over} message. Records thus follow their key's
   * closest nodes as they change between republishes, even to nodes that joined out of sight of
   * every holder. The receivers refresh what they hold at no cost, and verify only providers new
   * to them.
   */
  private void replicateStored(long now) {
    long freshAfter = now + config.providerTtl().toMillis() - config.refreshInterval().toMillis();
    Map<NodeId, Contact> targets = new java.util.HashMap<>();
    Map<NodeId, List<Request.HandOver.Entry>> byTarget = new java.util.LinkedHashMap<>();
    int bits = groupBits();
    Map<NodeId, List<Contact>> nearGroup = new java.util.HashMap<>(); // the keys of a group share their closest nodes, give or take a few
    providers.matching(key -> true, now).forEach((key, list) -> {
      List<ProviderInfo> stale = list.stream().filter(p -> p.expiresAt() <= freshAfter && !p.providerId().equals(id)).toList();
      if (stale.isEmpty()) {
        return;
      }
      List<Contact> candidates = nearGroup.computeIfAbsent(key.lowestWithPrefix(bits), g -> table.closest(key, 2 * config.k()));
      for (Contact c : closestTo(key, candidates)) {
        targets.putIfAbsent(c.id(), c);
        for (ProviderInfo p : stale) {
          if (!p.providerId().equals(c.id())) {
            byTarget.computeIfAbsent(c.id(), x -> new ArrayList<>()).add(new Request.HandOver.Entry(key, p));
          }
        }
      }
    });
    byTarget.forEach((target, entries) -> sendHandOver(targets.get(target), entries));
    replicated.addAndGet(byTarget.values().stream().mapToLong(List::size).sum());
  }

  /**
   * Whether this node hands {@code key}'s records to {@code newcomer}: the newcomer is among the
   * k - 1 contacts closest to the key (room left for this node), as ranked among {@code
   * candidates}, the 2k contacts closest to the first key of its group (one table search a group,
   * not one a key: the search copied the whole table, and in a simulation of 1,000 nodes under
   * churn it took most of the time). Every holder that meets the
   * newcomer does so, each in one message for all such keys: a newcomer is met by the nodes near
   * it, and a rule that only one holder send (the closest) loses the keys whose closest holder
   * never met it (half of them, measured in the test).
   */
  private boolean shouldHandOver(NodeId key, Contact newcomer, List<Contact> candidates) {
    // its rank among the candidates, counted rather than sorted for: this runs for every key held
    boolean among = false;
    int closer = 0;
    for (Contact c : candidates) {
      if (c.id().equals(newcomer.id())) {
        among = true;
      } else if (key.compareDistance(c.id(), newcomer.id()) < 0) {
        closer++;
      }
    }
    return among && closer < config.k() - 1;
  }

  /**
   * Takes the entries of a hand-over that are live and for keys this node is among the k closest
   * to (by its table): at once those of providers it knows at that URL (the table's contacts
   * answered it, and the sender vouches for itself), the others once their provider answers a
   * ping at that URL with its id (at most {@link #MAX_UNKNOWN_PROVIDERS_PER_HANDOVER} providers a
   * message, {@link #MAX_HANDOVER_PINGS_PER_SECOND} pings a second). Returns how many were taken.
   */
  private int takeOver(Sender from, Request.HandOver h, long now) {
    int taken = 0;
    long latest = now + config.providerTtl().toMillis();
    Map<NodeId, List<Request.HandOver.Entry>> unknown = new java.util.LinkedHashMap<>();
    Map<NodeId, Boolean> mine = new java.util.HashMap<>(); // a key's entries share one table search
    for (Request.HandOver.Entry e : h.entries()) {
      ProviderInfo p = e.provider();
      if (p.expiresAt() <= now || p.providerId().equals(id)
          || !mine.computeIfAbsent(e.key(), key -> table.closerThanSelf(key, config.k()) < config.k())) {
        continue;
      }
      Optional<Contact> known = table.get(p.providerId());
      boolean vouched = p.providerId().equals(from.id()) && p.baseUrl().equals(from.baseUrl());
      boolean held = providers.holds(e.key(), p.providerId(), p.baseUrl(), now);
      if (vouched || held || p.baseUrl().equals(verifiedProviders.get(p.providerId()))
          || known.filter(c -> c.baseUrl().equals(p.baseUrl())).isPresent()) {
        ProviderStore.AddOutcome added = providers.add(e.key(), p.providerId(), p.baseUrl(), Math.min(p.expiresAt(), latest), now);
        if (added == ProviderStore.AddOutcome.ADDED || added == ProviderStore.AddOutcome.REFRESHED) {
          taken++;
        }
      } else if (unknown.containsKey(p.providerId()) || unknown.size() < MAX_UNKNOWN_PROVIDERS_PER_HANDOVER) {
        unknown.computeIfAbsent(p.providerId(), x -> new ArrayList<>()).add(e);
        taken++;
      }
    }
    unknown.forEach(this::takeOverOnceVerified);
    handedIn.addAndGet(taken);
    return taken;
  }

  /** Pings the provider of {@code entries} at their URL, and stores them if it answers with its id there. */
  private void takeOverOnceVerified(NodeId provider, List<Request.HandOver.Entry> entries) {
    if (!withinRate(handOverPings, clock.millis(), MAX_HANDOVER_PINGS_PER_SECOND)) {
      return;
    }
    URI url = entries.get(0).provider().baseUrl();
    call(url, new Request.Ping(), null).thenAccept(reply -> {
      if (!reply.sender().id().equals(provider) || !reply.sender().baseUrl().equals(url)) {
        return;
      }
      verifiedProviders.put(provider, url);
      long now = clock.millis();
      long latest = now + config.providerTtl().toMillis();
      for (Request.HandOver.Entry e : entries) {
        if (e.provider().baseUrl().equals(url)) {
          providers.add(e.key(), provider, url, Math.min(e.provider().expiresAt(), latest), now);
        }
      }
    });
  }

  /** Whether this node's store holds a live record that {@code provider} serves {@code key} (for the simulator). */
  public boolean holdsProvider(NodeId key, NodeId provider, long now) {
    return providers.providers(key, now).stream().anyMatch(p -> p.providerId().equals(provider));
  }

  /** Records handed to nodes that joined, entries taken from hand-overs, and entries sent by hourly replication, so far. */
  public long[] handOvers() {
    return new long[] {handedOut.get(), handedIn.get(), replicated.get()};
  }

  // ---- maintenance ----

  /**
   * One maintenance round, to run every few seconds: drops expired records, republishes keys whose
   * announcement is older than the republish interval, and refreshes buckets no lookup went through
   * for the refresh interval (a lookup of a random id in the bucket). The future completes when the
   * round's work has.
   */
  public CompletableFuture<Void> maintain() {
    long now = clock.millis();
    providers.expire(now);
    records.expire(now);
    List<CompletableFuture<?>> work = new ArrayList<>();
    long republish = config.republishInterval().toMillis();
    List<NodeId> oldest = provided.entrySet().stream()
        .filter(e -> now - e.getValue() >= republish)
        .sorted(Map.Entry.comparingByValue())
        .limit(MAX_REPUBLISH_PER_ROUND)
        .map(Map.Entry::getKey)
        .toList();
    // at most MAX_REPUBLISH_LOOKUPS_PER_ROUND groups, the oldest first; the other keys wait
    List<NodeId> due = groups(oldest, groupBits()).values().stream()
        .limit(MAX_REPUBLISH_LOOKUPS_PER_ROUND)
        .flatMap(List::stream)
        .filter(key -> provided.replace(key, provided.getOrDefault(key, now), now))
        .toList();
    work.add(announceAll(due));
    if (config.handOver() && now - lastReplication >= config.refreshInterval().toMillis()) {
      lastReplication = now;
      replicateStored(now);
    }
    CompletableFuture<Void> rejoin = rejoinIfThin(now);
    if (rejoin != null) {
      work.add(rejoin);
    } else if (table.size() < config.k() && !knowsWholeNetwork()) {
      work.add(findNode(id)); // a table this small (its neighbours all gone, say) looks for new ones every round
    }
    long refresh = config.refreshInterval().toMillis();
    int buckets = table.bucketCount();
    for (int i = 0; i < buckets; i++) {
      long last = bucketRefreshed.getOrDefault(i, startedAt);
      if (now - last >= refresh) {
        bucketRefreshed.put(i, now);
        work.add(findNode(randomIdInBucket(i)));
      }
    }
    return CompletableFuture.allOf(work.toArray(CompletableFuture[]::new));
  }

  /** A random id sharing exactly {@code prefix} leading bits with this node's. */
  NodeId randomIdInBucket(int prefix) {
    byte[] own = id.bytes();
    byte[] out = new byte[NodeId.BYTES];
    synchronized (random) {
      random.nextBytes(out);
    }
    for (int bit = 0; bit <= prefix && bit < NodeId.BITS; bit++) {
      int i = bit / 8;
      int mask = 0x80 >>> (bit % 8);
      boolean ownBit = (own[i] & mask) != 0;
      boolean want = bit < prefix ? ownBit : !ownBit;
      out[i] = (byte) (want ? out[i] | mask : out[i] & ~mask);
    }
    return NodeId.ofBytes(out);
  }

  // ---- persistence ----

  /** The table's contacts, most useful first (recently seen), for saving. */
  public List<Contact> contacts() {
    List<Contact> all = new ArrayList<>(table.contacts());
    all.sort(Comparator.comparingLong(Contact::lastSeen).reversed());
    return all;
  }

  /**
   * Puts saved contacts back in the table (they answered before this node stopped; the first
   * lookups drop those that are gone).
   */
  public void restore(List<Contact> saved) {
    for (Contact c : saved) {
      OfferResult r = table.offer(c);
      if (r.outcome() == OfferResult.Outcome.PENDING_PING) {
        table.pingResult(r.toPing(), true); // a full bucket keeps what it has
      }
    }
  }

  @Override
  public String toString() {
    return "DhtNode[" + id + " at " + baseUrl() + "]";
  }
}
