package org.oversky.dht.node;

import java.net.URI;
import java.util.ArrayList;
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
    FAILED
  }

  private static final class Candidate {
    final NodeId id;
    final URI url;
    final int depth;
    State state = State.NEW;
    Contact contact;

    Candidate(NodeId id, URI url, int depth) {
      this.id = id;
      this.url = url;
      this.depth = depth;
    }
  }

  private final DhtNode node;
  private final NodeId target;
  private final Kind kind;
  private final int wanted;
  private final Predicate<SignedRecord> accept;
  private final int k;
  private final int alpha;
  /** A record lookup ends after this many answers without the record (0: when the k closest answered). */
  private final int enoughAnswers;
  private int answers;
  private final long startMillis;
  private final CompletableFuture<LookupResult> result = new CompletableFuture<>();
  // Guarded by this.
  private final TreeMap<NodeId, Candidate> shortlist;
  private final Map<NodeId, ProviderInfo> providers = new LinkedHashMap<>();
  private SignedRecord best;
  private int hitDepth;
  private int inFlight;
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
    this.alpha = alpha;
    this.shortlist = new TreeMap<>(target.closestFirst());
  }

  /** Starts from {@code seeds} (this node's closest contacts) and what this node holds itself. */
  CompletableFuture<LookupResult> start(List<Contact> seeds, List<ProviderInfo> localProviders, Optional<SignedRecord> localRecord) {
    synchronized (this) {
      for (Contact c : seeds) {
        consider(c.id(), c.baseUrl(), 1);
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
        int counted = 0;
        for (Candidate c : shortlist.values()) {
          if (c.state == State.FAILED) {
            continue;
          }
          if (counted++ >= k || inFlight >= alpha) {
            break;
          }
          if (c.state == State.NEW) {
            c.state = State.ASKED;
            inFlight++;
            messages++;
            toAsk.add(c);
          }
        }
        waiting = inFlight > 0;
      }
    }
    if (waiting) {
      toAsk.forEach(this::ask); // outside the lock: a transport may complete a future at once
    } else {
      stop(false);
    }
  }

  private void ask(Candidate c) {
    Request request = request();
    node.call(c.url, request, c.id).whenComplete((reply, error) -> {
      answered(c, reply, error);
      advance();
    });
  }

  private synchronized void answered(Candidate c, Reply reply, Throwable error) {
    inFlight--;
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
        consider(info.id(), info.baseUrl(), from.depth + 1);
      } else {
        notCloser++;
      }
    }
    // Keep the shortlist bounded: drop the farthest candidates never asked.
    Iterator<Candidate> farthest = shortlist.descendingMap().values().iterator();
    while (shortlist.size() > 3 * k && farthest.hasNext()) {
      if (farthest.next().state == State.NEW) {
        farthest.remove();
      }
    }
  }

  /** Whether {@code c} is among the k closest candidates that have not failed. */
  private boolean amongClosest(Candidate c) {
    int counted = 0;
    for (Candidate x : shortlist.values()) {
      if (x == c) {
        return true;
      }
      if (x.state != State.FAILED && ++counted >= k) {
        return false;
      }
    }
    return false;
  }

  private void consider(NodeId id, URI url, int depth) {
    if (!id.equals(node.id())) {
      shortlist.putIfAbsent(id, new Candidate(id, url, depth));
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
      List<Contact> closest = new ArrayList<>();
      int firstDepth = 0;
      int maxDepth = 0;
      for (Candidate c : shortlist.values()) {
        if (c.state == State.ANSWERED) {
          maxDepth = Math.max(maxDepth, c.depth);
          if (closest.size() < k) {
            if (closest.isEmpty()) {
              firstDepth = c.depth;
            }
            closest.add(c.contact);
          }
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
