package org.oversky.dht.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.URI;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.oversky.dht.id.NodeId;
import org.oversky.dht.routing.Contact;
import org.oversky.dht.rpc.NodeIdentity;
import org.oversky.dht.rpc.ProviderInfo;
import org.oversky.dht.rpc.Request;
import org.oversky.dht.rpc.Response;
import org.oversky.dht.rpc.RpcRejectedException;
import org.oversky.dht.rpc.SignedRecord;
import org.oversky.dht.sim.SimNetwork;

/** A DHT node's protocol behaviour, on small simulated networks running the real node code. */
class DhtNodeTest {
  private final SimNetwork net = new SimNetwork(7);
  // The simulated network runs on real threads: on a loaded two-core machine a 500 ms RPC time-out
  // expired now and then, and a lookup missed one of the true closest (seen in a CI run). No test
  // here waits for a time-out to expire, so generous ones cost nothing.
  private final DhtConfig config = DhtConfig.defaults().withTimeouts(Duration.ofSeconds(3), Duration.ofSeconds(6), Duration.ofSeconds(30));

  @AfterEach
  void close() {
    net.close();
  }

  /**
   * {@code size} nodes, each joined through the first; each join's ping-backs end before the next
   * (they fill the tables after the join returns: a test that went on at once raced them).
   */
  private List<DhtNode> network(int size) {
    List<DhtNode> nodes = new ArrayList<>();
    nodes.add(net.addNode(config));
    for (int i = 1; i < size; i++) {
      DhtNode n = net.addNode(config);
      n.join(nodes.get(0).baseUrl()).join();
      try {
        assertTrue(net.awaitQuiet(Duration.ofSeconds(30)), "the join's ping-backs end");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
      nodes.add(n);
    }
    return nodes;
  }

  @Test
  void findNodeConvergesOnTheTrueClosestNodes() throws InterruptedException {
    // Each join in a second of its own: a node pings back at most 50 strangers a second, so on a
    // clock the machine's speed sets, a fast build left some nodes out of the tables (a flaky test).
    java.util.concurrent.atomic.AtomicLong millis = new java.util.concurrent.atomic.AtomicLong(1_700_000_000_000L);
    java.time.Clock clock = new java.time.Clock() {
      @Override
      public java.time.ZoneId getZone() {
        return java.time.ZoneOffset.UTC;
      }

      @Override
      public java.time.Clock withZone(java.time.ZoneId zone) {
        return this;
      }

      @Override
      public java.time.Instant instant() {
        return java.time.Instant.ofEpochMilli(millis.get());
      }
    };
    List<DhtNode> nodes = new ArrayList<>();
    nodes.add(net.addNode(config, clock));
    for (int i = 1; i < 120; i++) {
      DhtNode n = net.addNode(config, clock);
      n.join(nodes.get(0).baseUrl()).join();
      assertTrue(net.awaitQuiet(Duration.ofSeconds(30)), "the join's ping-backs end");
      millis.addAndGet(1_000);
      nodes.add(n);
    }
    SplittableRandom random = new SplittableRandom(3);
    for (int i = 0; i < 10; i++) {
      NodeId target = NodeId.random(random);
      DhtNode from = nodes.get(random.nextInt(nodes.size()));
      LookupResult r = from.findNode(target).join();
      List<NodeId> truth = nodes.stream().map(DhtNode::id).filter(id -> !id.equals(from.id()))
          .sorted(target.closestFirst()).limit(config.k()).toList();
      assertEquals(truth, r.closest().stream().map(Contact::id).toList(), "lookup " + i);
      assertTrue(r.hops() >= 1 && r.messages() >= config.k(), r.toString());
    }
  }

  @Test
  void aNodeJoinsTheTablesOfOthersOnlyAfterAnsweringThem() {
    DhtNode a = net.addNode(config);
    DhtNode b = net.addNode(config);
    b.join(a.baseUrl()).join();
    assertTrue(b.table().get(a.id()).isPresent(), "a answered b's ping");
    // a learns b from b's requests, through a ping back that b answers.
    awaitContact(a, b.id());
    DhtNode silent = net.addNode(config);
    net.silence(silent); // it still sends, but answers nothing: a's ping back goes unanswered
    silent.ping(a.baseUrl()).join();
    DhtNode c = net.addNode(config);
    c.join(a.baseUrl()).join();
    awaitContact(a, c.id());
    assertFalse(a.table().get(silent.id()).isPresent(), "a node that never answered a's requests stays out");
  }

  @Test
  void providersAreFoundFromAnyNodeAndNotAfterUnprovideAndExpiry() {
    List<DhtNode> nodes = network(40);
    NodeId key = NodeId.random(new SplittableRandom(5));
    int stored = nodes.get(3).provide(key).join();
    assertTrue(stored >= config.k(), "stored at the k closest (and the provider itself when it is one): " + stored);
    for (int i = 0; i < nodes.size(); i += 7) {
      if (i == 3) {
        continue;
      }
      LookupResult r = nodes.get(i).findProviders(key, 1).join();
      assertEquals(List.of(nodes.get(3).id()), r.providers().stream().map(p -> p.providerId()).toList());
    }
    assertTrue(nodes.get(3).provides(key));
    nodes.get(3).unprovide(key);
    assertFalse(nodes.get(3).provides(key));
  }

  @Test
  void signedRecordsAreStoredAtTheClosestAndFoundWithTheLatestExpiry() throws Exception {
    List<DhtNode> nodes = network(30);
    var publisher = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    NodeId key = NodeId.random(new SplittableRandom(9));
    long now = System.currentTimeMillis();
    SignedRecord first = SignedRecord.sign(key, new byte[] {1}, now + 60_000, publisher);
    SignedRecord later = SignedRecord.sign(key, new byte[] {2}, now + 120_000, publisher);
    // Both versions from one publisher to the same k closest: a lookup stops at the first record
    // it finds, so a node that held only the first version (one put's lookup reached it and the
    // other's did not, or a second publisher that was itself among the closest) could answer first.
    DhtNode publishing = nodes.get(1);
    List<Contact> closest = publishing.findNode(key).join().closest();
    int firstAt = publishing.putRecord(first, closest).join();
    assertTrue(firstAt >= config.k(), "stored at " + firstAt);
    int laterAt = publishing.putRecord(later, closest).join();
    assertTrue(laterAt >= config.k(), "stored at " + laterAt);
    LookupResult r = nodes.get(20).findRecord(key, rec -> true).join();
    assertEquals(Optional.of(later), r.record());
    LookupResult refused = nodes.get(20).findRecord(key, rec -> false).join();
    assertEquals(Optional.empty(), refused.record(), "a record the caller does not accept is not returned");
  }

  @Test
  void inANetworkSmallerThanKAPublicationGoesStraightToEveryNode() throws Exception {
    List<DhtNode> nodes = network(6);
    DhtNode publisher = nodes.get(3);
    publisher.findNode(publisher.id()).join(); // a complete node lookup: 5 others, fewer than k
    var keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    NodeId key = NodeId.random(new SplittableRandom(11));
    SignedRecord record = SignedRecord.sign(key, new byte[] {1}, System.currentTimeMillis() + 60_000, keys);
    long sentBefore = publisher.stats().rpcSent();

    int storedAt = publisher.putRecord(record).join();

    assertEquals(6, storedAt, "every node holds it, the publisher too");
    assertEquals(config.k(), publisher.searchAlpha(), "a provider lookup asks every node at once");
    assertEquals(5, publisher.stats().rpcSent() - sentBefore, "one put_record per other node, no find_node");
    assertEquals(1, publisher.stats().lookupsSkipped());
    for (DhtNode n : nodes) {
      LookupResult found = n.findRecord(key, r -> true).join();
      assertEquals(Optional.of(record), found.record());
      assertEquals(0, found.messages(), "every node holds it: the lookup ends at its own store");
    }

    // A hint of fewer nodes (a lookup that asked only some) does not narrow a publication there.
    SignedRecord later = SignedRecord.sign(key, new byte[] {2}, System.currentTimeMillis() + 90_000, keys);
    List<Contact> one = publisher.table().closest(key, 1);
    assertEquals(6, publisher.putRecord(later, one).join(), "still every node");
  }

  @Test
  void aNodesRecordsForOneKeyArriveInTheOrderItPutThem() throws Exception {
    List<DhtNode> nodes = network(6);
    DhtNode publisher = nodes.get(1);
    publisher.findNode(publisher.id()).join();
    net.setConditions(new SimNetwork.Conditions(Duration.ZERO, Duration.ofMillis(40), 0));
    var keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    SplittableRandom random = new SplittableRandom(24);
    long now = System.currentTimeMillis();
    List<SignedRecord> later = new ArrayList<>();
    List<CompletableFuture<Integer>> puts = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      NodeId key = NodeId.random(random);
      // A short-lived marker, then at once the record that replaces it: on a network whose
      // messages take 0 to 40 ms each, the second would often overtake the first.
      puts.add(publisher.putRecord(SignedRecord.sign(key, new byte[] {0}, now + 10_000, keys)));
      SignedRecord record = SignedRecord.sign(key, new byte[] {1}, now + 60_000, keys);
      later.add(record);
      puts.add(publisher.putRecord(record));
    }
    for (CompletableFuture<Integer> p : puts) {
      assertEquals(6, p.join(), "every put stored at every node");
    }
    assertEquals(0, nodes.stream().mapToLong(n -> n.stats().rpcRejected()).sum(), "none refused as not newer");
    net.setConditions(SimNetwork.Conditions.instant());
    for (SignedRecord record : later) {
      assertEquals(Optional.of(record), nodes.get(4).findRecord(record.key(), r -> true).join().record());
    }
  }

  @Test
  void inANetworkSmallerThanKAMarkerGoesWhereLookupsAskAndWaitingReadsOnlyTheOwnStore() throws Exception {
    List<DhtNode> nodes = network(8);
    for (DhtNode n : nodes) {
      n.findNode(n.id()).join();
    }
    DhtNode publisher = nodes.get(2);
    var keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    NodeId key = NodeId.random(new SplittableRandom(25));
    SignedRecord marker = SignedRecord.sign(key, new byte[] {0}, System.currentTimeMillis() + 10_000, keys);
    long sentBefore = publisher.stats().rpcSent();

    publisher.putRecordNear(marker, null).join();

    assertEquals(DhtNode.WHOLE_NETWORK_ASKED, publisher.stats().rpcSent() - sentBefore, "to the two closest, not to all 7");
    for (DhtNode n : nodes) {
      LookupResult r = n.findRecord(key, x -> true).join();
      assertEquals(Optional.of(marker), r.record(), "every node's lookup finds it");
      assertTrue(r.messages() <= DhtNode.WHOLE_NETWORK_ASKED, r.toString());
    }

    // Waiting for the record that replaces it: a look again reads this node's store, no message.
    DhtNode waiter = nodes.stream().filter(n -> n != publisher && n.recheckRecord(key, x -> true).join().record().isEmpty())
        .findFirst().orElseThrow();
    long waiterSent = waiter.stats().rpcSent();
    assertEquals(Optional.empty(), waiter.recheckRecord(key, x -> true).join().record());
    SignedRecord record = SignedRecord.sign(key, new byte[] {1}, System.currentTimeMillis() + 60_000, keys);
    assertEquals(8, publisher.putRecord(record).join(), "the record goes to every node");
    assertEquals(Optional.of(record), waiter.recheckRecord(key, x -> true).join().record());
    assertEquals(waiterSent, waiter.stats().rpcSent());
  }

  @Test
  void inANetworkSmallerThanKARecordLookupAsksTwoNodesAtMost() throws Exception {
    List<DhtNode> nodes = network(8);
    DhtNode searcher = nodes.get(4);
    searcher.findNode(searcher.id()).join();
    NodeId absent = NodeId.random(new SplittableRandom(21));

    LookupResult miss = searcher.findRecord(absent, r -> true).join();

    assertEquals(Optional.empty(), miss.record());
    assertTrue(miss.messages() <= DhtNode.WHOLE_NETWORK_ASKED && miss.messages() >= 1, miss.toString());
    assertFalse(miss.timedOut());

    // A put this node missed (it went to every other node) is found from the first other to answer.
    var keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    NodeId key = NodeId.random(new SplittableRandom(22));
    SignedRecord record = SignedRecord.sign(key, new byte[] {3}, System.currentTimeMillis() + 60_000, keys);
    NodeIdentity other = NodeIdentity.generate(URI.create("http://10.9.9.8:8080"));
    for (DhtNode n : nodes) {
      if (n != searcher) {
        n.handle(other.sender(), InetAddress.getByName("10.9.9.8"), new Request.PutRecord(record));
      }
    }
    LookupResult hit = searcher.findRecord(key, r -> true).join();
    assertEquals(Optional.of(record), hit.record());
    assertTrue(hit.messages() <= DhtNode.WHOLE_NETWORK_ASKED, hit.toString());
  }

  @Test
  void manyKeysAreAnnouncedInOneMessagePerNode() {
    List<DhtNode> nodes = network(6);
    DhtNode provider = nodes.get(2);
    provider.findNode(provider.id()).join();
    List<NodeId> keys = new ArrayList<>();
    SplittableRandom random = new SplittableRandom(13);
    for (int i = 0; i < 40; i++) {
      keys.add(NodeId.random(random));
    }
    long sentBefore = provider.stats().rpcSent();

    int stored = provider.provideAll(keys).join();

    assertEquals(6 * keys.size(), stored, "each key at every node, the provider too");
    assertEquals(5, provider.stats().rpcSent() - sentBefore, "one add_providers message per other node");
    for (NodeId key : keys) {
      assertTrue(provider.provides(key));
      assertEquals(provider.id(), nodes.get(5).findProviders(key, 1).join().providers().get(0).providerId());
    }
  }

  @Test
  void inANetworkOfKOrMoreAPublicationLooksTheClosestUp() throws Exception {
    List<DhtNode> nodes = network(config.k() + 5);
    DhtNode publisher = nodes.get(3);
    publisher.findNode(publisher.id()).join();
    var keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    SignedRecord record =
        SignedRecord.sign(NodeId.random(new SplittableRandom(12)), new byte[] {1}, System.currentTimeMillis() + 60_000, keys);
    long sentBefore = publisher.stats().rpcSent();

    publisher.putRecord(record).join();

    assertTrue(publisher.stats().rpcSent() - sentBefore > config.k(), "a lookup, then k put_record");
    assertEquals(0, publisher.stats().lookupsSkipped());
    assertEquals(config.alpha(), publisher.searchAlpha(), "record lookups keep α requests in flight");
    // A marker for a key whose closest nodes a recent lookup found goes there, with no lookup.
    List<Contact> known = publisher.table().closest(record.key(), 5);
    long beforeMarker = publisher.stats().rpcSent();
    publisher.putRecordNear(SignedRecord.sign(record.key(), new byte[] {2}, System.currentTimeMillis() + 90_000, keys), known).join();
    assertEquals(5, publisher.stats().rpcSent() - beforeMarker);
    NodeId absent = NodeId.random(new SplittableRandom(23));
    LookupResult miss = nodes.get(7).findRecord(absent, r -> true).join();
    assertTrue(miss.messages() >= config.k(), "a miss asks the k closest: " + miss);
  }

  @Test
  void aNodeThatJoinsIsHandedTheRecordsOfTheKeysItIsNowAmongTheClosestTo() throws Exception {
    List<DhtNode> nodes = network(25);
    SplittableRandom random = new SplittableRandom(11);
    List<NodeId> keys = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      NodeId key = NodeId.random(random);
      keys.add(key);
      nodes.get(random.nextInt(nodes.size())).provide(key).join();
    }
    var publisher = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    SignedRecord signed = SignedRecord.sign(keys.get(0), new byte[] {7}, System.currentTimeMillis() + 600_000, publisher);
    nodes.get(1).putRecord(signed).join();
    assertTrue(net.awaitQuiet(Duration.ofSeconds(30)));
    List<DhtNode> all = new ArrayList<>(nodes);
    List<DhtNode> newcomers = new ArrayList<>();
    for (int i = 0; i < 15; i++) { // no republish runs: only a hand-over can give them records
      DhtNode n = net.addNode(config);
      n.join(nodes.get(i).baseUrl()).join();
      assertTrue(net.awaitQuiet(Duration.ofSeconds(30)));
      newcomers.add(n);
      all.add(n);
    }
    int should = 0;
    int hold = 0;
    for (NodeId key : keys) {
      List<DhtNode> closest = all.stream().sorted((a, b) -> key.compareDistance(a.id(), b.id())).limit(config.k()).toList();
      for (DhtNode n : closest) {
        if (newcomers.contains(n)) {
          should++;
          Response.Providers p = (Response.Providers) n.handle(ASKER.sender(), InetAddress.getByName("10.9.9.9"), new Request.GetProviders(key));
          if (!p.providers().isEmpty()) {
            hold++;
          }
        }
      }
    }
    assertTrue(should > 100, "the newcomers are among the closest of many keys: " + should);
    assertTrue(hold >= should * 0.95, "a newcomer among the k closest to a key holds its provider record: " + hold + " of " + should);
    long handed = newcomers.stream().mapToLong(n -> n.handOvers()[1]).sum();
    assertTrue(handed >= hold, "taken from hand-overs: " + handed);
    DhtNode nearest = all.stream().min((a, b) -> keys.get(0).compareDistance(a.id(), b.id())).orElseThrow();
    if (newcomers.contains(nearest)) {
      Response.RecordReply r = (Response.RecordReply) nearest.handle(ASKER.sender(), InetAddress.getByName("10.9.9.9"),
          new Request.GetRecord(keys.get(0)));
      assertEquals(Optional.of(signed), r.record(), "signed records are handed over too");
    }
  }

  @Test
  void announcementsInOnePartOfTheKeySpaceWithinAMinuteShareOneNodeLookup() throws Exception {
    List<DhtNode> nodes = network(config.k() + 10);
    DhtNode a = nodes.get(4);
    int bits = a.groupBits();
    assertTrue(bits > 0, "more than k nodes: announcements go in groups");
    NodeId first = NodeId.random(new SplittableRandom(31));
    NodeId second = first.xor(new NodeId(0, 0, 0, 12345)); // the same first bits: the same group
    long before = a.announcementLookups();
    assertTrue(a.provideAll(List.of(first)).join() >= config.k());
    // one lookup of the group's middle, or more when this node's table, still filling after the
    // joins, judged the group too wide and the lookup split it (a run under load did)
    long lookups = a.announcementLookups();
    assertTrue(lookups >= before + 1, "the first announcement looks its group up");
    assertTrue(net.awaitQuiet(Duration.ofSeconds(30)));
    long findNodes = nodes.stream().mapToLong(n -> n.receivedByRpc().get("find_node")).sum();
    int stored = a.provideAll(List.of(second)).join();
    assertTrue(stored >= config.k(), "stored at the k closest: " + stored);
    assertTrue(net.awaitQuiet(Duration.ofSeconds(30)));
    assertEquals(lookups, a.announcementLookups(), "the second, a moment later in the same group, does not");
    assertEquals(findNodes, nodes.stream().mapToLong(n -> n.receivedByRpc().get("find_node")).sum(), "no find_node sent for it");
    LookupResult r = nodes.get(17).findProviders(second, 1).join();
    assertEquals(List.of(a.id()), r.providers().stream().map(p -> p.providerId()).toList(), "and it is found");
  }

  @Test
  void askRecordAsksOneNodeThenTheNextWhenItHasNoRecordOrIsSilent() throws Exception {
    List<DhtNode> nodes = network(5);
    var keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    NodeId key = NodeId.random(new SplittableRandom(21));
    SignedRecord record = SignedRecord.sign(key, new byte[] {5}, System.currentTimeMillis() + 60_000, keys);
    DhtNode asker = nodes.get(0);
    DhtNode holder = nodes.get(1);
    DhtNode empty = nodes.get(2);
    DhtNode silent = nodes.get(3);
    assertEquals(1, holder.putRecordTo(record, List.of(), true).join(), "stored at the holder only");
    Duration hedge = Duration.ofMillis(300);

    LookupResult one = asker.askRecord(key, List.of(holder.baseUrl(), empty.baseUrl()), hedge, r -> true).join();
    assertEquals(Optional.of(record), one.record());
    assertEquals(1, one.messages(), "the first node had it: the second was not asked");

    LookupResult next = asker.askRecord(key, List.of(empty.baseUrl(), holder.baseUrl()), hedge, r -> true).join();
    assertEquals(Optional.of(record), next.record(), "the first had none: the second was asked");
    assertEquals(2, next.messages());

    net.silence(silent);
    LookupResult hedged = asker.askRecord(key, List.of(silent.baseUrl(), holder.baseUrl()), hedge, r -> true).join();
    assertEquals(Optional.of(record), hedged.record(), "the first never answers: the second was asked after the hedge delay");
    assertTrue(hedged.millis() < asker.config().maxRpcTimeout().toMillis(), "not after a time-out: " + hedged);

    LookupResult none = asker.askRecord(key, List.of(empty.baseUrl(), nodes.get(4).baseUrl()), hedge, r -> true).join();
    assertEquals(Optional.empty(), none.record(), "neither holds it");
    assertEquals(2, none.messages());
  }

  @Test
  void aClaimIsStoredByTheFirstNodeAskedThatHoldsNoRecordAndAnsweredToTheNextClaimant() throws Exception {
    List<DhtNode> nodes = network(4);
    NodeId key = NodeId.random(new SplittableRandom(22));
    long expires = System.currentTimeMillis() + 10_000;
    var keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    SignedRecord mine = SignedRecord.sign(key, new byte[] {1}, expires, keys);
    SignedRecord theirs = SignedRecord.sign(key, new byte[] {2}, expires, keys);
    DhtNode holder = nodes.get(2);
    Duration hedge = Duration.ofMillis(300);

    LookupResult first = nodes.get(0).askRecord(key, List.of(holder.baseUrl()), hedge, r -> true, Optional.of(mine)).join();
    assertEquals(Optional.of(mine), first.record(), "the holder had none: it stored the claim and answered with it");
    assertEquals(Optional.of(mine), holder.heldRecord(key, r -> true));
    LookupResult second = nodes.get(1).askRecord(key, List.of(holder.baseUrl()), hedge, r -> true, Optional.of(theirs)).join();
    assertEquals(Optional.of(mine), second.record(), "the first claim stays: the second claimant learns who fetches");
    assertEquals(Optional.of(mine), holder.claimHere(theirs, r -> true), "a claim in the own store is the same step");

    NodeId other = NodeId.random(new SplittableRandom(23));
    SignedRecord forged = new SignedRecord(other, new byte[] {3}, expires, keys.getPublic(), new byte[64]);
    LookupResult refused = nodes.get(3).askRecord(other, List.of(holder.baseUrl()), hedge, r -> true, Optional.of(forged)).join();
    assertEquals(Optional.empty(), refused.record(), "a claim whose signature does not verify is not stored");
    assertEquals(Optional.empty(), holder.heldRecord(other, r -> true));

    // claimAt: where the key has a record, the claim is kept out, and nothing is refused
    NodeId third = NodeId.random(new SplittableRandom(24));
    SignedRecord record = SignedRecord.sign(third, new byte[] {9}, System.currentTimeMillis() + 60_000, keys);
    assertEquals(1, holder.putRecordTo(record, List.of(), true).join());
    SignedRecord late = SignedRecord.sign(third, new byte[] {8}, expires, keys);
    long refusedBefore = holder.stats().rpcRejected();
    assertEquals(1, nodes.get(0).claimAt(late, List.of(holder.baseUrl(), nodes.get(3).baseUrl()), false).join(),
        "held where the key had no record only");
    assertEquals(refusedBefore, holder.stats().rpcRejected(), "a put of the claim would have been refused as not newer");
    assertEquals(Optional.of(record), holder.heldRecord(third, r -> true));
    assertEquals(Optional.of(late), nodes.get(3).heldRecord(third, r -> true));
  }

  @Test
  void aContactDroppedAfterFailuresAndAddedAgainIsNotHandedEverythingAgain() throws Exception {
    List<DhtNode> nodes = network(25);
    DhtNode b = nodes.get(5);
    // keys next to b's id, provided by another node: the nodes that hold them hand them to b
    for (int i = 1; i <= 20; i++) {
      nodes.get(9).provide(b.id().xor(new NodeId(0, 0, 0, i))).join();
    }
    assertTrue(net.awaitQuiet(Duration.ofSeconds(30)));
    DhtNode a = nodes.stream()
        .filter(n -> n != b && n != nodes.get(9) && n.table().get(b.id()).isPresent() && n.stats().providerRecords() > 0)
        .findFirst().orElseThrow();
    net.silence(b);
    for (int i = 0; i < config.maxFailures() && a.table().get(b.id()).isPresent(); i++) {
      assertTrue(a.call(b.baseUrl(), new Request.Ping(), b.id()).handle((c, e) -> e != null).join(), "b does not answer");
    }
    assertFalse(a.table().get(b.id()).isPresent(), "a dropped b after " + config.maxFailures() + " failures");
    long handedBefore = a.handOvers()[0];
    net.speak(b);
    a.ping(b.baseUrl()).join();
    assertTrue(net.awaitQuiet(Duration.ofSeconds(30)));
    assertTrue(a.table().get(b.id()).isPresent(), "b is back in a's table");
    assertEquals(handedBefore, a.handOvers()[0], "b was known to a within the refresh interval: what it should hold reached it then");
  }

  @Test
  void aHandOverIsHearsayTakenOnlyForKnownOrAnsweringProvidersAndKeysNearTheReceiver() throws Exception {
    List<DhtNode> nodes = network(3);
    DhtNode receiver = nodes.get(0);
    DhtNode provider = nodes.get(1);
    NodeIdentity stranger = NodeIdentity.generate(URI.create("http://10.9.9.9:8080"));
    InetAddress from = InetAddress.getByName("10.9.9.9");
    long later = System.currentTimeMillis() + 600_000;
    NodeId key = NodeId.random(new SplittableRandom(3)); // a network of 3: every node is among the closest
    NodeId ghost = NodeId.random(new SplittableRandom(4));
    Request.HandOver h = new Request.HandOver(List.of(
        new Request.HandOver.Entry(key, new ProviderInfo(provider.id(), provider.baseUrl(), later)), // known at that URL
        new Request.HandOver.Entry(key, new ProviderInfo(ghost, URI.create("http://10.7.7.7:8080"), later)), // nobody answers there
        new Request.HandOver.Entry(key, new ProviderInfo(nodes.get(2).id(), URI.create("http://10.7.7.8:8080"), later)), // a known id, elsewhere
        new Request.HandOver.Entry(key, new ProviderInfo(stranger.sender().id(), stranger.baseUrl(), System.currentTimeMillis() - 1)))); // expired
    Response.HandedOver taken = (Response.HandedOver) receiver.handle(stranger.sender(), from, h);
    assertEquals(3, taken.taken(), "the known one, and two kept until their provider answers a ping");
    assertTrue(net.awaitQuiet(Duration.ofSeconds(30)));
    Response.Providers p = (Response.Providers) receiver.handle(stranger.sender(), from, new Request.GetProviders(key));
    assertEquals(List.of(provider.id()), p.providers().stream().map(ProviderInfo::providerId).toList(),
        "only the provider the receiver knows at that URL: no ping answered for the others");
  }

  /** A node outside the network that asks what a node holds. */
  private static final NodeIdentity ASKER = NodeIdentity.generate(URI.create("http://10.9.9.9:8080"));

  @Test
  void handleRefusesAnnouncementsForOthersAndRecordsOutsideTheLifetime() throws Exception {
    DhtNode node = net.addNode(config);
    NodeIdentity other = NodeIdentity.generate(URI.create("http://10.9.9.9:8080"));
    InetAddress from = InetAddress.getByName("10.9.9.9");
    NodeId key = NodeId.random(new SplittableRandom(1));
    long now = System.currentTimeMillis();
    RpcRejectedException mismatch = assertThrows(RpcRejectedException.class, () ->
        node.handle(other.sender(), from, new Request.AddProvider(key, URI.create("http://10.1.1.1:8080"), now + 1000)));
    assertEquals(RpcRejectedException.Reason.PROVIDER_MISMATCH, mismatch.reason());
    assertEquals(RpcRejectedException.Reason.RECORD_EXPIRED, assertThrows(RpcRejectedException.class, () ->
        node.handle(other.sender(), from, new Request.AddProvider(key, other.baseUrl(), now - 1))).reason());

    // An announcement far in the future is kept only for the provider lifetime.
    node.handle(other.sender(), from, new Request.AddProvider(key, other.baseUrl(), now + Duration.ofDays(365).toMillis()));
    Response.Providers p = (Response.Providers) node.handle(other.sender(), from, new Request.GetProviders(key));
    assertTrue(p.providers().get(0).expiresAt() <= System.currentTimeMillis() + config.providerTtl().toMillis());

    var publisher = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    SignedRecord tooLong = SignedRecord.sign(key, new byte[] {1}, now + Duration.ofDays(30).toMillis(), publisher);
    assertEquals(RpcRejectedException.Reason.RECORD_TOO_LONG, assertThrows(RpcRejectedException.class, () ->
        node.handle(other.sender(), from, new Request.PutRecord(tooLong))).reason());
    SignedRecord ok = SignedRecord.sign(key, new byte[] {1}, now + 60_000, publisher);
    node.handle(other.sender(), from, new Request.PutRecord(ok));
    SignedRecord older = SignedRecord.sign(key, new byte[] {2}, now + 30_000, publisher);
    assertEquals(RpcRejectedException.Reason.RECORD_NOT_NEWER, assertThrows(RpcRejectedException.class, () ->
        node.handle(other.sender(), from, new Request.PutRecord(older))).reason());
    SignedRecord elsewhere = SignedRecord.sign(NodeId.random(new SplittableRandom(2)), new byte[] {3}, now + 10_000, publisher);
    assertEquals(RpcRejectedException.Reason.BAD_FIELD, assertThrows(RpcRejectedException.class, () ->
        node.handle(other.sender(), from, new Request.GetRecord(key, Optional.of(elsewhere)))).reason(),
        "a claim is a record under the key asked for");
    assertEquals(Optional.empty(), node.heldRecord(elsewhere.key(), r -> true));
    assertEquals(5, node.stats().rpcRejected());
  }

  @Test
  void maintenanceRepublishesProvidedKeysAndDropsExpiredRecords() throws InterruptedException {
    DhtConfig fast = config.withIntervals(Duration.ofMillis(600), Duration.ofMillis(200), Duration.ofHours(1));
    List<DhtNode> nodes = new ArrayList<>();
    nodes.add(net.addNode(fast));
    for (int i = 1; i < 6; i++) {
      DhtNode n = net.addNode(fast);
      n.join(nodes.get(0).baseUrl()).join();
      nodes.add(n);
    }
    NodeId kept = NodeId.random(new SplittableRandom(2));
    NodeId dropped = NodeId.random(new SplittableRandom(4));
    nodes.get(1).provide(kept).join();
    nodes.get(1).provide(dropped).join();
    nodes.get(1).unprovide(dropped);
    long until = System.currentTimeMillis() + 1_500; // more than two provider lifetimes
    while (System.currentTimeMillis() < until) {
      CompletableFuture.allOf(nodes.stream().map(DhtNode::maintain).toArray(CompletableFuture[]::new)).join();
      Thread.sleep(20); // the cadence of a maintenance scheduler, not a wait for a result
    }
    assertEquals(1, nodes.get(4).findProviders(kept, 1).join().providers().size(), "republished");
    assertTrue(nodes.get(4).findProviders(dropped, 1).join().providers().isEmpty(), "expired");
  }

  @Test
  void aFloodOfUnknownRequestersGetsABoundedNumberOfPingBacks() throws Exception {
    // A clock that stands still: the whole flood falls in one second, however slow the machine.
    java.time.Clock still = java.time.Clock.fixed(java.time.Instant.parse("2026-12-02T12:00:00.500Z"), java.time.ZoneOffset.UTC);
    DhtNode node = net.addNode(config, still);
    InetAddress from = InetAddress.getByName("10.9.9.9");
    long before = node.stats().rpcSent();
    for (int i = 0; i < 500; i++) {
      NodeIdentity stranger = NodeIdentity.generate(URI.create("http://10.9." + (i / 250) + "." + (i % 250) + ":8080"));
      node.handle(stranger.sender(), from, new Request.Ping());
    }
    long sent = node.stats().rpcSent() - before;
    assertEquals(DhtNode.MAX_PING_BACKS_PER_SECOND, sent, "ping-backs sent in one second of 500 strangers");
  }

  @Test
  void restoredContactsAreInTheTableAtOnce() {
    List<DhtNode> nodes = network(5);
    List<Contact> saved = nodes.get(2).contacts();
    DhtNode fresh = net.addNode(config);
    fresh.restore(saved);
    assertEquals(saved.stream().map(Contact::id).sorted().toList(),
        fresh.table().contacts().stream().map(Contact::id).sorted(Comparator.naturalOrder()).toList());
  }

  @Test
  void randomIdsInABucketShareExactlyItsPrefix() {
    DhtNode node = net.addNode(config);
    for (int prefix = 0; prefix < 40; prefix++) {
      assertEquals(prefix, node.id().commonPrefixLength(node.randomIdInBucket(prefix)));
    }
  }

  private static void awaitContact(DhtNode node, NodeId id) {
    long deadline = System.currentTimeMillis() + 5_000;
    while (node.table().get(id).isEmpty()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError(node + " never added " + id);
      }
      Thread.onSpinWait(); // polling the table, which a ping-back fills in the background
    }
  }
}
