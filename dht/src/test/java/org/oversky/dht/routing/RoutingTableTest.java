package org.oversky.dht.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oversky.dht.routing.Fixtures.address;
import static org.oversky.dht.routing.Fixtures.contact;
import static org.oversky.dht.routing.Fixtures.idWithPrefix;
import static org.oversky.dht.routing.Fixtures.publicAddress;

import java.math.BigInteger;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.oversky.dht.id.NodeId;
import org.oversky.dht.routing.OfferResult.Outcome;

class RoutingTableTest {
  private final SplittableRandom random = new SplittableRandom(7);
  private final NodeId self = NodeId.random(random);
  private int addresses;

  /** A contact in bucket {@code prefix} of {@code self}'s table, on an address of its own. */
  private Contact at(int prefix) {
    return contact(idWithPrefix(self, prefix, random), publicAddress(addresses++));
  }

  private Contact anywhere() {
    return contact(NodeId.random(random), publicAddress(addresses++));
  }

  @Test
  void refusesItsOwnId() {
    RoutingTable table = new RoutingTable(self);

    OfferResult result = table.offer(contact(self, publicAddress(0)));

    assertEquals(Outcome.REJECTED, result.outcome());
    assertTrue(result.reason().contains("own id"), result.reason());
    assertEquals(0, table.size());
  }

  @Test
  void addsContactsUntilABucketHoldsK() {
    RoutingTable table = new RoutingTable(self, RoutingConfig.withK(4));
    List<Contact> added = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Contact c = at(0);
      assertEquals(Outcome.ADDED, table.offer(c).outcome());
      added.add(c);
    }

    assertEquals(4, table.size());
    assertEquals(added, table.contacts());
    assertEquals(Optional.of(added.get(2)), table.get(added.get(2).id()));
    assertEquals(1, table.bucketCount(), "a bucket splits only when it is full");
  }

  @Test
  void aFullBucketAsksTheCallerToPingItsLeastRecentlySeenContact() {
    RoutingTable table = new RoutingTable(self, RoutingConfig.withK(2));
    Contact a = at(0);
    Contact b = at(0);
    table.offer(a);
    table.offer(b);

    OfferResult result = table.offer(at(0));

    assertEquals(Outcome.PENDING_PING, result.outcome());
    assertEquals(a, result.toPing());
    assertEquals(List.of(a, b), table.contacts(), "nothing moves until the ping is answered");
    assertEquals(Set.of(a.id()), table.pendingPings());
  }

  @Test
  void offeringAKnownContactRefreshesItAndMakesItTheMostRecentlySeen() {
    RoutingTable table = new RoutingTable(self);
    Contact a = at(0);
    Contact b = at(0);
    table.offer(a);
    table.offer(b);

    Contact fresher = a.seen(2_000, 15);
    OfferResult result = table.offer(fresher);

    assertEquals(Outcome.UPDATED, result.outcome());
    assertEquals(List.of(b, fresher), table.contacts());
    assertEquals(2, table.size());
  }

  @Test
  void onlyTheBucketHoldingTheOwnIdSplits() {
    RoutingTable table = new RoutingTable(self, RoutingConfig.withK(2));
    for (int prefix = 0; prefix < 4; prefix++) {
      assertEquals(Outcome.ADDED, table.offer(at(prefix)).outcome(), "prefix " + prefix);
      assertEquals(Outcome.ADDED, table.offer(at(prefix)).outcome(), "prefix " + prefix);
    }
    int buckets = table.bucketCount();

    OfferResult far = table.offer(at(0));

    assertEquals(Outcome.PENDING_PING, far.outcome(), "a full bucket far from the own id does not split");
    assertEquals(buckets, table.bucketCount());
    assertEquals(8, table.size());
    List<List<Contact>> snapshot = table.bucketSnapshot();
    for (int i = 0; i < snapshot.size(); i++) {
      for (Contact c : snapshot.get(i)) {
        assertEquals(Math.min(self.commonPrefixLength(c.id()), snapshot.size() - 1), i);
      }
    }
  }

  @Test
  void splitsRepeatedlyUntilTheNewcomerFits() {
    RoutingTable table = new RoutingTable(self, RoutingConfig.withK(2));
    Contact five = at(5);
    Contact six = at(6);
    table.offer(five);
    table.offer(six);

    assertEquals(Outcome.ADDED, table.offer(at(7)).outcome());

    List<List<Contact>> buckets = table.bucketSnapshot();
    assertEquals(7, buckets.size());
    for (int i = 0; i < 5; i++) {
      assertTrue(buckets.get(i).isEmpty(), "bucket " + i);
    }
    assertEquals(List.of(five), buckets.get(5));
    assertEquals(2, buckets.get(6).size());
  }

  @Test
  void theDeepestBucketIsTheTwoHundredFiftySixth() {
    RoutingTable table = new RoutingTable(self, RoutingConfig.withK(1));
    NodeId last = idWithPrefix(self, 255, random);
    NodeId[] twins = {flipLastBit(idWithPrefix(self, 254, random)), null};
    twins[1] = flipLastBit(twins[0]);

    assertEquals(Outcome.ADDED, table.offer(contact(last, publicAddress(0))).outcome());
    assertEquals(Outcome.ADDED, table.offer(contact(twins[0], publicAddress(1))).outcome());
    assertEquals(256, table.bucketCount());

    OfferResult result = table.offer(contact(twins[1], publicAddress(2)));

    assertEquals(Outcome.PENDING_PING, result.outcome());
    assertEquals(twins[0], result.toPing().id());
    assertEquals(256, table.bucketCount());
  }

  @Test
  void aContactThatAnswersThePingKeepsItsPlaceAndTheNewcomerWaits() {
    RoutingTable table = new RoutingTable(self, RoutingConfig.withK(2));
    Contact a = at(0);
    Contact b = at(0);
    Contact newcomer = at(0);
    table.offer(a);
    table.offer(b);
    Contact toPing = table.offer(newcomer).toPing();

    Optional<Contact> replaced = table.pingResult(toPing.seen(5_000, 30), true);

    assertEquals(Optional.empty(), replaced);
    assertEquals(List.of(b, a.seen(5_000, 30)), table.contacts(), "the answer makes it the most recently seen");
    assertEquals(List.of(newcomer), table.replacementSnapshot().get(0));
    assertTrue(table.pendingPings().isEmpty());
  }

  @Test
  void aContactThatFailsThePingIsEvictedForTheNewcomer() {
    RoutingTable table = new RoutingTable(self, RoutingConfig.withK(2));
    Contact a = at(0);
    Contact b = at(0);
    Contact newcomer = at(0);
    table.offer(a);
    table.offer(b);
    Contact toPing = table.offer(newcomer).toPing();

    Optional<Contact> replaced = table.pingResult(toPing, false);

    assertEquals(Optional.of(newcomer), replaced);
    assertEquals(List.of(b, newcomer), table.contacts());
    assertTrue(table.get(a.id()).isEmpty());
    assertTrue(table.replacementSnapshot().get(0).isEmpty());
    assertTrue(table.pendingPings().isEmpty());
  }

  @Test
  void eachNewcomerNamesAnotherContactToPingUntilAllAreBeingPinged() {
    RoutingTable table = new RoutingTable(self, new RoutingConfig(2, 4, 2, 8, true));
    Contact a = at(0);
    Contact b = at(0);
    table.offer(a);
    table.offer(b);
    Contact c = at(0);
    Contact d = at(0);
    Contact e = at(0);

    assertEquals(a, table.offer(c).toPing());
    assertEquals(b, table.offer(d).toPing());
    OfferResult third = table.offer(e);

    assertEquals(Outcome.CACHED, third.outcome());
    assertNull(third.toPing());
    assertEquals(List.of(c, d, e), table.replacementSnapshot().get(0));
    assertEquals(Optional.of(e), table.pingResult(a, false), "the freshest replacement takes the place");
    assertEquals(Optional.of(d), table.pingResult(b, false));
    assertEquals(List.of(e, d), table.contacts());
    assertEquals(List.of(c), table.replacementSnapshot().get(0));
  }

  @Test
  void theReplacementCacheKeepsOnlyTheFreshestCandidates() {
    RoutingTable table = new RoutingTable(self, new RoutingConfig(1, 2, 2, 8, true));
    table.offer(at(0));
    Contact b = at(0);
    Contact c = at(0);
    Contact d = at(0);

    assertEquals(Outcome.PENDING_PING, table.offer(b).outcome());
    assertEquals(Outcome.CACHED, table.offer(c).outcome());
    assertEquals(Outcome.CACHED, table.offer(d).outcome());

    assertEquals(List.of(c, d), table.replacementSnapshot().get(0));
  }

  @Test
  void reofferingACachedContactMakesItTheFreshestReplacement() {
    RoutingTable table = new RoutingTable(self, new RoutingConfig(1, 4, 2, 8, true));
    Contact a = at(0);
    table.offer(a);
    Contact b = at(0);
    Contact c = at(0);
    table.offer(b);
    table.offer(c);

    table.offer(b.seen(9_000, 3));

    assertEquals(List.of(c, b.seen(9_000, 3)), table.replacementSnapshot().get(0));
    assertEquals(Optional.of(b.seen(9_000, 3)), table.pingResult(a, false));
  }

  @Test
  void removingAFailedContactPromotesTheFreshestReplacement() {
    RoutingTable table = new RoutingTable(self, RoutingConfig.withK(2));
    Contact a = at(0);
    Contact b = at(0);
    Contact c = at(0);
    table.offer(a);
    table.offer(b);
    table.pingResult(table.offer(c).toPing(), true);

    assertTrue(table.remove(b.id()));

    assertEquals(List.of(a, c), table.contacts());
    assertEquals(2, table.size());
    assertTrue(table.replacementSnapshot().get(0).isEmpty());
  }

  @Test
  void removingAnUnknownOrCachedContact() {
    RoutingTable table = new RoutingTable(self, RoutingConfig.withK(1));
    Contact a = at(0);
    Contact b = at(0);
    table.offer(a);
    table.offer(b);

    assertFalse(table.remove(NodeId.random(random)));
    assertTrue(table.remove(b.id()), "a cached contact is forgotten too");
    assertTrue(table.replacementSnapshot().get(0).isEmpty());
    assertEquals(List.of(a), table.contacts());
    assertEquals(Set.of(a.id()), table.pendingPings());
    assertTrue(table.remove(a.id()));
    assertTrue(table.pendingPings().isEmpty(), "removing a contact ends the wait for its ping");
    assertEquals(0, table.size());
  }

  @Test
  void aPingResultForAContactRemovedMeanwhileChangesNothing() {
    RoutingTable table = new RoutingTable(self, RoutingConfig.withK(1));
    Contact a = at(0);
    table.offer(a);
    Contact toPing = table.offer(at(0)).toPing();
    table.remove(a.id());
    List<Contact> before = table.contacts();

    assertEquals(Optional.empty(), table.pingResult(toPing, false));
    assertEquals(before, table.contacts());
  }

  @Test
  void oneAddressHoldsAtMostMaxPerAddressEntries() {
    RoutingTable table = new RoutingTable(self);
    InetAddress host = address("203.0.113.7");
    Contact first = contact(NodeId.random(random), host);
    table.offer(first);
    table.offer(contact(NodeId.random(random), host));

    OfferResult third = table.offer(contact(NodeId.random(random), host));

    assertEquals(Outcome.REJECTED, third.outcome());
    assertTrue(third.reason().contains("203.0.113.7") && third.reason().contains("maxPerAddress"), third.reason());
    assertEquals(2, table.size());
    table.remove(first.id());
    assertEquals(Outcome.ADDED, table.offer(contact(NodeId.random(random), host)).outcome());
  }

  @Test
  void oneSlash24HoldsAtMostMaxPerSubnetEntries() {
    RoutingTable table = new RoutingTable(self, new RoutingConfig(100, 20, 2, 8, true));
    for (int i = 1; i <= 8; i++) {
      assertEquals(Outcome.ADDED, table.offer(contact(NodeId.random(random), address("203.0.113." + i))).outcome());
    }

    OfferResult ninth = table.offer(contact(NodeId.random(random), address("203.0.113.9")));

    assertEquals(Outcome.REJECTED, ninth.outcome());
    assertTrue(ninth.reason().contains("203.0.113.0/24") && ninth.reason().contains("maxPerSubnet"), ninth.reason());
    assertEquals(Outcome.ADDED, table.offer(contact(NodeId.random(random), address("203.0.114.9"))).outcome());
  }

  @Test
  void aRejectedAddressIsNotCachedEither() {
    RoutingTable table = new RoutingTable(self, new RoutingConfig(1, 4, 1, 1, true));
    InetAddress host = address("203.0.113.7");
    table.offer(contact(idWithPrefix(self, 0, random), host));

    assertEquals(Outcome.REJECTED, table.offer(contact(idWithPrefix(self, 0, random), host)).outcome());
    assertTrue(table.replacementSnapshot().get(0).isEmpty());
  }

  @Test
  void aContactMovingToAFullAddressKeepsItsOldEntry() {
    RoutingTable table = new RoutingTable(self, new RoutingConfig(20, 20, 1, 8, true));
    Contact a = contact(NodeId.random(random), address("203.0.113.1"));
    Contact b = contact(NodeId.random(random), address("203.0.113.2"));
    table.offer(a);
    table.offer(b);

    Contact moved = new Contact(a.id(), a.baseUrl(), b.address(), 5_000, 1);
    OfferResult result = table.offer(moved);

    assertEquals(Outcome.REJECTED, result.outcome());
    assertEquals(Optional.of(a), table.get(a.id()));
    Contact movedToFreeAddress = new Contact(a.id(), a.baseUrl(), address("203.0.113.3"), 5_000, 1);
    assertEquals(Outcome.UPDATED, table.offer(movedToFreeAddress).outcome());
    assertEquals(Outcome.ADDED, table.offer(contact(NodeId.random(random), address("203.0.113.1"))).outcome(),
        "the old address is free again");
  }

  @Test
  void aReplacementOverTheAddressBoundIsNotPromoted() {
    RoutingTable table = new RoutingTable(self, new RoutingConfig(1, 4, 1, 8, true));
    InetAddress shared = address("203.0.113.9");
    Contact a = contact(idWithPrefix(self, 0, random), address("203.0.113.1"));
    table.offer(a);
    Contact waiting = contact(idWithPrefix(self, 0, random), shared);
    assertEquals(Outcome.PENDING_PING, table.offer(waiting).outcome());
    assertEquals(Outcome.ADDED, table.offer(contact(idWithPrefix(self, 1, random), shared)).outcome());

    assertEquals(Optional.empty(), table.pingResult(a, false));

    assertTrue(table.bucketSnapshot().get(0).isEmpty());
    assertEquals(List.of(waiting), table.replacementSnapshot().get(0), "it stays a candidate");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"127.0.0.1", "10.0.0.5", "172.20.1.1", "192.168.1.20", "::1", "fd00::7"})
  void loopbackAndPrivateAddressesAreExemptFromTheBounds(String literal) {
    RoutingTable table = new RoutingTable(self, RoutingConfig.withK(100));
    InetAddress host = address(literal);

    for (int i = 0; i < 50; i++) {
      assertEquals(Outcome.ADDED, table.offer(contact(NodeId.random(random), host)).outcome(), "contact " + i);
    }
    assertEquals(50, table.size());
  }

  @Test
  void theExemptionCanBeTurnedOff() {
    RoutingTable table = new RoutingTable(self, new RoutingConfig(20, 20, 2, 8, false));
    InetAddress loopback = address("127.0.0.1");
    table.offer(contact(NodeId.random(random), loopback));
    table.offer(contact(NodeId.random(random), loopback));

    assertEquals(Outcome.REJECTED, table.offer(contact(NodeId.random(random), loopback)).outcome());
  }

  /** A table of k = 20 offered 2,000 random contacts, half the pings it asked for answered. */
  private RoutingTable offeredTwoThousand() {
    RoutingTable table = new RoutingTable(self);
    for (int i = 0; i < 2000; i++) {
      OfferResult result = table.offer(anywhere());
      if (result.outcome() == Outcome.PENDING_PING) {
        table.pingResult(result.toPing(), random.nextBoolean());
      }
    }
    return table;
  }

  @Test
  void closestMatchesABruteForceSortOfTheTable() {
    RoutingTable table = offeredTwoThousand();
    List<Contact> all = table.contacts();
    assertTrue(all.size() > 100, "the table splits around its own id: " + all.size());

    for (int i = 0; i < 200; i++) {
      // half the targets share a prefix with self of 1 to 16 bits: they fall in the deeper buckets
      NodeId target = i == 0 ? self : i % 2 == 0 ? NodeId.random(random) : sharingPrefix(self, 1 + random.nextInt(16));
      List<Contact> expected = all.stream()
          .sorted(Comparator.comparing(c -> new BigInteger(1, c.id().xor(target).bytes())))
          .limit(20)
          .toList();
      assertEquals(expected, table.closest(target, 20));
    }
  }

  /** A random id that shares exactly {@code bits} leading bits with {@code id}. */
  private NodeId sharingPrefix(NodeId id, int bits) {
    byte[] b = NodeId.random(random).bytes();
    byte[] own = id.bytes();
    for (int i = 0; i < bits; i++) {
      int mask = 0x80 >>> (i % 8);
      b[i / 8] = (byte) ((b[i / 8] & ~mask) | (own[i / 8] & mask));
    }
    int mask = 0x80 >>> (bits % 8);
    b[bits / 8] = (byte) ((b[bits / 8] & ~mask) | (~own[bits / 8] & mask));
    NodeId made = NodeId.ofBytes(b);
    assertEquals(bits, made.commonPrefixLength(id));
    return made;
  }

  @Test
  void closestMatchesABruteForceSortOverTwoThousandContacts() {
    RoutingTable table = new RoutingTable(self, RoutingConfig.withK(2000));
    List<Contact> offered = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      Contact c = anywhere();
      assertEquals(Outcome.ADDED, table.offer(c).outcome());
      offered.add(c);
    }

    for (int i = 0; i < 50; i++) {
      NodeId target = i == 0 ? offered.get(17).id() : NodeId.random(random);
      int n = 1 + random.nextInt(60);
      List<Contact> expected = offered.stream()
          .sorted(Comparator.comparing(c -> new BigInteger(1, c.id().xor(target).bytes())))
          .limit(n)
          .toList();
      assertEquals(expected, table.closest(target, n));
    }
    assertEquals(offered.get(17), table.closest(offered.get(17).id(), 1).getFirst());
  }

  @Test
  void closestOrdersIdsThatShareTheirFirst64BitsWithTheTarget() {
    RoutingTable table = new RoutingTable(self, RoutingConfig.withK(2000));
    NodeId target = NodeId.random(random);
    long high = target.w0();
    List<Contact> offered = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      // a third share the target's first word (their 64-bit keys tie), some the first two
      NodeId id = switch (i % 3) {
        case 0 -> new NodeId(high, random.nextLong(), random.nextLong(), random.nextLong());
        case 1 -> new NodeId(high ^ (1L << random.nextInt(64)), random.nextLong(), random.nextLong(), random.nextLong());
        default -> NodeId.random(random);
      };
      Contact c = contact(id, publicAddress(addresses++));
      assertEquals(Outcome.ADDED, table.offer(c).outcome());
      offered.add(c);
    }
    for (int n : new int[] {1, 7, 20, 150, 400}) {
      List<Contact> expected = offered.stream()
          .sorted(Comparator.comparing(c -> new BigInteger(1, c.id().xor(target).bytes())))
          .limit(n)
          .toList();
      assertEquals(expected, table.closest(target, n), "the " + n + " closest");
    }
  }

  @Test
  void closerThanSelfCountsTheContactsABruteForceCountFinds() {
    RoutingTable table = offeredTwoThousand();
    List<Contact> all = table.contacts();
    int among = 0;
    for (int i = 0; i < 300; i++) {
      // keys anywhere, near this node (the deep buckets), and in the last bucket's range
      NodeId key = i % 3 == 0 ? NodeId.random(random) : sharingPrefix(self, i % 3 == 1 ? 1 + random.nextInt(16) : 20 + random.nextInt(40));
      long closer = all.stream().filter(c -> key.compareDistance(c.id(), self) < 0).count();
      for (int atMost : new int[] {1, 20, 10_000}) {
        assertEquals(Math.min(closer, atMost), table.closerThanSelf(key, atMost), "key " + key + ", at most " + atMost);
      }
      among += closer < 20 ? 1 : 0;
    }
    assertTrue(among > 50 && among < 250, "keys both near and far from this node: among the 20 closest to " + among);
  }

  @Test
  void closestReturnsAllWhenAskedForMoreAndNoneForZero() {
    RoutingTable table = new RoutingTable(self);
    table.offer(anywhere());
    table.offer(anywhere());

    assertEquals(2, table.closest(NodeId.random(random), 10).size());
    assertTrue(table.closest(NodeId.random(random), 0).isEmpty());
    assertThrows(IllegalArgumentException.class, () -> table.closest(self, -1));
  }

  private static NodeId flipLastBit(NodeId id) {
    return new NodeId(id.w0(), id.w1(), id.w2(), id.w3() ^ 1);
  }
}
