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
 * a node may be hostile ({@link Behaviour}). Not thread-safe: everything runs inside {@link
 * #runUntil}, on the caller's thread, or with {@code threads} above 1 on that many threads.
 *
 * <p>With several threads (a conservative parallel simulation) each node's events belong to one
 * part of the nodes, and each part runs its events in time order on its own thread, window by
 * window: a message takes at least {@link Geography#minOneWayMillis()}, so nothing a part does in
 * a window of that length can reach another part within it. What a node sends to a node of
 * another part waits in the sender's part until the window ends. Events scheduled with {@link
 * #at(long, Runnable)} (joins, departures, anything that touches the whole network) run alone
 * between windows, at their time, before the nodes' events of that millisecond.
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

    /** The shortest one-way latency between any two places: the lookahead of a parallel run. */
    public long minOneWayMillis() {
      int min = Integer.MAX_VALUE;
      for (int[] row : ONE_WAY) {
        for (int d : row) {
          min = Math.min(min, d);
        }
      }
      return min + 2; // each end's last mile is at least 1 ms
    }
  }

  /** The simulated time, epoch ms, as the nodes read it. */
  private final class SimClock extends Clock {
    @Override
    public long millis() {
      return now();
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(now());
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
    /** The part whose thread runs this node's events. */
    final Part part;
    /** A hostile node's own choices (each part's thread draws from its nodes' own). */
    final SplittableRandom random;
    boolean live = true;

    Member(NodeIdentity identity, InetAddress address, DhtConfig config, Geography.Place place, Behaviour behaviour, long seed, Part part) {
      this.sender = identity.sender();
      this.address = address;
      this.place = place;
      this.behaviour = behaviour;
      this.part = part;
      // one thread draws from the network's generator, as it always did (a seed still fixes a run)
      this.random = parts.length == 1 ? VirtualNetwork.this.random : new SplittableRandom(seed ^ 0x9E3779B97F4A7C15L);
      this.node = new DhtNode(identity, config, this, clock, new SplittableRandom(seed));
    }

    @Override
    public CompletableFuture<Reply> send(URI baseUrl, Request request, Duration timeout) {
      part.messages++;
      CompletableFuture<Reply> reply = new CompletableFuture<>();
      long now = now();
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
        at(this, sent + timeoutMillis, timedOut);
        return reply;
      }
      long there = geography.oneWayMillis(place, target.place);
      boolean answerInTime = 2 * there < timeoutMillis;
      if (!answerInTime) {
        at(this, sent + timeoutMillis, timedOut);
      }
      at(target, now + there, () -> {
        if (!target.live) {
          if (answerInTime) {
            at(this, sent + timeoutMillis, timedOut);
          }
          return;
        }
        if (request instanceof Request.FindNode || request instanceof Request.GetProviders || request instanceof Request.GetRecord) {
          target.part.lookupRequestsReceived.merge(target.sender.id(), 1L, Long::sum);
        }
        Response answer;
        try {
          answer = target.answer(sender, address, request);
        } catch (RpcRejectedException e) {
          if (answerInTime) {
            at(this, now() + there, () -> reply.completeExceptionally(
                new RpcFailure(RpcFailure.Kind.REFUSED, request.rpc(), baseUrl, e.reason().httpStatus(), e.getMessage(), e)));
          }
          return;
        }
        if (answer == null) {
          if (answerInTime) {
            at(this, sent + timeoutMillis, timedOut);
          }
        } else if (answerInTime) {
          at(this, now() + there, () -> reply.complete(new Reply(target.sender, target.address, answer, now() - sent)));
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
      at(this, now() + delay.toMillis(), () -> {
        if (live) {
          task.run();
        }
      });
    }
  }

  /** An event waiting in a queue other than its part's own, or between windows. */
  private record Event(long at, long seq, Runnable task) {}

  /**
   * One part of the nodes: its events, its clock, and what its thread counts. With one thread
   * there is one part, and its queue holds every event.
   */
  private static final class Part {
    final int index;
    final EventQueue queue;
    /** The time of the event this part's thread runs. */
    long now;
    /**
     * A broken rule of the windows seen on this part's thread: thrown by {@code runWindow}, as the
     * exception itself may end in a future's callback that nobody reads.
     */
    IllegalStateException broken;
    long messages;
    final Map<NodeId, Long> lookupRequestsReceived = new HashMap<>();
    /** Events for each other part's nodes, sent in the current window: they move there when it ends. */
    final List<List<Event>> outbox = new ArrayList<>();

    Part(int index, long startMillis, int parts) {
      this.index = index;
      this.queue = new EventQueue(startMillis);
      this.now = startMillis;
      for (int i = 0; i < parts; i++) {
        outbox.add(new ArrayList<>());
      }
    }
  }

  /** A thread that runs one part's events, window by window, as the caller's thread runs part 0's. */
  private final class Worker extends Thread {
    final Part part;
    volatile long go;
    volatile long done;
    volatile Throwable failure;

    Worker(Part part) {
      super("sim-part-" + part.index);
      this.part = part;
      setDaemon(true);
    }

    @Override
    public void run() {
      long seen = 0;
      while (true) {
        long g;
        int spins = 0;
        while ((g = go) == seen) {
          if (stopped) {
            return;
          }
          if (++spins < 20_000) {
            Thread.onSpinWait();
          } else {
            java.util.concurrent.locks.LockSupport.park(this);
          }
        }
        seen = g;
        try {
          runPart(part, windowEnd);
        } catch (Throwable e) {
          failure = e;
        }
        done = g;
        java.util.concurrent.locks.LockSupport.unpark(caller);
      }
    }
  }

  private final Part[] parts;
  private final Worker[] workers;
  /** Events that touch the whole network ({@link #at(long, Runnable)}), with several threads. */
  private final java.util.PriorityQueue<Event> global =
      new java.util.PriorityQueue<>((a, b) -> a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
  private long globalSeq;
  /** The part the caller's thread runs in the current window; null between windows and with one thread. */
  private Part callerPart;
  private volatile Thread caller;
  /** The end (exclusive) of the current window. */
  private volatile long windowEnd;
  private volatile boolean stopped;
  private long generation;
  private final long lookahead;
  private final SimClock clock = new SimClock();
  private final Geography geography = new Geography();
  private final Map<URI, Member> members = new HashMap<>();
  private final Map<NodeId, Member> byId = new HashMap<>();
  private final List<Member> hostile = new ArrayList<>();
  /** The hostile nodes in id order, where the ones closest to a target are found. */
  private final TreeMap<NodeId, Member> hostileById = new TreeMap<>();
  private final SplittableRandom random;
  /** The time between windows, and the time of everything with one thread. */
  private long now;
  private int added;

  /** An empty network at simulated time {@code startMillis}; {@code seed} fixes the random choices but the nodes' keys. */
  public VirtualNetwork(long startMillis, long seed) {
    this(startMillis, seed, 1);
  }

  /**
   * An empty network whose events run on {@code threads} threads (see the class comment); with
   * more than one, the order of events of the same millisecond on different parts is not fixed,
   * and a seed no longer fixes a run.
   */
  public VirtualNetwork(long startMillis, long seed, int threads) {
    if (threads < 1 || threads > 64) {
      throw new IllegalArgumentException("threads is between 1 and 64, got " + threads);
    }
    this.now = startMillis;
    this.random = new SplittableRandom(seed);
    this.lookahead = geography.minOneWayMillis();
    this.parts = new Part[threads];
    for (int i = 0; i < threads; i++) {
      parts[i] = new Part(i, startMillis, threads);
    }
    this.workers = new Worker[threads - 1];
    for (int i = 1; i < threads; i++) {
      workers[i - 1] = new Worker(parts[i]);
    }
  }

  /** The simulated time, epoch ms: on a part's thread in a window, that of the event it runs. */
  public long now() {
    Part p = current();
    return p == null ? now : p.now;
  }

  /** The part whose events the current thread runs, null between windows (or with one thread). */
  private Part current() {
    return Thread.currentThread() instanceof Worker w ? w.part : callerPart;
  }

  /**
   * Runs {@code task} at simulated time {@code atMillis} (not before the present). With several
   * threads it runs alone, between windows: schedule it between {@link #runUntil} calls or from
   * another such event.
   */
  public void at(long atMillis, Runnable task) {
    if (parts.length == 1) {
      parts[0].queue.add(Math.max(atMillis, now), task);
      return;
    }
    if (current() != null) {
      throw new IllegalStateException("an event of the whole network is scheduled between windows, not from a node's event");
    }
    global.add(new Event(Math.max(atMillis, now), globalSeq++, task));
  }

  /** Runs {@code task} at {@code atMillis} as an event of {@code node}: on its part's thread, with its other events. */
  public void at(DhtNode node, long atMillis, Runnable task) {
    Member m = members.get(node.baseUrl());
    if (m == null) {
      return; // gone: its events would not run anyway
    }
    at(m, atMillis, task);
  }

  private void at(Member owner, long atMillis, Runnable task) {
    Part here = current();
    Part there = owner.part;
    if (here == null || here == there) {
      there.queue.add(Math.max(atMillis, here == null ? now : here.now), task);
    } else if (atMillis < windowEnd) {
      IllegalStateException e = new IllegalStateException("an event for another part within the window: at " + atMillis + ", the window ends at " + windowEnd);
      here.broken = e;
      throw e;
    } else {
      here.outbox.get(there.index).add(new Event(atMillis, 0, task));
    }
  }

  /** Runs every event up to simulated time {@code untilMillis}, then sets the time to it. */
  public void runUntil(long untilMillis) {
    if (parts.length == 1) {
      EventQueue queue = parts[0].queue;
      Runnable task;
      while ((task = queue.poll(untilMillis)) != null) {
        now = queue.cursor();
        task.run();
      }
      now = Math.max(now, untilMillis);
      return;
    }
    caller = Thread.currentThread();
    long t = now;
    while (true) {
      while (!global.isEmpty() && global.peek().at <= Math.min(t, untilMillis)) {
        Event e = global.poll();
        now = Math.max(now, e.at);
        e.task.run();
      }
      if (t > untilMillis) {
        break;
      }
      long end = Math.min(t + lookahead, untilMillis == Long.MAX_VALUE ? untilMillis : untilMillis + 1);
      if (!global.isEmpty()) {
        end = Math.min(end, global.peek().at);
      }
      runWindow(end);
      t = end;
      now = end - 1;
    }
    now = Math.max(now, untilMillis);
  }

  /** Every part runs its events before {@code end}, in parallel; then what they sent each other moves into place. */
  private void runWindow(long end) {
    windowEnd = end;
    long g = ++generation;
    for (Worker w : workers) {
      if (!w.isAlive()) {
        w.start();
      }
      w.go = g;
      java.util.concurrent.locks.LockSupport.unpark(w);
    }
    callerPart = parts[0];
    Throwable failure = null;
    try {
      runPart(parts[0], end);
    } catch (Throwable e) {
      failure = e;
    } finally {
      callerPart = null;
    }
    for (Worker w : workers) {
      int spins = 0;
      while (w.done != g) {
        if (!w.isAlive()) {
          throw new IllegalStateException("the thread of part " + w.part.index + " died in a window", w.failure);
        }
        if (++spins < 20_000) {
          Thread.onSpinWait();
        } else {
          java.util.concurrent.locks.LockSupport.parkNanos(this, 100_000);
        }
      }
      if (w.failure != null && failure == null) {
        failure = w.failure;
      }
    }
    for (Part p : parts) {
      if (p.broken != null && failure == null) {
        failure = p.broken;
      }
    }
    if (failure != null) {
      throw new IllegalStateException("an event failed in a parallel window", failure);
    }
    for (Part from : parts) {
      for (Part to : parts) {
        List<Event> sent = from.outbox.get(to.index);
        for (Event e : sent) {
          to.queue.add(e.at, e.task);
        }
        sent.clear();
      }
    }
  }

  /** Stops the threads of the parts (a run of several threads); the network runs no more. */
  public void close() {
    stopped = true;
    for (Worker w : workers) {
      java.util.concurrent.locks.LockSupport.unpark(w);
    }
  }

  /** Runs {@code part}'s events due before {@code end}, in time order. */
  private static void runPart(Part part, long end) {
    Runnable task;
    while ((task = part.queue.poll(end - 1)) != null) {
      part.now = part.queue.cursor();
      task.run();
    }
    part.now = Math.max(part.now, end - 1);
  }

  /** Adds a node with a new identity, a random place and {@code behaviour}; it knows no one yet. */
  public DhtNode addNode(DhtConfig config, Behaviour behaviour) {
    InetAddress address = SimNetwork.address(++added);
    URI url = URI.create("http://" + address.getHostAddress() + ":8080");
    Member m = new Member(NodeIdentity.generate(url), address, config, geography.place(random), behaviour, random.nextLong(),
        parts[added % parts.length]);
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
    return node.holdsProvider(key, provider, now());
  }

  /** How many lookup requests ({@code find_node}, {@code get_providers}, {@code get_record}) each node has received so far. */
  public Map<NodeId, Long> lookupRequestsByReceiver() {
    Map<NodeId, Long> all = new HashMap<>();
    for (Part p : parts) {
      p.lookupRequestsReceived.forEach((id, n) -> all.merge(id, n, Long::sum));
    }
    return Map.copyOf(all);
  }

  /** Requests sent so far. */
  public long messages() {
    long n = 0;
    for (Part p : parts) {
      n += p.messages;
    }
    return n;
  }

  /** Events waiting. */
  public int pending() {
    int n = global.size();
    for (Part p : parts) {
      n += p.queue.size();
    }
    return n;
  }
}
