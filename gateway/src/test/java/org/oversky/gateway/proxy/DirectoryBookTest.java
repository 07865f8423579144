package org.oversky.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class DirectoryBookTest {
  private static final String URL = "http://site.test/a?b=1";
  private static final URI A = URI.create("http://127.0.0.1:8001");
  private static final URI B = URI.create("http://127.0.0.1:8002");
  private static final URI C = URI.create("http://127.0.0.1:8003");
  private final AtomicLong now = new AtomicLong(1_800_000_000_000L);
  private final InstantSource clock = () -> Instant.ofEpochMilli(now.get());

  @Test
  void aClaimVerifiesUnderTheSameSecretWhileRecentAndItsAnswerOnlyFromTheCluster() {
    DirectoryBook a = new DirectoryBook("s3cret", A, clock);
    DirectoryBook directory = new DirectoryBook("s3cret", C, clock);
    DirectoryBook outsider = new DirectoryBook("other", C, clock);
    String atC = C + "/.well-known/oversky/site/site.test";
    String claim = a.claim(atC);
    assertEquals(Optional.of(A), directory.verify(claim, atC));
    assertEquals(Optional.empty(), outsider.verify(claim, atC), "another cluster's secret");
    assertEquals(Optional.empty(), directory.verify(claim.replace("by=" + A, "by=" + B), atC), "the named node is under the MAC");
    assertEquals(Optional.empty(), directory.verify("by=" + A + "; to=" + atC + "; t=12; mac=zz", atC), "not hex");
    assertEquals(Optional.empty(), directory.verify(null, atC));
    String atB = B + "/.well-known/oversky/site/site.test";
    assertEquals(Optional.empty(), directory.verify(claim, atB), "made for another node: good nowhere else");
    assertEquals(Optional.empty(), directory.verify(claim.replace("to=" + atC, "to=" + atB), atB), "its target is under the MAC");
    assertTrue(directory.provesNode(a.nodeProof(atC), atC), "a node proof is a claim's value");
    assertFalse(directory.provesNode(a.nodeProof(atC), atB), "and as bound to its target");
    assertTrue(a.answers(claim, directory.answer(claim)), "the directory's answer proves it holds the key");
    assertFalse(a.answers(claim, outsider.answer(claim)), "an outsider's does not");
    assertFalse(a.answers(claim, null), "no answer header: not the cluster's");
    assertFalse(a.answers(a.claim(atC).replace("t=", "t=1"), directory.answer(claim)), "an answer is to one claim");
    now.addAndGet(DirectoryBook.CLAIM_SKEW.toMillis() + 1);
    assertEquals(Optional.empty(), directory.verify(claim, atC), "too old");
    assertEquals(6, directory.refused());
    assertFalse(new DirectoryBook("", A, clock).enabled(), "no secret, no claims");
  }

  @Test
  void theFirstClaimantFillsAndTheOthersAreSentToItWhileItIsPlaceable() {
    DirectoryBook directory = new DirectoryBook("s3cret", C, clock);
    Set<URI> up = new java.util.HashSet<>(Set.of(A, B, C));
    assertEquals(Optional.empty(), directory.fillerFor(URL, A, up::contains), "the first claimant goes to the origin");
    assertEquals(Optional.of(A), directory.fillerFor(URL, B, up::contains), "the next is sent to it");
    assertEquals(Optional.empty(), directory.fillerFor(URL, A, up::contains), "the filler asking again (it lost its copy) fills again");
    assertEquals(Optional.of(A), directory.fillerForSelf(URL, up::contains), "the directory's own miss too");
    up.remove(A);
    assertEquals(Optional.empty(), directory.fillerFor(URL, B, up::contains), "a filler that is down is replaced by the claimant");
    assertEquals(Optional.of(B), directory.fillerForSelf(URL, up::contains));
    String other = "http://site.test/other";
    assertEquals(Optional.empty(), directory.fillerForSelf(other, up::contains), "the directory fills a URL of its own");
    assertEquals(Optional.of(C), directory.fillerFor(other, B, up::contains), "the others are sent to it (the caller serves them there)");
    assertEquals(4, directory.named());
    assertEquals(4, directory.sentOn());
    assertTrue(directory.enabled());
  }

  @Test
  void entriesGoToTheNewDirectoryOncePerChangeAndAKnownFillerStaysThere() {
    DirectoryBook a = new DirectoryBook("s3cret", A, clock);
    a.filledHere(URL, Optional.empty()); // alone
    a.filledHere("http://site.test/kept", Optional.empty());
    a.filledHere("http://site.test/at-b", Optional.of(B));
    assertEquals(java.util.Map.of(), a.handOn(u -> Optional.empty()), "still alone: nothing to hand on");
    java.util.function.Function<String, Optional<URI>> now = u -> Optional.of(u.endsWith("kept") ? A : u.endsWith("at-b") ? B : C);
    assertEquals(java.util.Map.of(C, java.util.List.of(new DirectoryBook.HandedOn(DirectoryBook.keyOf(URL), A))), a.handOn(now),
        "the URL filled alone goes to its new directory; the one it is directory of stays; the one already at B is not sent again");
    assertEquals(java.util.Map.of(), a.handOn(now), "once per change");
    assertEquals(Optional.of(A), a.fillerFor("http://site.test/kept", B, Set.of(A, B)::contains), "kept here: B is sent to this node's copy");

    DirectoryBook c = new DirectoryBook("s3cret", C, clock);
    Set<URI> up = Set.of(A, B, C);
    c.takeHandedOn(URL, A, up::contains);
    c.takeHandedOn(URL, B, up::contains);
    assertEquals(Optional.of(A), c.fillerFor(URL, B, up::contains), "the first filler handed on stays");
    assertEquals(2, c.handedIn());
    assertEquals(1, a.handedOut());
    java.util.function.Function<String, Optional<URI>> moved = u -> Optional.of(B);
    assertEquals(java.util.Map.of(B, java.util.List.of(new DirectoryBook.HandedOn(DirectoryBook.keyOf(URL), A))), c.handOn(moved),
        "a directory's entry moves on to the next directory, naming the filler");
  }

  /**
   * A directory knows a URL's filler as long as it has room for it, not an hour: the filler's copy
   * may live for days, and with the origin down a URL whose entry had gone was filled from nowhere
   * (no URL records with the directory). The skip after a fill that was not stored follows this
   * node's clock.
   */
  @Test
  void anEntryOutlivesAnHourAndTheNotStoredSkipEndsOnTheInjectedClock() {
    DirectoryBook directory = new DirectoryBook("s3cret", C, clock);
    Set<URI> up = Set.of(A, B, C);
    directory.fillerFor(URL, A, up::contains);
    directory.notStored("http://site.test/dynamic");
    now.addAndGet(java.time.Duration.ofMinutes(6).toMillis());
    assertFalse(directory.passesBy("http://site.test/dynamic"), "5 minutes of this node's clock later, the directory again");
    now.addAndGet(java.time.Duration.ofHours(30).toMillis());
    assertEquals(Optional.of(A), directory.fillerFor(URL, B, up::contains), "a day and more later, the filler is still known");
  }

  /**
   * The asking node keys a miss as its client sent it (https, a raw '|'), the directory as the
   * cluster's request reached it (http, encoded): one entry for both. Before, each form had an
   * entry of its own, and a URL's claimants and its directory's own misses never met.
   */
  @Test
  void aUrlIsOneEntryWhateverItsSchemeOrEncoding() {
    DirectoryBook directory = new DirectoryBook("s3cret", C, clock);
    Set<URI> up = Set.of(A, B, C);
    assertEquals(Optional.empty(), directory.fillerFor("https://site.test/a?q=x|y", A, up::contains));
    assertEquals(Optional.of(A), directory.fillerFor("http://site.test/a?q=x%7Cy", B, up::contains), "the same URL from the cluster");
    assertEquals(Optional.of(A), directory.fillerForSelf("site.test/a?q=x|y", up::contains), "and as a key");
    assertEquals(DirectoryBook.keyOf("https://site.test/a?q=x|y"), DirectoryBook.keyOf(DirectoryBook.keyOf("http://site.test/a?q=x|y")));
    assertEquals("site.test/r?to=http://x", DirectoryBook.keyOf("https://site.test/r?to=http://x"), "only a leading scheme goes");
  }
}
