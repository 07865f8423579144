package org.oversky.dht.node;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.oversky.dht.id.NodeId;
import org.oversky.dht.routing.Contact;
import org.oversky.dht.rpc.ContactInfo;
import org.oversky.dht.rpc.ProviderInfo;
import org.oversky.dht.rpc.Request;
import org.oversky.dht.rpc.Response;
import org.oversky.dht.rpc.SignedRecord;
import org.oversky.dht.transport.Reply;

/**
 * One iterative Kademlia lookup: it keeps {@code alpha} requests in flight to the closest
 * candidates it has not asked yet, learns closer candidates from every answer, and ends when the
 * k closest candidates that did not fail have all answered, when it has found what it looks for,
 * or at the lookup time bound. Candidates named in answers are hearsay until they answer
 * themselves; only nodes that answered are reported as closest.
 *
 * <p>A provider or record lookup with d {@link DhtConfig#paths() paths} above 1 is S/Kademlia's
 * lookup over disjoint paths: the starting contacts are dealt out to d paths, each path keeps its own shortlist and
 * ends on its own k closest, and no node is asked by two paths; each path keeps alpha requests
 * in flight of its own. A path that hostile nodes lead astray (they name only each other) then
 * cannot take the others with it: the lookup finds what any one path finds, and reports the k
 * closest nodes that answered on any path.
 */
final class Lookup {
  enum Kind {
    NODE,
    PROVIDERS,
    RECORD
  }

  private enum State {
    NEW,
    ASKED,
    ANSWERED,
    FAILED,
    /** Asked by another path: not this path's to ask, and not counted among its closest. */
    TAKEN
  }

  private static final class Candidate {
    final NodeId id;
    final URI url;
    final int depth;
    final Path path;
    State state = State.NEW;
    /** Asked, and slower than a request should be: no longer counted against its path's share in flight. */
    boolean stalled;
    Contact contact;

    Candidate(NodeId id, URI url, int depth, Path path) {
      this.id = id;
      this.url = url;
      this.depth = depth;
      this.path = path;
    }

    /** Whether it counts among a path's closest: not failed, and the path's own to ask. */
    boolean counts() {
      return state != State.FAILED && state != State.TAKEN;
    }
  }

  /** One of the disjoint paths: its own shortlist, closest to the target first. */
  private static final class Path {
    final TreeMap<NodeId, Candidate> shortlist;
    /** Requests counted against the path's share in flight: asked, not answered, not stalled. */
    int inFlight;
    /** Requests asked and not answered yet, stalled or not: the path waits for them. */
    int pending;

    Path(NodeId target) {
      shortlist = new TreeMap<>(target.closestFirst());
    }
  }

  private final DhtNode node;
  private final NodeId target;
  private final Kind kind;
  private final int wanted;
  private final Predicate<SignedRecord> accept;
  private final int k;
  /**
   * Requests a path keeps in flight: alpha each, not alpha shared out among the paths. Shared
   * out, each path asked one node at a time, so every step waited for that one node's round
   * trip, and the lookup had the fastest of only three chains. Past a few thousand nodes most
   * records are two steps away and that put the p50 at about 260 ms; alpha each, about 195 ms,
   * for about three times the requests of a provider lookup (10,000 simulated nodes, a fifth
   * hostile, under churn).
   */
  private final int alphaPerPath;
  /** A record lookup ends after this many answers without the record (0: when the k closest answered). */
  private final int enoughAnswers;
  private int answers;
  private final long startMillis;
  private final CompletableFuture<LookupResult> result = new CompletableFuture<>();
  // Guarded by this.
  private final Path[] paths;
  /** The path that asked each node: a node is asked by one path only. */
  private final Map<NodeId, Path> askedBy = new HashMap<>();
  private final Map<NodeId, ProviderInfo> providers = new LinkedHashMap<>();
  private SignedRecord best;
  private int hitDepth;
  private int messages;
  private int failures;
  /** Contacts not taken: farther from the target than the node that named them. */
  private int notCloser;
  private boolean done;

  Lookup(DhtNode node, NodeId target, Kind kind, int wanted, Predicate<SignedRecord> accept) {
    this(node, target, kind, wanted, accept, node.config().alpha(), 0);
  }

  /**
   * As above, with {@code alpha} requests in flight at most (k: every candidate at once), ending
   * after {@code enoughAnswers} answers when that is above 0: where every node holds every record,
   * one answer is as good as k.
   */
  Lookup(DhtNode node, NodeId target, Kind kind, int wanted, Predicate<SignedRecord> accept, int alpha, int enoughAnswers) {
    if (enoughAnswers < 0) {
      throw new IllegalArgumentException("enoughAnswers is 0 or more, got " + enoughAnswers);
    }
    this.enoughAnswers = enoughAnswers;
    this.node = node;
    this.startMillis = node.now();
    this.target = target;
    this.kind = kind;
    this.wanted = wanted;
    this.accept = accept;
    this.k = node.config().k();
    // node lookups take one path (three cost 1.8 times the requests), and so does a lookup of a
    // network known whole, which asks nodes that all hold the record
    int d = kind == Kind.NODE || enoughAnswers > 0 ? 1 : node.config().paths();
    this.alphaPerPath = alpha;
    this.paths = new Path[d];
    for (int i = 0; i < d; i++) {
      paths[i] = new Path(target);
    }
  }

  /** Starts from {@code seeds} (this node's closest contacts) and what this node holds itself. */
  CompletableFuture<LookupResult> start(List<Contact> seeds, List<ProviderInfo> localProviders, Optional<SignedRecord> localRecord) {
    synchronized (this) {
      int i = 0;
      for (Contact c : seeds) {
        if (!c.id().equals(node.id())) {
          consider(paths[i++ % paths.length], c.id(), c.baseUrl(), 1);
        }
      }
      localProviders.forEach(p -> providers.putIfAbsent(p.providerId(), p));
      localRecord.filter(accept).ifPresent(r -> best = r);
    }
    node.later(node.config().lookupTimeout(), () -> stop(true));
    advance();
    return result;
  }

  private Request request() {
    return switch (kind) {
      case NODE -> new Request.FindNode(target);
      case PROVIDERS -> new Request.GetProviders(target);
      case RECORD -> new Request.GetRecord(target);
    };
  }

  private void advance() {
    List<Candidate> toAsk = new ArrayList<>();
    boolean waiting = false;
    synchronized (this) {
      if (done) {
        return;
      }
      if (!enough()) {
        for (Path path : paths) {
          pick(path, toAsk);
          waiting |= path.pending > 0;
        }
      }
    }
    if (waiting) {
      toAsk.forEach(this::ask); // outside the lock: a transport may complete a future at once
    } else {
      stop(false);
    }
  }

  /** Adds to {@code toAsk} the closest candidates {@code path} has not asked, up to its share in flight. */
  private void pick(Path path, List<Candidate> toAsk) {
    int counted = 0;
    for (Candidate c : path.shortlist.values()) {
      if (!c.counts()) {
        continue;
      }
      if (c.state == State.NEW && askedBy.containsKey(c.id)) {
        c.state = State.TAKEN; // another path asked it first
        continue;
      }
      if (counted++ >= k || path.inFlight >= alphaPerPath) {
        break;
      }
      if (c.state == State.NEW) {
        askedBy.put(c.id, path);
        c.state = State.ASKED;
        path.inFlight++;
        path.pending++;
        messages++;
        toAsk.add(c);
      }
    }
  }

  private void ask(Candidate c) {
    node.later(node.config().minRpcTimeout(), () -> stalled(c));
    Request request = request();
    node.call(c.url, request, c.id).whenComplete((reply, error) -> {
      answered(c, reply, error);
      advance();
    });
  }

  /**
   * A request still unanswered after the shortest request time-out stops holding a place in
   * flight, so that a path goes on to its next candidates instead of waiting out a long
   * time-out of a node that dropped the request (or never was); its answer still counts if it
   * comes. (Mainline DHT lookups stall on time-outs the same way without this.)
   */
  private void stalled(Candidate c) {
    synchronized (this) {
      if (done || c.state != State.ASKED || c.stalled) {
        return;
      }
      c.stalled = true;
      c.path.inFlight--;
    }
    advance();
  }

  private synchronized void answered(Candidate c, Reply reply, Throwable error) {
    c.path.pending--;
    if (!c.stalled) {
      c.path.inFlight--;
    }
    if (done) {
      return;
    }
    if (error != null || !reply.sender().id().equals(c.id)) {
      c.state = State.FAILED;
      failures++;
      return;
    }
    c.state = State.ANSWERED;
    answers++;
    c.contact = new Contact(c.id, reply.sender().baseUrl(), reply.address(), node.now(), reply.rttMillis());
    switch (reply.payload()) {
      case Response.Nodes n -> learn(c, n.nodes());
      case Response.Providers p -> {
        long now = node.now();
        for (ProviderInfo info : p.providers()) {
          if (info.expiresAt() > now && !info.providerId().equals(node.id())) {
            providers.putIfAbsent(info.providerId(), info);
          }
        }
        if (!providers.isEmpty() && hitDepth == 0) {
          hitDepth = c.depth;
        }
        learn(c, p.closer());
      }
      case Response.RecordReply r -> {
        r.record()
            .filter(rec -> rec.key().equals(target) && rec.expiresAt() > node.now())
            .filter(SignedRecord::verifies)
            .filter(accept)
            .ifPresent(rec -> {
              if (best == null || rec.expiresAt() > best.expiresAt()) {
                best = rec;
                hitDepth = hitDepth == 0 ? c.depth : hitDepth;
              }
            });
        learn(c, r.closer());
      }
      default -> {
        c.state = State.FAILED; // an answer of another RPC: the transport should have refused it
        failures++;
      }
    }
  }

  /**
   * Takes the contacts {@code from} named as candidates. A node far from the target names only
   * nodes closer to it than itself when it is honest (it knows k such nodes); so from a node
   * that is not among the k closest candidates yet, a contact farther from the target than the
   * node itself is not taken: a hostile node that names far nodes (its accomplices, say) leads
   * the lookup nowhere (S/Kademlia's check that answers make progress).
   */
  private void learn(Candidate from, List<ContactInfo> contacts) {
    boolean near = amongClosest(from);
    for (ContactInfo info : contacts) {
      if (near || target.compareDistance(info.id(), from.id) < 0) {
        consider(from.path, info.id(), info.baseUrl(), from.depth + 1);
      } else {
        notCloser++;
      }
    }
    // Keep the shortlist bounded: drop the farthest candidates never asked, but never one of the
    // k closest that count, nor this node's own contacts: made-up contacts closer than any real
    // node crowded them out, and once the made-up ones failed, the lookup had no one left to ask.
    TreeMap<NodeId, Candidate> shortlist = from.path.shortlist;
    if (shortlist.size() <= 3 * k) {
      return;
    }
    NodeId kth = null;
    int counted = 0;
    for (Candidate x : shortlist.values()) {
      if (x.counts() && ++counted == k) {
        kth = x.id;
        break;
      }
    }
    Iterator<Candidate> farthest = shortlist.descendingMap().values().iterator();
    while (kth != null && shortlist.size() > 3 * k && farthest.hasNext()) {
      Candidate c = farthest.next();
      if (target.compareDistance(c.id, kth) <= 0) {
        break;
      }
      if (c.state == State.NEW && c.depth > 1) {
        farthest.remove();
      }
    }
  }

  /** Whether {@code c} is among the k closest candidates of its path that have not failed. */
  private boolean amongClosest(Candidate c) {
    int counted = 0;
    for (Candidate x : c.path.shortlist.values()) {
      if (x == c) {
        return true;
      }
      if (x.counts() && ++counted >= k) {
        return false;
      }
    }
    return false;
  }

  private void consider(Path path, NodeId id, URI url, int depth) {
    if (!id.equals(node.id())) {
      path.shortlist.putIfAbsent(id, new Candidate(id, url, depth, path));
    }
  }

  /** Whether the lookup has found what it looks for. */
  private boolean found() {
    return switch (kind) {
      case NODE -> false;
      case PROVIDERS -> providers.size() >= wanted;
      case RECORD -> best != null;
    };
  }

  private boolean enough() {
    return found() || (enoughAnswers > 0 && answers >= enoughAnswers);
  }

  private void stop(boolean timedOut) {
    LookupResult r;
    synchronized (this) {
      if (done) {
        return;
      }
      done = true;
      TreeMap<NodeId, Candidate> answered = new TreeMap<>(target.closestFirst());
      for (Path path : paths) {
        path.shortlist.values().stream().filter(c -> c.state == State.ANSWERED).forEach(c -> answered.put(c.id, c));
      }
      List<Contact> closest = new ArrayList<>();
      int firstDepth = 0;
      int maxDepth = 0;
      for (Candidate c : answered.values()) {
        maxDepth = Math.max(maxDepth, c.depth);
        if (closest.size() < k) {
          if (closest.isEmpty()) {
            firstDepth = c.depth;
          }
          closest.add(c.contact);
        }
      }
      int hops =
          switch (kind) {
            case NODE -> firstDepth;
            case PROVIDERS, RECORD -> hitDepth > 0 ? hitDepth : found() ? 0 : maxDepth;
          };
      r =
          new LookupResult(
              target,
              closest,
              List.copyOf(providers.values()),
              Optional.ofNullable(best),
              hops,
              messages,
              failures,
              node.now() - startMillis,
              timedOut);
    }
    node.lookupDone(r);
    result.complete(r);
  }
}
