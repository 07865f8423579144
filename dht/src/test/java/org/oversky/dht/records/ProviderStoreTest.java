package org.oversky.dht.records;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.oversky.dht.id.NodeId;
import org.oversky.dht.records.ProviderStore.AddOutcome;
import org.oversky.dht.rpc.ProviderInfo;

class ProviderStoreTest {
  static final long NOW = 1_700_000_000_000L;
  static final long HOUR = 3_600_000L;
  static final NodeId KEY = id(1_000);
  static final NodeId OTHER_KEY = id(1_001);

  static NodeId id(long n) {
    return new NodeId(0, 0, 0, n);
  }

  static URI url(long n) {
    return URI.create("http://198.51.100." + (n % 250) + ":" + (8000 + n));
  }

  @Test
  void newProviderIsAddedAndListed() {
    ProviderStore store = new ProviderStore(3, 3);

    assertEquals(AddOutcome.ADDED, store.add(KEY, id(1), url(1), NOW + HOUR, NOW));

    assertEquals(List.of(new ProviderInfo(id(1), url(1), NOW + HOUR)), store.providers(KEY, NOW));
    assertEquals(List.of(), store.providers(OTHER_KEY, NOW));
    assertEquals(1, store.size());
    assertEquals(1, store.keys());
  }

  @Test
  void reAddingRefreshesUrlAndExpiryAndNeverCountsTwice() {
    ProviderStore store = new ProviderStore(2, 2);
    store.add(KEY, id(1), url(1), NOW + HOUR, NOW);

    assertEquals(AddOutcome.REFRESHED, store.add(KEY, id(1), url(9), NOW + 2 * HOUR, NOW + 1));
    assertEquals(AddOutcome.REFRESHED, store.add(KEY, id(1), url(9), NOW + 2 * HOUR, NOW + 2));

    assertEquals(List.of(new ProviderInfo(id(1), url(9), NOW + 2 * HOUR)), store.providers(KEY, NOW));
    assertEquals(1, store.size());
    // Both bounds still have room for exactly one more.
    assertEquals(AddOutcome.ADDED, store.add(KEY, id(2), url(2), NOW + HOUR, NOW));
    assertEquals(AddOutcome.ADDED, store.add(OTHER_KEY, id(1), url(1), NOW + HOUR, NOW));
    assertEquals(3, store.size());
  }

  @Test
  void holdsSaysWhetherALiveEntryNamesTheProviderAtThatUrl() {
    ProviderStore store = new ProviderStore(2, 2);
    store.add(KEY, id(1), url(1), NOW + HOUR, NOW);

    assertTrue(store.holds(KEY, id(1), url(1), NOW));
    assertFalse(store.holds(KEY, id(1), url(2), NOW), "another URL");
    assertFalse(store.holds(KEY, id(2), url(1), NOW), "another provider");
    assertFalse(store.holds(OTHER_KEY, id(1), url(1), NOW), "another key");
    assertFalse(store.holds(KEY, id(1), url(1), NOW + HOUR), "expired");
  }

  @Test
  void theLatestAnnouncementWinsEvenWithAnEarlierExpiry() {
    ProviderStore store = new ProviderStore(2, 2);
    store.add(KEY, id(1), url(1), NOW + 2 * HOUR, NOW);

    assertEquals(AddOutcome.REFRESHED, store.add(KEY, id(1), url(1), NOW + HOUR, NOW));

    assertEquals(NOW + HOUR, store.providers(KEY, NOW).getFirst().expiresAt());
  }

  @Test
  void recordExpiredOnArrivalIsRejected() {
    ProviderStore store = new ProviderStore(2, 2);

    assertEquals(AddOutcome.REJECTED_EXPIRED, store.add(KEY, id(1), url(1), NOW, NOW));
    assertEquals(AddOutcome.REJECTED_EXPIRED, store.add(KEY, id(1), url(1), NOW - 1, NOW));

    assertEquals(0, store.size());
    assertEquals(0, store.keys());
  }

  @Test
  void fullKeyRejectsANewProviderAndKeepsTheLiveOnes() {
    ProviderStore store = new ProviderStore(2, 5);
    store.add(KEY, id(1), url(1), NOW + HOUR, NOW);
    store.add(KEY, id(2), url(2), NOW + HOUR, NOW);

    // Even with a much later expiry, a newcomer does not push an honest provider out.
    assertEquals(AddOutcome.REJECTED_KEY_FULL, store.add(KEY, id(3), url(3), NOW + 99 * HOUR, NOW));

    assertEquals(
        List.of(id(1), id(2)),
        store.providers(KEY, NOW).stream().map(ProviderInfo::providerId).toList());
    assertEquals(2, store.size());
    // The full key's own providers still refresh; other keys are unaffected.
    assertEquals(AddOutcome.REFRESHED, store.add(KEY, id(2), url(2), NOW + 2 * HOUR, NOW));
    assertEquals(AddOutcome.ADDED, store.add(OTHER_KEY, id(3), url(3), NOW + HOUR, NOW));
  }

  @Test
  void anExpiredProviderFreesItsPlaceInAFullKeyWithoutAnExpireCall() {
    ProviderStore store = new ProviderStore(2, 5);
    store.add(KEY, id(1), url(1), NOW + HOUR, NOW);
    store.add(KEY, id(2), url(2), NOW + 2 * HOUR, NOW);

    assertEquals(AddOutcome.ADDED, store.add(KEY, id(3), url(3), NOW + 3 * HOUR, NOW + HOUR));

    assertEquals(
        List.of(id(3), id(2)),
        store.providers(KEY, NOW + HOUR).stream().map(ProviderInfo::providerId).toList());
    assertEquals(2, store.size());
  }

  @Test
  void providerBoundStopsOneNodeFromFillingTheStore() {
    ProviderStore store = new ProviderStore(20, 3);
    for (int k = 0; k < 3; k++) {
      assertEquals(AddOutcome.ADDED, store.add(id(100 + k), id(1), url(1), NOW + HOUR, NOW));
    }

    assertEquals(AddOutcome.REJECTED_PROVIDER_FULL, store.add(id(103), id(1), url(1), NOW + HOUR, NOW));

    assertEquals(List.of(), store.providers(id(103), NOW));
    assertEquals(3, store.size());
    assertEquals(3, store.keys());
    // Its existing keys still refresh, and other providers still get in.
    assertEquals(AddOutcome.REFRESHED, store.add(id(100), id(1), url(1), NOW + 2 * HOUR, NOW));
    assertEquals(AddOutcome.ADDED, store.add(id(103), id(2), url(2), NOW + HOUR, NOW));
  }

  @Test
  void aProvidersExpiredEntriesDoNotCountAgainstItsBound() {
    ProviderStore store = new ProviderStore(20, 2);
    store.add(id(100), id(1), url(1), NOW + HOUR, NOW);
    store.add(id(101), id(1), url(1), NOW + 2 * HOUR, NOW);

    assertEquals(AddOutcome.ADDED, store.add(id(102), id(1), url(1), NOW + 3 * HOUR, NOW + HOUR));

    assertEquals(List.of(), store.providers(id(100), NOW + HOUR));
    assertEquals(2, store.size());
    assertEquals(2, store.keys());
  }

  @Test
  void anExpiredEntryReAddedCountsAsAdded() {
    ProviderStore store = new ProviderStore(2, 2);
    store.add(KEY, id(1), url(1), NOW + HOUR, NOW);

    assertEquals(AddOutcome.ADDED, store.add(KEY, id(1), url(1), NOW + 3 * HOUR, NOW + 2 * HOUR));

    assertEquals(1, store.size());
  }

  @Test
  void providersListsOnlyLiveOnesLatestExpiryFirstTiesById() {
    ProviderStore store = new ProviderStore(10, 10);
    store.add(KEY, id(5), url(5), NOW + HOUR, NOW);
    store.add(KEY, id(3), url(3), NOW + 3 * HOUR, NOW);
    store.add(KEY, id(4), url(4), NOW + 2 * HOUR, NOW);
    store.add(KEY, id(2), url(2), NOW + 2 * HOUR, NOW);

    assertEquals(
        List.of(id(3), id(2), id(4), id(5)),
        store.providers(KEY, NOW).stream().map(ProviderInfo::providerId).toList());
    assertEquals(
        List.of(id(3), id(2), id(4)),
        store.providers(KEY, NOW + HOUR).stream().map(ProviderInfo::providerId).toList());
    assertEquals(List.of(), store.providers(KEY, NOW + 3 * HOUR));
    assertEquals(4, store.size(), "reading does not drop anything");
  }

  @Test
  void expireDropsExpiredEntriesAndSaysHowMany() {
    ProviderStore store = new ProviderStore(10, 10);
    store.add(KEY, id(1), url(1), NOW + HOUR, NOW);
    store.add(KEY, id(2), url(2), NOW + 2 * HOUR, NOW);
    store.add(OTHER_KEY, id(1), url(1), NOW + HOUR, NOW);

    assertEquals(0, store.expire(NOW + HOUR - 1));
    assertEquals(2, store.expire(NOW + HOUR));
    assertEquals(1, store.size());
    assertEquals(1, store.keys());
    assertEquals(1, store.expire(NOW + 2 * HOUR));
    assertEquals(0, store.size());
    assertEquals(0, store.keys());
    // The provider's bound was released too.
    ProviderStore tight = new ProviderStore(10, 1);
    tight.add(KEY, id(1), url(1), NOW + HOUR, NOW);
    tight.expire(NOW + HOUR);
    assertEquals(AddOutcome.ADDED, tight.add(OTHER_KEY, id(1), url(1), NOW + 3 * HOUR, NOW));
  }

  @Test
  void removeDropsEveryEntryOfAProviderAndFreesItsPlaces() {
    ProviderStore store = new ProviderStore(2, 5);
    store.add(KEY, id(1), url(1), NOW + HOUR, NOW);
    store.add(KEY, id(2), url(2), NOW + HOUR, NOW);
    store.add(OTHER_KEY, id(1), url(1), NOW + HOUR, NOW);

    assertEquals(2, store.remove(id(1)));
    assertEquals(0, store.remove(id(1)));
    assertEquals(0, store.remove(id(9)));

    assertEquals(1, store.size());
    assertEquals(1, store.keys());
    assertEquals(List.of(id(2)), store.providers(KEY, NOW).stream().map(ProviderInfo::providerId).toList());
    assertEquals(AddOutcome.ADDED, store.add(KEY, id(3), url(3), NOW + HOUR, NOW));
  }

  @Test
  void matchingNearAnIdLooksAtTheKeysSharingItsPrefixOnly() {
    ProviderStore store = new ProviderStore(20, 10_000);
    java.util.SplittableRandom random = new java.util.SplittableRandom(3);
    List<NodeId> keys = new java.util.ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      NodeId key = NodeId.random(random);
      keys.add(key);
      assertEquals(AddOutcome.ADDED, store.add(key, id(7), url(7), NOW + HOUR, NOW));
    }
    NodeId near = NodeId.random(random);
    for (int bits : new int[] {0, 3, 6, 12}) {
      List<NodeId> tested = new java.util.ArrayList<>();
      var found = store.matching(near, bits, key -> tested.add(key), NOW);
      List<NodeId> sharing = keys.stream().filter(k -> k.commonPrefixLength(near) >= bits).sorted().toList();
      assertEquals(sharing, List.copyOf(found.keySet()), bits + " bits");
      assertEquals(sharing, tested, "only the keys of the range were looked at");
    }
    assertEquals(2_000, store.matching(k -> true, NOW).size());
  }

  @Test
  void badArgumentsAreRefusedWithAReason() {
    assertThrows(IllegalArgumentException.class, () -> new ProviderStore(0, 1));
    assertThrows(IllegalArgumentException.class, () -> new ProviderStore(1, 0));
    ProviderStore store = new ProviderStore(2, 2);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> store.add(KEY, id(1), URI.create("ftp://example.com"), NOW + HOUR, NOW));
    assertTrue(e.getMessage().contains("http"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> store.add(KEY, id(1), url(1), -1, NOW));
    assertThrows(NullPointerException.class, () -> store.add(null, id(1), url(1), NOW + HOUR, NOW));
    assertThrows(NullPointerException.class, () -> store.add(KEY, null, url(1), NOW + HOUR, NOW));
    assertEquals(0, store.size());
  }
}
