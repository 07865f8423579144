package org.oversky.gateway.coop;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.oversky.cache.ContentKey;
import org.oversky.cache.ContentStore;
import org.oversky.cache.StoredResponse;
import org.oversky.conf.ClusterSettings;
import org.oversky.dht.id.NodeId;
import org.oversky.dht.node.DhtNode;
import org.oversky.dht.node.LookupResult;
import org.oversky.dht.routing.Contact;
import org.oversky.dht.rpc.ProviderInfo;
import org.oversky.dht.rpc.SignedRecord;
import org.oversky.gateway.dht.DhtService;
import org.oversky.gateway.dht.Providers;
import org.oversky.gateway.metrics.Failures;
import org.oversky.gateway.proxy.PeerSource;
import org.oversky.gateway.routing.ClusterMonitor;
import org.oversky.routing.placement.Placement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cooperative caching: the nodes of a site cluster fill each other's misses. A node that stores a
 * site response publishes a signed URL record (the stored response and where it serves the body);
 * a node that misses looks the record up within a tight budget, takes it only from a trusted
 * publisher (see {@link ClusterTrust}), copies the body by key from the publisher or another
 * provider (verified against its SHA-256), stores the response and serves it. While a node fetches
 * a URL from the origin it publishes a short-lived marker, and a node that misses the same URL
 * meanwhile waits a little for the first one's record instead of asking the origin too.
 *
 * <p>Where a record goes: to the first {@code cluster.record-copies} nodes of the URL key's
 * rendezvous order ({@link Placement}) over the cluster's nodes that are not known to be down
 * ({@link ClusterMonitor#placeable}), with no lookup; a node that misses reads its own store when
 * it is one of them, and otherwise asks the first of them, then the second when the first has no
 * record or is slow (one round trip, whatever the size of the cluster). Before this node knows any
 * other, records go to the DHT's k closest and are found by a lookup, as in a DHT without a cluster.
 */
public final class Cooperation implements PeerSource {
  /** How long an in-flight marker lives. */
  static final Duration MARKER_TTL = Duration.ofSeconds(10);
  /** How often a node waiting for another's fetch looks again. */
  private static final long POLL_MILLIS = 50;

  private final ClusterSettings settings;
  private final ClusterTrust trust;
  private final DhtService dht;
  private final DhtNode node;
  private final ContentStore store;
  private final long maxRecordMillis;
  /** The cluster's nodes that records may be placed on, this one included (see {@link ClusterMonitor#placeable}). */
  private final Supplier<List<URI>> view;
  /** This node's own URL in the view. */
  private final URI self;
  /** The nodes closest to URL keys that a record lookup found lately: publishing there needs no lookup. */
  private final Cache<NodeId, List<Contact>> closest =
      Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(Duration.ofMinutes(1)).build();
  /** Responses this node published, by URL and variant, while they may need publishing again. */
  private final Map<String, Published> publishedByUrl = new java.util.concurrent.ConcurrentHashMap<>();
  private final long republishMillis;
  /** When a record read asks the next holder: a third of the lookup budget. */
  private final Duration hedgeAfter;
  /** Most published responses remembered for republishing; past it, the longest-lived are dropped. */
  static final int MAX_REMEMBERED = 100_000;
  /** Most records this node placed that follow changes of the view (see {@link #followView}). */
  static final int MAX_FOLLOWED = 20_000;

  /** A record this node published, and its holders when last placed (this node included when it is one). */
  private record Placed(SignedRecord record, List<URI> at) {}

  /** The live records this node placed by the view, by key: handed on when the view gains a holder. */
  private final Cache<NodeId, Placed> placed = Caffeine.newBuilder().maximumSize(MAX_FOLLOWED).build();
  /** The view {@link #followView} last saw; written by it alone. */
  private volatile List<URI> followed = List.of();
  private final AtomicLong handedOn = new AtomicLong();

  private record Published(StoredResponse response, List<String> varyNames, long keepUntil, long lastPublished) {}

  /** Set while this node stores a peer's response, which it does not publish again. */
  private final ThreadLocal<Boolean> filling = ThreadLocal.withInitial(() -> false);
  private final AtomicLong peerFills = new AtomicLong();
  private final AtomicLong peerBytes = new AtomicLong();
  private final AtomicLong published = new AtomicLong();
  private final AtomicLong markers = new AtomicLong();
  private final AtomicLong untrusted = new AtomicLong();
  private final AtomicLong waited = new AtomicLong();
  private final AtomicLong lookups = new AtomicLong();
  private final AtomicLong lookupTimeouts = new AtomicLong();
  /** Record reads answered by this node's own store, as one of the record's holders: no message. */
  private final AtomicLong heldHere = new AtomicLong();
  private final Failures failures;
  private static final Logger LOG = LoggerFactory.getLogger(Cooperation.class);

  public Cooperation(
      ClusterSettings settings,
      DhtService dht,
      ContentStore store,
      Duration recordLifetime,
      Duration republishInterval,
      Supplier<List<URI>> view,
      Failures failures) {
    this.failures = failures;
    this.view = view;
    this.self = dht.node().baseUrl();
    this.republishMillis = republishInterval.toMillis();
    this.settings = settings;
    this.hedgeAfter = settings.lookupBudget().dividedBy(3);
    this.trust = new ClusterTrust(settings);
    this.dht = dht;
    this.node = dht.node();
    this.store = store;
    this.maxRecordMillis = recordLifetime.toMillis();
  }

  @Override
  public Optional<StoredResponse> fill(
      String url, Function<List<String>, String> variantFor, Predicate<StoredResponse> usable) {
    return fill(url, variantFor, usable, false);
  }

  @Override
  public Optional<StoredResponse> fillOrFetch(
      String url, Function<List<String>, String> variantFor, Predicate<StoredResponse> usable) {
    return fill(url, variantFor, usable, true);
  }

  /**
   * A peer's copy of {@code url}; when this node {@code leads} the URL's misses, the lookup also
   * claims the URL at the first holder ({@link DhtNode#askRecord} with a marker), and when it
   * returns empty without the claim taken or a record in the way, the marker is published.
   */
  private Optional<StoredResponse> fill(
      String url, Function<List<String>, String> variantFor, Predicate<StoredResponse> usable, boolean leads) {
    if (!settings.enabled()) {
      return Optional.empty();
    }
    NodeId key = trust.urlKey(url, "");
    long waitUntil = System.nanoTime() + settings.collapseWait().toNanos(); // a real wait, not the record clock
    Optional<SignedRecord> marker = leads ? signed(key, UrlRecord.fetching(url, node.baseUrl()), MARKER_TTL.toMillis()) : Optional.empty();
    Optional<UrlRecord> found = find(key, url, false, marker);
    if (found.isPresent() && found.get().fetching() && !isMine(found.get())) {
      // Another node is fetching the URL: wait for its record, looking again every POLL_MILLIS
      // (a holder at its own store only, which the record reaches; any other node at one holder).
      found = Optional.empty();
      while (found.isEmpty() && System.nanoTime() - waitUntil < 0) {
        waited.incrementAndGet();
        try {
          Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return Optional.empty();
        }
        found = find(key, url, true, Optional.empty()).filter(r -> !r.fetching() || isMine(r));
      }
    }
    if (found.isPresent() && found.get().fetching()) {
      markers.incrementAndGet(); // this node's claim was stored: the cluster knows it fetches the URL
    } else if (found.isEmpty() && marker.isPresent()) {
      // no answer and no claim taken (a holder failed or was slow, or the DHT path): the marker to
      // where it belongs, as a claim at the holders, which a record already there simply keeps out
      List<URI> holders = holders(key);
      if (holders.isEmpty()) {
        node.putRecordNear(marker.get(), closest.getIfPresent(key)); // a marker lives seconds: only lookups made meanwhile need it
      } else {
        node.claimAt(marker.get(), holders.stream().filter(u -> !u.equals(self)).toList(), holders.contains(self));
      }
      markers.incrementAndGet();
    }
    if (found.isPresent() && found.get().isVary()) {
      found = find(trust.urlKey(url, variantFor.apply(found.get().varyNames())), url, false, Optional.empty());
    }
    if (found.isEmpty() || found.get().response() == null || !usable.test(found.get().response())) {
      return Optional.empty();
    }
    UrlRecord record = found.get();
    StoredResponse response = record.response();
    if (!store.contains(response.body()) && !copy(record)) {
      return Optional.empty();
    }
    filling.set(true);
    try {
      store.responses().put(response);
    } finally {
      filling.set(false);
    }
    peerFills.incrementAndGet();
    store.info(response.body()).ifPresent(b -> peerBytes.addAndGet(b.size()));
    return Optional.of(response);
  }

  private boolean isMine(UrlRecord r) {
    return r.provider().equals(node.baseUrl());
  }

  /**
   * The trusted record under {@code key}, within the lookup budget; {@code again} while waiting for
   * another node's record (see {@link DhtNode#recheckRecord}). With a {@code claim}, the first holder
   * asked stores it unless it holds a record, and the answer is then the claim itself.
   */
  private Optional<UrlRecord> find(NodeId key, String url, boolean again, Optional<SignedRecord> claim) {
    lookups.incrementAndGet();
    // Records are checked (HMAC) and parsed once, as the lookup meets them.
    Map<SignedRecord, UrlRecord> accepted = new java.util.concurrent.ConcurrentHashMap<>();
    Predicate<SignedRecord> accept = r -> {
      Optional<byte[]> json = trust.open(r);
      if (json.isEmpty()) {
        untrusted.incrementAndGet();
        return false;
      }
      Optional<UrlRecord> parsed = UrlRecord.parse(json.get(), url);
      if (parsed.isEmpty()) {
        failures.report(LOG, "cluster-record-unreadable",
            "a trusted node's URL record for " + url + " could not be read (a node of another version?); the miss goes on without it", null);
        return false;
      }
      accepted.put(r, parsed.get());
      return true;
    };
    List<URI> holders = holders(key);
    CompletableFuture<LookupResult> lookup;
    if (!holders.isEmpty()) {
      boolean here = holders.contains(self);
      Optional<SignedRecord> held = here ? node.heldRecord(key, accept) : Optional.empty();
      if (held.isPresent() || (here && again)) {
        // a holder's store has the record whenever another node published one; waiting, it is
        // where the record arrives
        heldHere.incrementAndGet();
        return held.map(accepted::get);
      }
      if (claim.isPresent() && holders.get(0).equals(self)) {
        heldHere.incrementAndGet(); // claims are made at the first holder: here
        return node.claimHere(claim.get(), accept).map(accepted::get);
      }
      // one holder, the next only when it has no record or is slow: two at once cost a message
      // more for every fill from a peer. A holder without the record asks too: a claim (an
      // in-flight marker) is held by the first holder only.
      List<URI> ask = holders.stream().filter(u -> !u.equals(self)).limit(again ? 1 : 2).toList();
      lookup = node.askRecord(key, ask, hedgeAfter, accept, claim);
    } else {
      lookup = again ? node.recheckRecord(key, accept) : node.findRecord(key, accept);
    }
    try {
      LookupResult result = lookup.get(settings.lookupBudget().toMillis(), TimeUnit.MILLISECONDS);
      if (holders.isEmpty() && !again && result.record().isEmpty() && !result.timedOut()) { // a recheck of the own store finds no nodes
        closest.put(key, result.closest());
      }
      return result.record().map(accepted::get);
    } catch (TimeoutException e) {
      lookupTimeouts.incrementAndGet();
      return Optional.empty();
    } catch (ExecutionException e) {
      failures.report(LOG, "cluster-lookup-failed", "the record lookup for " + url + " failed; the miss goes on without it", e.getCause());
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /**
   * Copies the body from the record's publisher, else from the other providers of its key, the
   * lowest recent round trip first.
   */
  private boolean copy(UrlRecord record) {
    ContentKey body = record.response().body();
    if (!isMine(record) && dht.peers().copy(record.provider(), body).isEmpty()) {
      return true;
    }
    try {
      LookupResult providers =
          node.findProviders(NodeId.ofHex(body.hex()), 4).get(settings.lookupBudget().toMillis(), TimeUnit.MILLISECONDS);
      List<ProviderInfo> others =
          Providers.byRoundTrip(node, providers.providers()).stream()
              .filter(p -> !p.baseUrl().equals(record.provider()))
              .toList();
      for (ProviderInfo p : others) {
        if (dht.peers().copy(p.baseUrl(), body).isEmpty()) {
          return true;
        }
      }
    } catch (TimeoutException e) {
      lookupTimeouts.incrementAndGet();
      return false;
    } catch (ExecutionException e) {
      failures.report(LOG, "cluster-lookup-failed", "the provider lookup for " + body.hex() + " failed", e.getCause());
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return false;
  }

  @Override
  public void stored(StoredResponse response, List<String> varyNames, long freshForMillis, long keepForMillis) {
    if (!settings.enabled() || filling.get()) {
      return;
    }
    long now = node.now();
    // The record lives as long as the response may serve anyone: fresh, or stale within
    // stale-if-error for a node whose origin is down.
    Published p = new Published(response, varyNames, now + keepForMillis, now);
    publish(p, keepForMillis);
    String id = response.url() + "\n" + response.variant();
    if (keepForMillis > maxRecordMillis && publishedByUrl.size() < MAX_REMEMBERED) {
      publishedByUrl.put(id, p);
    } else {
      publishedByUrl.remove(id);
    }
  }

  /** The response's record, and with {@code Vary} the URL's record that names the fields. */
  private void publish(Published p, long liveMillis) {
    StoredResponse r = p.response();
    publish(trust.urlKey(r.url(), r.variant()), UrlRecord.of(r, node.baseUrl()), liveMillis);
    if (!p.varyNames().isEmpty()) {
      publish(trust.urlKey(r.url(), ""), UrlRecord.vary(r.url(), p.varyNames(), node.baseUrl()), liveMillis);
    }
  }

  /**
   * Publishes again the records of responses that stay usable longer than a record lives, every
   * republish interval while this node still holds them. Run by the DHT's maintenance rounds.
   */
  public void republish() {
    long now = node.now();
    for (Map.Entry<String, Published> e : publishedByUrl.entrySet()) {
      Published p = e.getValue();
      boolean held =
          store.contains(p.response().body())
              && store.responses().variants(p.response().url()).stream().anyMatch(r -> r.equals(p.response()));
      if (now >= p.keepUntil() || !held) {
        publishedByUrl.remove(e.getKey(), p);
      } else if (now - p.lastPublished() >= republishMillis) {
        publish(p, p.keepUntil() - now);
        publishedByUrl.replace(e.getKey(), p, new Published(p.response(), p.varyNames(), p.keepUntil(), now));
      }
    }
  }

  private void publish(NodeId key, UrlRecord record, long liveMillis) {
    signed(key, record, liveMillis).ifPresent(r -> {
      published.incrementAndGet();
      place(r);
    });
  }

  /** {@code record} sealed for the cluster and signed; empty when it is too large or has no life left. */
  private Optional<SignedRecord> signed(NodeId key, UrlRecord record, long liveMillis) {
    byte[] value = trust.seal(key, record.toJson());
    if (value.length > SignedRecord.MAX_VALUE_BYTES || liveMillis <= 0) {
      return Optional.empty(); // headers too large for a record, or nothing left to share
    }
    long expires = node.now() + Math.min(liveMillis, maxRecordMillis);
    return Optional.of(SignedRecord.sign(key, value, expires, dht.identity().keyPair()));
  }

  /** Sends a signed record where its key's records are held. */
  private void place(SignedRecord signed) {
    NodeId key = signed.key();
    List<URI> holders = holders(key);
    placed.put(key, new Placed(signed, holders));
    if (!holders.isEmpty()) {
      node.putRecordTo(signed, holders.stream().filter(u -> !u.equals(self)).toList(), holders.contains(self));
      return;
    }
    List<Contact> known = closest.getIfPresent(key);
    if (known == null) {
      node.putRecord(signed);
    } else {
      node.putRecord(signed, known);
    }
  }

  /**
   * Hands the records this node placed to the nodes that became their holders since: run every
   * few hundred milliseconds, it does nothing unless the view changed. A node joining or coming
   * back is placed on only once the others know it, and a miss there claims the URL at its own
   * store when it ranks first: without this, a record placed a moment before the view changed
   * was missing from that holder until republished, and the miss went to the origin (seen as a
   * flaky three-node acceptance check). A holder that left the view and came back (restarted,
   * perhaps without its records) is sent the record again.
   */
  public void followView() {
    List<URI> now = view.get();
    if (now.equals(followed)) {
      return;
    }
    followed = now;
    long at = node.now();
    for (Placed p : placed.asMap().values()) {
      SignedRecord r = p.record();
      if (r.expiresAt() <= at) {
        placed.asMap().remove(r.key(), p);
        continue;
      }
      List<URI> holders = holders(r.key(), now);
      List<URI> added = holders.stream().filter(u -> !p.at().contains(u)).toList();
      if (added.isEmpty()) {
        continue;
      }
      placed.asMap().replace(r.key(), p, new Placed(r, holders));
      node.putRecordTo(r, added.stream().filter(u -> !u.equals(self)).toList(), added.contains(self));
      handedOn.addAndGet(added.size());
    }
  }

  /**
   * The nodes that hold the record under {@code key}: the first {@code cluster.record-copies} of
   * its placement order over the view's live nodes; none while the view knows no other live node.
   */
  private List<URI> holders(NodeId key) {
    return holders(key, view.get());
  }

  private List<URI> holders(NodeId key, List<URI> live) {
    if (live.size() < 2) {
      return List.of();
    }
    Nodes known = placementNodes;
    if (known.live() != live && !known.live().equals(live)) {
      // one region for all: a node's region is known only after its first probe, and records
      // placed before and after that would part ways; a record is soft state, republished
      known = new Nodes(live, live.stream().map(u -> new Placement.Node(u, "")).toList());
      placementNodes = known;
    }
    return Placement.holders(key.bytes(), known.nodes(), settings.recordCopies()).stream().map(Placement.Node::url).toList();
  }

  /** A view and its nodes as placement takes them, made once per view rather than per record. */
  private record Nodes(List<URI> live, List<Placement.Node> nodes) {}

  /** The last view's placement nodes; a cache, replaced whole by whichever thread sees a new view. */
  private volatile Nodes placementNodes = new Nodes(List.of(), List.of());

  /** The cluster's part of the status document. */
  public Map<String, Object> status() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("enabled", settings.enabled());
    out.put("peerFills", peerFills.get());
    out.put("bytesFromPeers", peerBytes.get());
    out.put("recordsPublished", published.get());
    out.put("recordsHandedOn", handedOn.get());
    out.put("markersPublished", markers.get());
    out.put("recordLookups", lookups.get());
    out.put("recordLookupsHeldHere", heldHere.get());
    out.put("recordLookupTimeouts", lookupTimeouts.get());
    out.put("untrustedRecordsIgnored", untrusted.get());
    out.put("waitsForPeers", waited.get());
    return out;
  }

  /** Registers the cluster's meters. */
  public void bindMetrics(MeterRegistry registry) {
    FunctionCounter.builder("oversky.cluster.peer.fills", peerFills, AtomicLong::get)
        .description("Site misses filled from another node of the cluster instead of the origin")
        .register(registry);
    FunctionCounter.builder("oversky.cluster.peer.bytes", peerBytes, AtomicLong::get)
        .description("Bytes of bodies filled from peers: what the origin did not have to send")
        .baseUnit("bytes")
        .register(registry);
    FunctionCounter.builder("oversky.cluster.records.published", published, AtomicLong::get).register(registry);
    FunctionCounter.builder("oversky.cluster.records.untrusted", untrusted, AtomicLong::get)
        .description("URL records ignored because no trusted node signed them")
        .register(registry);
    FunctionCounter.builder("oversky.cluster.record.lookups", lookups, AtomicLong::get).register(registry);
    FunctionCounter.builder("oversky.cluster.record.lookup.timeouts", lookupTimeouts, AtomicLong::get)
        .description("URL record lookups that ran out of cluster.lookup-budget")
        .register(registry);
  }
}
