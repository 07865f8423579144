package org.oversky.dht.sim;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.oversky.dht.node.DhtConfig;
import org.oversky.dht.node.DhtNode;
import org.oversky.dht.rpc.NodeIdentity;
import org.oversky.dht.rpc.Request;
import org.oversky.dht.rpc.Response;
import org.oversky.dht.rpc.RpcRejectedException;
import org.oversky.dht.rpc.Sender;
import org.oversky.dht.transport.Reply;
import org.oversky.dht.transport.RpcFailure;
import org.oversky.dht.transport.Transport;

/**
 * A network of {@link DhtNode}s in one JVM: the real node code over an in-memory transport with
 * configurable one-way latency and message loss, where a node can go silent (it stops answering,
 * as a crashed host does: callers find out only by their timeouts). Messages are handed over as
 * objects, not encoded and signed, so that ten thousand nodes fit in one process; the wire format
 * has its own tests.
 */
public final class SimNetwork implements AutoCloseable {
  /**
   * How messages travel.
   *
   * @param minLatency the shortest one-way delay
   * @param maxLatency the longest one-way delay (uniform between the two)
   * @param loss the chance that a message (either way) is lost, from 0 to 1
   */
  public record Conditions(Duration minLatency, Duration maxLatency, double loss) {
    public Conditions {
      Objects.requireNonNull(minLatency, "minLatency");
      Objects.requireNonNull(maxLatency, "maxLatency");
      if (minLatency.isNegative() || maxLatency.compareTo(minLatency) < 0) {
        throw new IllegalArgumentException("0 <= minLatency <= maxLatency, got " + minLatency + ", " + maxLatency);
      }
      if (!(loss >= 0 && loss <= 1)) {
        throw new IllegalArgumentException("loss is between 0 and 1, got " + loss);
      }
    }

    /** No delay and no loss: for building a network quickly. */
    public static Conditions instant() {
      return new Conditions(Duration.ZERO, Duration.ZERO, 0);
    }
  }

  private final class Member implements Transport {
    final DhtNode node;
    final Sender sender;
    final InetAddress address;
    volatile boolean silent;

    Member(NodeIdentity identity, InetAddress address, DhtConfig config, Clock clock, long seed) {
      this.sender = identity.sender();
      this.address = address;
      this.node = new DhtNode(identity, config, this, clock, new SplittableRandom(seed));
    }

    @Override
    public CompletableFuture<Reply> send(URI baseUrl, Request request, Duration timeout) {
      messages.incrementAndGet();
      CompletableFuture<Reply> reply = new CompletableFuture<>();
      pending.incrementAndGet();
      reply.whenComplete((r, e) -> settled());
      ScheduledFuture<?> timer;
      try {
        timer =
          scheduler.schedule(
              () -> reply.completeExceptionally(
                  new RpcFailure(RpcFailure.Kind.UNREACHABLE, request.rpc(), baseUrl, 0, "no answer within " + timeout, null)),
              timeout.toNanos(),
              TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        return reply; // the network is closed
      }
      reply.whenComplete((r, e) -> timer.cancel(false));
      Member target = members.get(baseUrl);
      Conditions c = conditions;
      if (target == null || target.silent || lost(c)) {
        return reply;
      }
      long sent = System.nanoTime();
      deliverLater(c, () -> {
        if (target.silent) {
          return;
        }
        Response answer;
        try {
          answer = target.node.handle(sender, address, request);
        } catch (RpcRejectedException e) {
          deliverLater(c, () -> reply.completeExceptionally(
              new RpcFailure(RpcFailure.Kind.REFUSED, request.rpc(), baseUrl, e.reason().httpStatus(), e.getMessage(), e)));
          return;
        }
        if (lost(c)) {
          return;
        }
        deliverLater(c, () -> reply.complete(
            new Reply(target.sender, target.address, answer, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent))));
      });
      return reply;
    }
  }

  private final Map<URI, Member> members = new ConcurrentHashMap<>();
  private final List<Member> inOrder = new ArrayList<>();
  private final ScheduledExecutorService scheduler;
  private final ExecutorService workers;
  private final SplittableRandom seeds;
  private final AtomicLong messages = new AtomicLong();
  /** Requests whose reply (or timeout) has not come yet. */
  private final AtomicLong pending = new AtomicLong();
  private final Object quiet = new Object();
  private volatile Conditions conditions = Conditions.instant();

  /** An empty network; {@code seed} fixes the nodes' random choices (not their keys). */
  public SimNetwork(long seed) {
    int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
    ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(threads, daemon("sim-timer"));
    s.setRemoveOnCancelPolicy(true);
    this.scheduler = s;
    this.workers = Executors.newFixedThreadPool(threads, daemon("sim-node"));
    this.seeds = new SplittableRandom(seed);
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return Thread.ofPlatform().name(name + "-", 0).daemon(true).factory();
  }

  /** Sets how messages travel from now on. */
  public void setConditions(Conditions c) {
    this.conditions = Objects.requireNonNull(c, "conditions");
  }

  /** Adds a node with a new identity and its own address; it knows no one yet. */
  public DhtNode addNode(DhtConfig config) {
    return addNode(config, Clock.systemUTC());
  }

  /** As {@link #addNode(DhtConfig)}, with the node reckoning time by {@code clock}. */
  public synchronized DhtNode addNode(DhtConfig config, Clock clock) {
    InetAddress address = address(inOrder.size() + 1);
    URI url = URI.create("http://" + address.getHostAddress() + ":8080");
    Member m = new Member(NodeIdentity.generate(url), address, config, clock, seeds.nextLong());
    members.put(url, m);
    inOrder.add(m);
    return m.node;
  }

  /** The address of the {@code n}-th simulated node (from 1): 10.x.y.z. */
  static InetAddress address(int n) {
    byte[] ip = {10, (byte) (n >>> 16), (byte) (n >>> 8), (byte) n};
    try {
      return InetAddress.getByAddress(ip);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The nodes, in the order they were added. */
  public synchronized List<DhtNode> nodes() {
    return inOrder.stream().map(m -> m.node).toList();
  }

  /** Makes a node stop answering, silently. */
  public void silence(DhtNode node) {
    members.get(node.baseUrl()).silent = true;
  }

  /** Makes a silenced node answer again. */
  public void speak(DhtNode node) {
    members.get(node.baseUrl()).silent = false;
  }

  /** Whether a node still answers. */
  public boolean isLive(DhtNode node) {
    return !members.get(node.baseUrl()).silent;
  }

  private void settled() {
    if (pending.decrementAndGet() == 0) {
      synchronized (quiet) {
        quiet.notifyAll();
      }
    }
  }

  /**
   * Waits until no request is waiting for its reply (every ping-back and lookup of the nodes has
   * ended), at most {@code max}; false when that did not happen in time.
   */
  public boolean awaitQuiet(Duration max) throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    synchronized (quiet) {
      while (pending.get() > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(quiet, left);
      }
    }
    return true;
  }

  /** Messages sent so far (requests, including lost ones). */
  public long messages() {
    return messages.get();
  }

  private static boolean lost(Conditions c) {
    return c.loss() > 0 && ThreadLocalRandom.current().nextDouble() < c.loss();
  }

  private void deliverLater(Conditions c, Runnable task) {
    long min = c.minLatency().toNanos();
    long max = c.maxLatency().toNanos();
    long delay = max == min ? min : ThreadLocalRandom.current().nextLong(min, max + 1);
    try {
      if (delay == 0) {
        workers.execute(task);
      } else {
        scheduler.schedule(() -> deliverLater(Conditions.instant(), task), delay, TimeUnit.NANOSECONDS);
      }
    } catch (RejectedExecutionException e) {
      // the network is closed: messages in flight are dropped
    }
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
    workers.shutdownNow();
  }
}
