package org.oversky.gateway.acme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.oversky.gateway.acme.AcmeManager.Step;

/** The decision of a certificate check, who orders, and the cluster's sealed records. */
class AcmeManagerTest {
  private static final Instant NOW = Instant.parse("2026-12-03T12:00:00Z");
  private static final Duration RENEW = Duration.ofDays(30);

  private static Step decide(Optional<Instant> held, Optional<Instant> shared, boolean orderer, boolean retryWaits) {
    return AcmeManager.decide(held, shared, orderer, retryWaits, NOW, RENEW);
  }

  @Test
  void aNameWithoutCertificateIsOrderedByItsOrdererOnlyAndNotWhileARetryWaits() {
    assertEquals(Step.ORDER, decide(Optional.empty(), Optional.empty(), true, false));
    assertEquals(Step.WAIT, decide(Optional.empty(), Optional.empty(), false, false));
    assertEquals(Step.WAIT, decide(Optional.empty(), Optional.empty(), true, true), "a failed order waits out its retry");
  }

  @Test
  void aGoodCertificateIsKeptAndOneWithinTheRenewalMarginIsRenewed() {
    assertEquals(Step.KEEP, decide(Optional.of(NOW.plus(Duration.ofDays(60))), Optional.empty(), true, false));
    assertEquals(Step.ORDER, decide(Optional.of(NOW.plus(Duration.ofDays(29))), Optional.empty(), true, false));
    assertEquals(Step.WAIT, decide(Optional.of(NOW.plus(Duration.ofDays(29))), Optional.empty(), false, false),
        "another node renews; this one serves what it holds meanwhile");
  }

  @Test
  void aLaterCertificateOfTheClusterIsAdoptedAndAnEarlierOrExpiredOneIsNot() {
    assertEquals(Step.ADOPT, decide(Optional.empty(), Optional.of(NOW.plus(Duration.ofDays(90))), true, false),
        "the orderer that restarted without its files takes the cluster's copy instead of ordering again");
    assertEquals(Step.ADOPT, decide(Optional.of(NOW.plus(Duration.ofDays(20))), Optional.of(NOW.plus(Duration.ofDays(90))), false, false));
    assertEquals(Step.KEEP, decide(Optional.of(NOW.plus(Duration.ofDays(90))), Optional.of(NOW.plus(Duration.ofDays(60))), false, false));
    assertEquals(Step.ORDER, decide(Optional.empty(), Optional.of(NOW.minusSeconds(1)), true, false), "an expired copy is no certificate");
  }

  @Test
  void everyNodeNamesTheSameOrdererWhateverTheOrderOfItsViewAndNamesSpreadOverNodes() {
    List<URI> nodes = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      nodes.add(URI.create("http://10.0.0." + i + ":8080"));
    }
    List<URI> reversed = new ArrayList<>(nodes);
    java.util.Collections.reverse(reversed);
    java.util.Set<URI> chosen = new java.util.HashSet<>();
    for (int i = 0; i < 50; i++) {
      String host = "site-" + i + ".example";
      assertEquals(AcmeManager.orderer(host, nodes), AcmeManager.orderer(host, reversed));
      chosen.add(AcmeManager.orderer(host, nodes));
    }
    assertEquals(5, chosen.size(), "50 names are ordered by all 5 nodes, not one: " + chosen);
  }

  @Test
  void aSealedValueOpensOnlyWithTheSameSecretAndUnderTheSameKey() {
    ClusterSeal seal = new ClusterSeal("one secret");
    byte[] plain = "the answer".getBytes(StandardCharsets.US_ASCII);
    var key = seal.key("http-01", "token");
    byte[] sealed = seal.seal(key, plain);
    assertEquals("the answer", new String(seal.open(key, sealed).orElseThrow(), StandardCharsets.US_ASCII));
    assertTrue(new ClusterSeal("another secret").open(key, sealed).isEmpty(), "another cluster cannot read it");
    assertTrue(seal.open(seal.key("http-01", "other"), sealed).isEmpty(), "moved under another key, it does not open");
    sealed[sealed.length - 1] ^= 1;
    assertTrue(seal.open(key, sealed).isEmpty(), "an altered byte is caught");
    assertTrue(seal.open(key, new byte[3]).isEmpty(), "a short value is no sealed value");
    assertTrue(!seal.key("certificate", "a.example").equals(new ClusterSeal("another secret").key("certificate", "a.example")),
        "clusters write under keys of their own");
  }
}
