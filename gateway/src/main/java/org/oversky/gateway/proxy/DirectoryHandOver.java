package org.oversky.gateway.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.oversky.gateway.cluster.ClusterMessages;

/**
 * Hands directory entries ({@code shield=directory}) on when a URL's directory node changes: a
 * node joins, leaves or comes back, or this node filled URLs while it knew no other. On every
 * change of the view, each entry whose directory node is now another goes to that node, batched
 * per node, as a {@link ClusterMessages} of kind {@code directory} ({@code POST
 * /api/v1/cluster/directory}, signed under the cluster secret). Without it, the first miss of such
 * a URL on another node found no entry at the new directory and went to the origin again.
 */
public final class DirectoryHandOver extends ContainerLifeCycle {
  /** Most bytes of URLs and fillers in one message (a cluster message's body is at most 64 KiB). */
  static final int MAX_MESSAGE_BYTES = 48 * 1024;

  private final DirectoryBook book;
  private final Function<String, Optional<URI>> directoryFor;
  private final Supplier<List<URI>> view;
  private final Supplier<Map<URI, Long>> starts;
  private final Predicate<URI> placeable;
  private final ClusterMessages messages;
  private final org.oversky.gateway.metrics.Failures failures;
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DirectoryHandOver.class);
  /**
   * Where a pass over the book runs: one thread of its own, not the DHT's scheduler that calls
   * {@link #followView} (a pass over 200,000 entries took 0.6–1.1 s on an idle core, placing each
   * URL over the view: the DHT's timers would wait that long at every change of the view).
   */
  private volatile java.util.concurrent.ExecutorService passes = newPasses();
  /** Whether a pass is under way; set by {@link #followView}, cleared by the pass. */
  private final java.util.concurrent.atomic.AtomicBoolean passing = new java.util.concurrent.atomic.AtomicBoolean();
  /** The view the last pass handed entries on for; written by the pass alone. */
  private volatile List<URI> followed = List.of();
  /** When each node said it started, as {@link #followView} last looked; {@link #followView}'s alone. */
  private Map<URI, Long> followedStarts = Map.of();

  /**
   * @param directoryFor a URL's directory node over the current view (empty while this node knows no other)
   * @param view the nodes directories are placed over ({@code ClusterMonitor#placeable})
   * @param starts when each node said it started ({@code ClusterMonitor#starts}): a node that
   *     restarted unseen is handed its entries again
   */
  public DirectoryHandOver(DirectoryBook book, Function<String, Optional<URI>> directoryFor, Supplier<List<URI>> view,
      Supplier<Map<URI, Long>> starts, ClusterMessages messages, org.oversky.gateway.metrics.Failures failures) {
    this.failures = failures;
    this.book = book;
    this.directoryFor = directoryFor;
    this.view = view;
    this.starts = starts;
    this.placeable = node -> view.get().contains(node);
    this.messages = messages;
    addBean(messages);
  }

  /**
   * Hands on the entries whose directory node changed, in a pass on this component's own thread;
   * does nothing unless the view did, or a node restarted (a new start time in its health answer:
   * its book is empty, and it is handed its entries again), or a hand-over failed, and while a
   * pass is under way (the next call after it sees a view that changed meanwhile), or the book has
   * URLs filled past their directory (at most one pass each {@link #RETRY_TICKS} for those, and
   * while no hand-over waits for its retry). Run
   * every few hundred milliseconds.
   */
  public void followView() {
    if (!book.enabled() || passing.get()) {
      return;
    }
    List<URI> now = view.get();
    Map<URI, Long> startsNow = starts.get();
    // a later start of a node directories are placed on (health answers are not signed: a node
    // outside the cluster saying a new time on every probe would cost a pass each time)
    List<URI> restarted = startsNow.entrySet().stream()
        .filter(e -> now.contains(e.getKey()) && followedStarts.containsKey(e.getKey()) && e.getValue() > followedStarts.get(e.getKey()))
        .map(Map.Entry::getKey).toList();
    followedStarts = Map.copyOf(startsNow);
    boolean changed = !now.equals(followed) || !restarted.isEmpty();
    boolean retry = retryDue && ++ticksSinceRetry >= retryTicks;
    // URLs filled past their directory (it failed or refused): at most one pass each RETRY_TICKS
    // for them, and none while a hand-over was not taken: the retry's backoff paces those passes,
    // or a node that refuses everything (of another cluster) would be sent the book every 5 s
    boolean news = !retryDue && book.handOnDue() && ++ticksSinceNews >= RETRY_TICKS;
    if (!changed && !retry && !news) {
      return;
    }
    retryDue = false;
    ticksSinceRetry = 0;
    ticksSinceNews = 0;
    // a node that keeps refusing (one of another cluster the view holds) is asked less and less often
    retryTicks = changed ? RETRY_TICKS : retry ? Math.min(retryTicks * 2, MAX_RETRY_TICKS) : retryTicks;
    passing.set(true);
    try {
      passes.execute(() -> {
        try {
          pass(now, restarted);
        } catch (RuntimeException e) {
          // not every tick: the retry's backoff, as for a hand-over not taken
          followed = now;
          retryDue = true;
          failures.report(LOG, "directory-hand-over",
              "a pass over the directory book failed; it is tried again after a backoff (5 s, doubling), or when the view changes", e);
        } finally {
          passing.set(false);
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      passing.set(false); // stopped: the next start makes a new thread
    }
  }

  private static java.util.concurrent.ExecutorService newPasses() {
    return java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "directory-hand-over");
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  protected void doStart() throws Exception {
    if (passes.isShutdown()) {
      passes = newPasses(); // started again after a stop
    }
    super.doStart();
  }

  @Override
  protected void doStop() throws Exception {
    passes.shutdownNow();
    super.doStop();
  }

  private void pass(List<URI> now, List<URI> restarted) {
    for (URI node : restarted) {
      LOG.info("{} restarted: {} directory entries are handed to it again", node, book.reopenAt(node));
    }
    book.handOn(directoryFor).forEach((node, entries) -> {
      for (List<DirectoryBook.HandedOn> batch : batches(entries)) {
        List<Map<String, Object>> fields = batch.stream().map(e -> Map.<String, Object>of("url", e.url(), "filler", e.filler().toString())).toList();
        messages.sendTo(node, Map.of("entries", fields), batch.size() + " directory entries; they are sent again later")
            .thenAccept(taken -> {
              if (!taken) {
                book.handOverFailed(batch, node); // due again: the next view change or retry sends them
                retryDue = true;
              }
            });
      }
    });
    followed = now;
  }

  /** Brief ticks (250 ms) between a failed hand-over and the next try, when the view has not changed meanwhile; doubled after each try, up to {@link #MAX_RETRY_TICKS}. */
  static final int RETRY_TICKS = 20;
  /** The longest wait between tries: 5 minutes. */
  static final int MAX_RETRY_TICKS = 1_200;
  /** The wait before the next try, in ticks; {@link #followView}'s alone. */
  private int retryTicks = RETRY_TICKS;
  /** Set when a hand-over was not taken (by the client's thread); read and cleared by {@link #followView}. */
  private volatile boolean retryDue;
  /** Ticks since a failure was seen; {@link #followView}'s alone. */
  private int ticksSinceRetry;
  /** Ticks since the book had an entry due ({@link DirectoryBook#handOnDue}); {@link #followView}'s alone. */
  private int ticksSinceNews;

  /** Whether a pass is under way (a call of {@link #followView} now does nothing). */
  boolean passing() {
    return passing.get();
  }

  /** How many nodes the view held when {@link #followView} last handed entries on (its hand-over sent). */
  public int followedNodes() {
    return followed.size();
  }

  /**
   * Entries in batches of at most {@link #MAX_MESSAGE_BYTES} bytes of URLs and fillers (UTF-8); one
   * too long for a message is left out (the book's {@code handOn} has counted and left out those
   * already).
   */
  static List<List<DirectoryBook.HandedOn>> batches(List<DirectoryBook.HandedOn> entries) {
    List<List<DirectoryBook.HandedOn>> out = new ArrayList<>();
    List<DirectoryBook.HandedOn> batch = new ArrayList<>();
    int bytes = 0;
    for (DirectoryBook.HandedOn e : entries) {
      int size = e.bytes();
      if (size > MAX_MESSAGE_BYTES) {
        continue;
      }
      if (bytes + size > MAX_MESSAGE_BYTES) {
        out.add(batch);
        batch = new ArrayList<>();
        bytes = 0;
      }
      batch.add(e);
      bytes += size;
    }
    if (!batch.isEmpty()) {
      out.add(batch);
    }
    return out;
  }

  /** Takes entries another node handed here: {@code body} as it came, {@code macHex} its signature header. */
  public ClusterMessages.Verdict receive(byte[] body, String macHex) {
    ClusterMessages.Received r = messages.receive(body, macHex);
    if (r.verdict() != ClusterMessages.Verdict.TAKEN) {
      return r.verdict();
    }
    JsonNode entries = r.message().orElseThrow().path("entries");
    if (!entries.isArray()) {
      return ClusterMessages.Verdict.MALFORMED;
    }
    List<DirectoryBook.HandedOn> taken = new ArrayList<>();
    for (JsonNode e : entries) {
      Optional<URI> filler = node(e.path("filler"));
      String url = e.path("url").asText("");
      if (filler.isEmpty() || url.indexOf('/') <= 0) {
        return ClusterMessages.Verdict.MALFORMED; // a URL's key is HOST/PATH?QUERY
      }
      taken.add(new DirectoryBook.HandedOn(url, filler.get()));
    }
    taken.forEach(e -> book.takeHandedOn(e.url(), e.filler(), placeable));
    return ClusterMessages.Verdict.TAKEN;
  }

  private static Optional<URI> node(JsonNode field) {
    if (!field.isTextual()) {
      return Optional.empty();
    }
    try {
      URI u = URI.create(field.asText());
      return u.isAbsolute() && u.getHost() != null && ("http".equals(u.getScheme()) || "https".equals(u.getScheme()))
          ? Optional.of(u) : Optional.empty();
    } catch (IllegalArgumentException e) {
      return Optional.empty(); // not a URI: the message is refused as malformed
    }
  }

}
