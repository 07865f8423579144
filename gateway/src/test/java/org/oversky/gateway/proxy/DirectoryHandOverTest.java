package org.oversky.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.oversky.gateway.cluster.ClusterMessages;
import org.oversky.gateway.crypto.HmacSha256;

class DirectoryHandOverTest {
  private static final URI A = URI.create("http://127.0.0.1:8001");
  private static final URI C = URI.create("http://127.0.0.1:8003");
  private static final String SECRET = "s3cret";
  private final InstantSource clock = () -> Instant.ofEpochMilli(1_800_000_000_000L);

  private DirectoryHandOver at(DirectoryBook book) {
    // receiving uses neither the monitor nor the failure counters, which only sending does
    return new DirectoryHandOver(book, u -> Optional.of(C), () -> List.of(A, C), java.util.Map::of,
        new ClusterMessages("directory", SECRET, C, null, null, clock), org.oversky.gateway.metrics.Failures.NONE);
  }

  private static String mac(String body) {
    byte[] key = HmacSha256.of(SECRET.getBytes(StandardCharsets.UTF_8), "oversky-cluster-directory".getBytes(StandardCharsets.US_ASCII));
    return HexFormat.of().formatHex(HmacSha256.of(key, body.getBytes(StandardCharsets.UTF_8)));
  }

  private String message(String id, String entries) {
    return "{\"entries\":" + entries + ",\"at\":" + clock.millis() + ",\"id\":\"" + id + "\",\"from\":\"" + A + "\"}";
  }

  @Test
  void signedEntriesAreTakenAndAMalformedOneRefusesTheWholeMessage() {
    DirectoryBook book = new DirectoryBook(SECRET, C, clock);
    DirectoryHandOver handOver = at(book);
    String bad = message("1", "[{\"url\":\"http://site.test/x\",\"filler\":\"" + A + "\"},{\"url\":\"no-path\",\"filler\":\"" + A + "\"}]");
    assertEquals(ClusterMessages.Verdict.MALFORMED, handOver.receive(bad.getBytes(StandardCharsets.UTF_8), mac(bad)));
    String noNode = message("2", "[{\"url\":\"http://site.test/x\",\"filler\":\"not a node\"}]");
    assertEquals(ClusterMessages.Verdict.MALFORMED, handOver.receive(noNode.getBytes(StandardCharsets.UTF_8), mac(noNode)));
    assertEquals(0, book.handedIn(), "nothing of a malformed message is taken");
    String good = message("3", "[{\"url\":\"http://site.test/x\",\"filler\":\"" + A + "\"}]");
    assertEquals(ClusterMessages.Verdict.BAD_SIGNATURE, handOver.receive(good.getBytes(StandardCharsets.UTF_8), mac(good + " ")));
    assertEquals(ClusterMessages.Verdict.TAKEN, handOver.receive(good.getBytes(StandardCharsets.UTF_8), mac(good)));
    assertEquals(Optional.of(A), book.fillerFor("http://site.test/x", URI.create("http://127.0.0.1:8002"), List.of(A, C)::contains),
        "a miss elsewhere is sent to the filler handed on");
    assertEquals(ClusterMessages.Verdict.SEEN_BEFORE, handOver.receive(good.getBytes(StandardCharsets.UTF_8), mac(good)), "no replay");
  }

  @Test
  void batchesStayUnderTheMessageSizeAndKeepEveryEntryButOverlongOnes() {
    List<DirectoryBook.HandedOn> entries = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      entries.add(new DirectoryBook.HandedOn("site.test/" + "\u00e9".repeat(60) + i, A)); // two bytes a character
    }
    entries.add(new DirectoryBook.HandedOn("site.test/" + "q".repeat(DirectoryHandOver.MAX_MESSAGE_BYTES), A));
    List<List<DirectoryBook.HandedOn>> batches = DirectoryHandOver.batches(entries);
    assertTrue(batches.size() > 1, "2,000 entries of about 150 bytes take several messages");
    assertEquals(2_000, batches.stream().mapToInt(List::size).sum(), "every entry but the overlong one");
    for (var b : batches) {
      int bytes = b.stream().mapToInt(e -> e.url().getBytes(StandardCharsets.UTF_8).length + e.filler().toString().length() + 32).sum();
      assertTrue(bytes <= DirectoryHandOver.MAX_MESSAGE_BYTES, "a batch of " + bytes + " bytes");
    }
  }

  /**
   * An entry whose URL does not fit in a message is left out of the hand-over, counted as such and
   * not as handed on (the receiving node's count of entries taken would never catch up), and not
   * offered again at the next pass.
   */
  @Test
  void anEntryTooLongForAMessageIsCountedApartAndNotHandedOn() {
    DirectoryBook a = new DirectoryBook(SECRET, A, clock);
    a.filledHere("http://site.test/x", Optional.empty());
    a.filledHere("http://site.test/" + "q".repeat(DirectoryHandOver.MAX_MESSAGE_BYTES), Optional.empty());
    java.util.function.Function<String, Optional<URI>> toC = u -> Optional.of(C);
    var sent = a.handOn(toC);
    assertEquals(List.of(new DirectoryBook.HandedOn(DirectoryBook.keyOf("http://site.test/x"), A)), sent.get(C));
    assertEquals(1, a.handedOut(), "one entry handed on");
    assertEquals(1, a.tooLongToHandOn(), "one too long for a message");
    assertEquals(java.util.Map.of(), a.handOn(toC), "neither offered again");
    assertEquals(1, a.tooLongToHandOn());
  }

  /**
   * A node that restarted between two probes stays in the view, so only its new start time tells
   * that its book is empty: the entries it is the directory of are handed to it again. Before,
   * they waited for the next change of the view.
   */
  @Test
  void aNodeThatRestartedIsHandedItsEntriesAgain() throws Exception {
    DirectoryBook book = new DirectoryBook(SECRET, A, clock);
    book.filledHere("http://site.test/x", Optional.of(C)); // filled through C: C has the entry
    java.util.concurrent.atomic.AtomicReference<java.util.Map<URI, Long>> starts = new java.util.concurrent.atomic.AtomicReference<>(java.util.Map.of(C, 1L));
    // without a secret for the messages nothing is sent: each hand-over counts as not taken
    DirectoryHandOver h = new DirectoryHandOver(book, u -> Optional.of(C), () -> List.of(A, C), starts::get,
        new ClusterMessages("directory", "", A, null, null, clock), org.oversky.gateway.metrics.Failures.NONE);
    try {
      h.followView();
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> h.followedNodes() == 2);
      assertEquals(0, book.handedOut(), "C has the entry already");
      starts.set(java.util.Map.of(C, 2L));
      org.awaitility.Awaitility.await("C's restart hands it the entry again").atMost(java.time.Duration.ofSeconds(10)).until(() -> {
        h.followView();
        return book.handedOut() == 1;
      });
    } finally {
      h.stop();
    }
  }

  /**
   * A URL this node filled past its directory (the directory failed or refused the claim) is news
   * to the directory: it is handed on by a pass of its own, {@link DirectoryHandOver#RETRY_TICKS}
   * ticks later, though the view did not change. One filled through the directory is not. Before,
   * both were marked as known to the directory, and its next claimant went to the origin again.
   */
  @Test
  void aUrlFilledPastItsDirectoryIsHandedToItWithoutAChangeOfTheView() throws Exception {
    DirectoryBook book = new DirectoryBook(SECRET, A, clock);
    book.filledHere("http://site.test/through", Optional.of(C));
    java.util.concurrent.atomic.AtomicInteger passes = new java.util.concurrent.atomic.AtomicInteger();
    DirectoryHandOver h = new DirectoryHandOver(book, u -> {
      passes.incrementAndGet();
      return Optional.of(C);
    }, () -> List.of(A, C), java.util.Map::of, new ClusterMessages("directory", "", A, null, null, clock), org.oversky.gateway.metrics.Failures.NONE);
    try {
      h.followView();
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> passes.get() == 1 && h.followedNodes() == 2);
      assertEquals(0, book.handedOut(), "C has the entry of a URL filled through it");
      book.wentPast("http://site.test/past");
      book.filledHere("http://site.test/past", Optional.of(C));
      for (int tick = 1; tick < DirectoryHandOver.RETRY_TICKS; tick++) {
        h.followView();
      }
      assertEquals(1, passes.get(), "no pass before " + DirectoryHandOver.RETRY_TICKS + " ticks");
      // the next tick (or two, if the first of the loop came while the first pass was ending) hands it on
      org.awaitility.Awaitility.await("the URL filled past C is handed to it, by one pass placing both URLs").atMost(java.time.Duration.ofSeconds(10))
          .until(() -> {
            h.followView();
            return book.handedOut() == 1 && passes.get() == 3 && h.followedNodes() == 2;
          });
    } finally {
      h.stop();
    }
  }

  /**
   * While a hand-over waits for its retry (the node refused it: one of another cluster, say),
   * URLs filled past their directory do not bring a pass every {@link DirectoryHandOver#RETRY_TICKS}:
   * the retry's backoff paces them, or a node that refuses everything would be sent the book every
   * 5 s.
   */
  @Test
  void urlsFilledPastARefusingDirectoryWaitForTheRetrysBackoff() throws Exception {
    DirectoryBook book = new DirectoryBook(SECRET, A, clock);
    java.util.concurrent.atomic.AtomicInteger passes = new java.util.concurrent.atomic.AtomicInteger();
    // without a secret for the messages nothing is sent: each hand-over counts as not taken
    DirectoryHandOver h = new DirectoryHandOver(book, u -> {
      if (u.endsWith("/first")) {
        passes.incrementAndGet(); // each pass places every entry: this one's placements count the passes
      }
      return Optional.of(C);
    }, () -> List.of(A, C), java.util.Map::of, new ClusterMessages("directory", "", A, null, null, clock), org.oversky.gateway.metrics.Failures.NONE);
    try {
      book.wentPast("http://site.test/first");
      book.filledHere("http://site.test/first", Optional.of(C));
      h.followView(); // the view is new: a pass, and C does not take the entry
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> book.handOverFailures() == 1);
      for (int tick = 0, url = 0; tick < 3 * DirectoryHandOver.RETRY_TICKS - 1; tick++) {
        if (tick % 5 == 0) {
          book.wentPast("http://site.test/u" + url);
          book.filledHere("http://site.test/u" + url++, Optional.of(C));
        }
        awaitNoPass(h); // each tick after the pass before it has ended, as 250 ms apart would be
        h.followView();
      }
      awaitNoPass(h);
      // one retry after RETRY_TICKS, then the backoff doubled: the next is due at 3 × RETRY_TICKS
      assertEquals(2, passes.get(), "the view's pass and one retry, not a pass every " + DirectoryHandOver.RETRY_TICKS + " ticks");
    } finally {
      h.stop();
    }
  }

  private static void awaitNoPass(DirectoryHandOver h) {
    org.awaitility.Awaitility.await().pollDelay(java.time.Duration.ZERO).pollInterval(java.time.Duration.ofMillis(1))
        .atMost(java.time.Duration.ofSeconds(10)).until(() -> !h.passing());
  }

  @Test
  void entriesAHandOverFailedToDeliverAreDueAgain() {
    DirectoryBook a = new DirectoryBook(SECRET, A, clock);
    a.filledHere("http://site.test/x", Optional.empty());
    java.util.function.Function<String, Optional<URI>> toC = u -> Optional.of(C);
    var sent = a.handOn(toC).get(C);
    assertEquals(1, sent.size());
    assertEquals(java.util.Map.of(), a.handOn(toC), "handed on once");
    a.handOverFailed(sent, C);
    assertEquals(java.util.Map.of(C, sent), a.handOn(toC), "C did not take it: due again");
    assertEquals(1, a.handOverFailures());
  }

  /**
   * The pass over the book places every URL over the view (0.6–1.1 s for 200,000 entries): it
   * runs on the hand-over's own thread, and the caller, the DHT's scheduler, does not wait for it.
   */
  @Test
  void aPassOverTheBookRunsOffTheCallersThread() throws Exception {
    DirectoryBook book = new DirectoryBook(SECRET, A, clock);
    book.filledHere("http://site.test/slow", Optional.empty());
    java.util.concurrent.CountDownLatch placing = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicReference<String> thread = new java.util.concurrent.atomic.AtomicReference<>();
    java.util.concurrent.atomic.AtomicInteger placed = new java.util.concurrent.atomic.AtomicInteger();
    DirectoryHandOver h = new DirectoryHandOver(book, u -> {
      thread.set(Thread.currentThread().getName());
      placed.incrementAndGet();
      placing.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return Optional.of(A); // this node: the entry stays here, nothing is sent
    }, () -> List.of(A, C), java.util.Map::of, new ClusterMessages("directory", SECRET, A, null, null, clock), org.oversky.gateway.metrics.Failures.NONE);
    try {
      org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(10), h::followView,
          "followView returns while the pass is placing URLs");
      assertTrue(placing.await(10, java.util.concurrent.TimeUnit.SECONDS), "the pass started");
      assertEquals("directory-hand-over", thread.get());
      h.followView(); // a pass under way: no second one
      release.countDown();
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> h.followedNodes() == 2);
      h.followView(); // the view has not changed since: no pass
      assertEquals(1, placed.get(), "one pass, one URL placed");
    } finally {
      release.countDown();
      h.stop();
    }
  }

  /** A pass that fails is counted and tried again after the retry's backoff, not on every tick. */
  @Test
  void aPassThatFailsIsTriedAgainAfterTheBackoffNotEveryTick() throws Exception {
    DirectoryBook book = new DirectoryBook(SECRET, A, clock);
    book.filledHere("http://site.test/fails", Optional.empty());
    java.util.concurrent.atomic.AtomicInteger passes = new java.util.concurrent.atomic.AtomicInteger();
    DirectoryHandOver h = new DirectoryHandOver(book, u -> {
      passes.incrementAndGet();
      throw new IllegalStateException("placement failed");
    }, () -> List.of(A, C), java.util.Map::of, new ClusterMessages("directory", SECRET, A, null, null, clock), org.oversky.gateway.metrics.Failures.NONE);
    try {
      h.followView();
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> passes.get() == 1 && h.followedNodes() == 2);
      for (int tick = 1; tick < DirectoryHandOver.RETRY_TICKS; tick++) {
        h.followView();
      }
      assertEquals(1, passes.get(), "no pass before the backoff's " + DirectoryHandOver.RETRY_TICKS + " ticks");
      // the next ticks (one more, or two if the first of the loop came while the pass was ending) try again
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> {
        h.followView();
        return passes.get() == 2;
      });
    } finally {
      h.stop();
    }
  }
}
