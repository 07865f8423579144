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
  void aClaimVerifiesUnderTheSameSecretOnlyForItsUrlAndWhileRecent() {
    DirectoryBook a = new DirectoryBook("s3cret", A, clock);
    DirectoryBook directory = new DirectoryBook("s3cret", C, clock);
    String claim = a.claim(URL);
    assertEquals(Optional.of(A), directory.verify(URL, claim));
    assertEquals(Optional.empty(), directory.verify("http://site.test/other", claim), "a claim is for one URL");
    assertEquals(Optional.empty(), new DirectoryBook("other", C, clock).verify(URL, claim), "another cluster's secret");
    assertEquals(Optional.empty(), directory.verify(URL, claim.replace("by=" + A, "by=" + B)), "the named node is under the MAC");
    assertEquals(Optional.empty(), directory.verify(URL, "by=" + A + "; t=12; mac=zz"), "not hex");
    assertEquals(Optional.empty(), directory.verify(URL, null));
    now.addAndGet(DirectoryBook.CLAIM_SKEW.toMillis() + 1);
    assertEquals(Optional.empty(), directory.verify(URL, claim), "too old");
    assertEquals(5, directory.refused());
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
    assertEquals(Optional.of(B), directory.fillerFor(URL, C, up::contains));
    assertEquals(3, directory.named());
    assertEquals(3, directory.sentOn());
    assertTrue(directory.enabled());
  }
}
