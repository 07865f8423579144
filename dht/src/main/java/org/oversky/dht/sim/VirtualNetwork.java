package org.oversky.dht.sim;

import java.net.InetAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.oversky.dht.id.NodeId;
import org.oversky.dht.node.DhtConfig;
import org.oversky.dht.node.DhtNode;
import org.oversky.dht.rpc.ContactInfo;
import org.oversky.dht.rpc.NodeIdentity;
import org.oversky.dht.rpc.Request;
import org.oversky.dht.rpc.Response;
import org.oversky.dht.rpc.RpcRejectedException;
import org.oversky.dht.rpc.Sender;
import org.oversky.dht.transport.Reply;
import org.oversky.dht.transport.RpcFailure;
import org.oversky.dht.transport.Transport;

/**
 * A network of real {@link DhtNode}s on simulated time: one thread runs a queue of events
 * (a message arriving, an answer coming back, a time-out, a node's timer) in time order, and the
 * nodes' clock is the time of the event being run. Hours of churn thus take as long as the work
 * they hold, not as long as they last; a seed fixes every random choice but the nodes' keys.
 *
 * <p>Each node sits at a place that sets its one-way latency to every other ({@link Geography});
 * a node may be hostile ({@link Behaviour}). Not thread-safe: everything runs on the caller's
 * thread, inside {@link #runUntil}.
 */
public final class VirtualNetwork {
  /** What a node does with the requests it gets. */
  public enum Behaviour {
    /** Answers as the code does. */
    HONEST,
    /** Answers pings (so that it stays in tables) and drops every other request. */
    DROP,
    /** Answers pings, and every lookup request with other hostile nodes, far from the target, and no providers or record. */
    LIE,
    /**
     * Answers pings, and every lookup request with the hostile nodes closest to the target (the
     * attackers share their list), and no providers or record: a lookup that follows it is led
     * among attackers that are really close to the target, past the check that answers make progress.
     */
    COLLUDE,
    /**
     * Answers pings, and every lookup request with made-up nodes right next to the target, at
     * addresses where no one answers, and no providers or record: a lookup that follows it waits
     * out time-outs instead of asking real nodes.
     */
    FAKE
  }

  /**
   * Where nodes sit, and the one-way latency between two places: a few regions of the world with
   * the delays between them, and a little jitter of each node's own last mile.
   */
  public static final class Geography {
    /** Regions and their shares of the nodes: North America, Europe, Asia, South America, Oceania. */
    private static final double[] SHARE = {0.3, 0.3, 0.25, 0.1, 0.05};
    /** One-way delay between regions, in ms (half the round trips seen between such places). */
    private static final int[][] ONE_WAY = {
      {15, 45, 90, 60, 80},
      {45, 10, 110, 100, 140},
      {90, 110, 25, 150, 60},
      {60, 100, 150, 20, 160},
      {80, 140, 60, 160, 10},
    };

    /** A place: a region and the node's own extra delay. */
    public record Place(int region, int lastMileMillis) {}

    /** A random place, by the regions' shares, with 1 to 10 ms of last mile. */
    public Place place(SplittableRandom random) {
      double r = random.nextDouble();
      int region = 0;
      while (region < SHARE.length - 1 && r >= SHARE[region]) {
        r -= SHARE[region];
        region++;
      }
      return new Place(region, 1 + random.nextInt(10));
    }

    /** The one-way latency from {@code a} to {@code b}, in ms. */
    public long oneWayMillis(Place a, Place b) {
      return ONE_WAY[a.region()][b.region()] + a.lastMileMillis() + b.lastMileMillis();
    }
  }

  /** The simulated time, epoch ms, as the nodes read it. */
  private final class SimClock extends Clock {
    @Override
    public long millis() {
      return now;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(now);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }

  private final class Member implements Transport {
    final DhtNode node;
    final Sender sender;
    final InetAddress address;
    final Geography.Place place;
    final Behaviour behaviour;
    boolean live = true;

    Member(NodeIdentity identity, InetAddress address, DhtConfig config, Geography.Place place, Behaviour behaviour, long seed) {
      this.sender = identity.sender();
      this.address = address;
      this.place = place;
      this.behaviour = behaviour;
      this.node = new DhtNode(identity, config, this, clock, new SplittableRandom(seed));
    }

    @Override
    public CompletableFuture<Reply> send(URI baseUrl, Request request, Duration timeout) {
      messages++;
      CompletableFuture<Reply> reply = new CompletableFuture<>();
      long sent = now;
      long timeoutMillis = timeout.toMillis();
      // The time-out is an event only when it can fire: an answer due before it completes the
      // reply first (a third of the events, and of the queue's work, were time-outs of answered
      // requests). An answer due at the time-out's instant or later loses, as it did when the
      // time-out was queued first.
      Runnable timedOut = () -> reply.completeExceptionally(
          new RpcFailure(RpcFailure.Kind.UNREACHABLE, request.rpc(), baseUrl, 0, "no answer within " + timeout, null));
      Member target = members.get(baseUrl);
      if (target == null || !live) {
        at(sent + timeoutMillis, timedOut);
        return reply;
      }
      long there = geography.oneWayMillis(place, target.place);
      boolean answerInTime = 2 * there < timeoutMillis;
      if (!answerInTime) {
        at(sent + timeoutMillis, timedOut);
      }
      at(now + there, () -> {
        if (!target.live) {
          if (answerInTime) {
            at(sent + timeoutMillis, timedOut);
          }
          return;
        }
        if (request instanceof Request.FindNode || request instanceof Request.GetProviders || request instanceof Request.GetRecord) {
          lookupRequestsReceived.merge(target.sender.id(), 1L, Long::sum);
        }
        Response answer;
        try {
          answer = target.answer(sender, address, request);
        } catch (RpcRejectedException e) {
          if (answerInTime) {
            at(now + there, () -> reply.completeExceptionally(
                new RpcFailure(RpcFailure.Kind.REFUSED, request.rpc(), baseUrl, e.reason().httpStatus(), e.getMessage(), e)));
          }
          return;
        }
        if (answer == null) {
          if (answerInTime) {
            at(sent + timeoutMillis, timedOut);
          }
        } else if (answerInTime) {
          at(now + there, () -> reply.complete(new Reply(target.sender, target.address, answer, now - sent)));
        }
      });
      return reply;
    }

    /** This node's answer to a request, as its behaviour has it; null: none. */
    Response answer(Sender from, InetAddress fromAddress, Request request) throws RpcRejectedException {
      if (behaviour == Behaviour.HONEST || request instanceof Request.Ping) {
        return node.handle(from, fromAddress, request);
      }
      if (behaviour == Behaviour.DROP) {
        return null;
      }
      NodeId target = switch (request) {
        case Request.FindNode f -> f.target();
        case Request.GetProviders g -> g.key();
        case Request.GetRecord g -> g.key();
        default -> null;
      };
      List<ContactInfo> far = new ArrayList<>();
      if (behaviour == Behaviour.COLLUDE && target != null) {
        hostileNear(target, this).forEach(m -> far.add(new ContactInfo(m.sender.id(), m.node.baseUrl())));
      } else if (behaviour == Behaviour.FAKE && target != null) {
        for (int i = 0; i < 8; i++) {
          // the target with a few of its last bits changed: closer than any real node
          NodeId made = target.xor(new NodeId(0, 0, 0, 1 + random.nextInt(1 << 16)));
          far.add(new ContactInfo(made, URI.create("http://" + SimNetwork.address((200 << 16) + random.nextInt(1 << 16)).getHostAddress() + ":8080")));
        }
      } else {
        for (int i = 0; i < 8 && !hostile.isEmpty(); i++) {
          Member m = hostile.get(random.nextInt(hostile.size()));
          if (m != this) {
            far.add(new ContactInfo(m.sender.id(), m.node.baseUrl()));
          }
        }
      }
      return switch (request) {
        case Request.FindNode f -> new Response.Nodes(far);
        case Request.GetProviders g -> new Response.Providers(List.of(), far);
        case Request.GetRecord g -> new Response.RecordReply(java.util.Optional.empty(), far);
        default -> node.handle(from, fromAddress, request);
      };
    }

    @Override
    public void later(Duration delay, Runnable task) {
      at(now + delay.toMillis(), () -> {
        if (live) {
          task.run();
        }
      });
    }
  }

  private final EventQueue queue;
  private final SimClock clock = new SimClock();
  private final Geography geography = new Geography();
  private final Map<URI, Member> members = new HashMap<>();
  private final Map<NodeId, Member> byId = new HashMap<>();
  private final List<Member> hostile = new ArrayList<>();
  /** The hostile nodes in id order, where the ones closest to a target are found. */
  private final TreeMap<NodeId, Member> hostileById = new TreeMap<>();
  private final SplittableRandom random;
  private final Map<NodeId, Long> lookupRequestsReceived = new HashMap<>();
  private long now;
  private long messages;
  private int added;

  /** An empty network at simulated time {@code startMillis}; {@code seed} fixes the random choices but the nodes' keys. */
  public VirtualNetwork(long startMillis, long seed) {
    this.now = startMillis;
    this.queue = new EventQueue(startMillis);
    this.random = new SplittableRandom(seed);
  }

  /** The simulated time, epoch ms. */
  public long now() {
    return now;
  }

  /** Runs {@code task} at simulated time {@code atMillis} (not before the present). */
  public void at(long atMillis, Runnable task) {
    queue.add(Math.max(atMillis, now), task);
  }

  /** Runs every event up to simulated time {@code untilMillis}, then sets the time to it. */
  public void runUntil(long untilMillis) {
    Runnable task;
    while ((task = queue.poll(untilMillis)) != null) {
      now = queue.cursor();
      task.run();
    }
    now = Math.max(now, untilMillis);
  }

  /** Adds a node with a new identity, a random place and {@code behaviour}; it knows no one yet. */
  public DhtNode addNode(DhtConfig config, Behaviour behaviour) {
    InetAddress address = SimNetwork.address(++added);
    URI url = URI.create("http://" + address.getHostAddress() + ":8080");
    Member m = new Member(NodeIdentity.generate(url), address, config, geography.place(random), behaviour, random.nextLong());
    members.put(url, m);
    byId.put(m.sender.id(), m);
    if (behaviour != Behaviour.HONEST) {
      hostile.add(m);
      hostileById.put(m.sender.id(), m);
    }
    return m.node;
  }

  /** Takes a node out: it answers nothing from now on, and its timers stop. */
  public void remove(DhtNode node) {
    Member m = members.remove(node.baseUrl());
    if (m != null) {
      m.live = false;
      byId.remove(m.sender.id());
      hostile.remove(m);
      hostileById.remove(m.sender.id());
    }
  }

  /**
   * The 8 hostile nodes but {@code asking} closest to {@code target}, near enough: the closest
   * among its 16 neighbours on each side in id order (ids that share a long prefix with the
   * target sit next to it in that order).
   */
  private List<Member> hostileNear(NodeId target, Member asking) {
    List<Member> near = new ArrayList<>(32);
    var up = hostileById.tailMap(target, true).values().iterator();
    var down = hostileById.headMap(target, false).descendingMap().values().iterator();
    for (int i = 0; i < 16; i++) {
      if (up.hasNext()) {
        near.add(up.next());
      }
      if (down.hasNext()) {
        near.add(down.next());
      }
    }
    near.remove(asking);
    near.sort((a, b) -> target.compareDistance(a.sender.id(), b.sender.id()));
    return near.subList(0, Math.min(8, near.size()));
  }

  /** Whether the node with this id is in the network. */
  public boolean isLive(NodeId id) {
    return byId.containsKey(id);
  }

  /** Whether the node is hostile. */
  public boolean isHostile(DhtNode node) {
    Member m = members.get(node.baseUrl());
    return m != null && m.behaviour != Behaviour.HONEST;
  }

  /** Whether {@code node}'s store holds {@code provider}'s record of {@code key} (read directly, no message). */
  public boolean holds(DhtNode node, NodeId key, NodeId provider) {
    return node.holdsProvider(key, provider, now);
  }

  /** How many lookup requests ({@code find_node}, {@code get_providers}, {@code get_record}) each node has received so far. */
  public Map<NodeId, Long> lookupRequestsByReceiver() {
    return Map.copyOf(lookupRequestsReceived);
  }

  /** Requests sent so far. */
  public long messages() {
    return messages;
  }

  /** Events waiting. */
  public int pending() {
    return queue.size();
  }
}
