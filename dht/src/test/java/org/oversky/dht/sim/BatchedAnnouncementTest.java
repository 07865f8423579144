package org.oversky.dht.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.oversky.dht.id.NodeId;
import org.oversky.dht.node.DhtConfig;
import org.oversky.dht.node.DhtNode;

/**
 * A node with many keys announces and republishes them in one node lookup per part of the key
 * space, not one per key, and every key still reaches its closest nodes: 300 real nodes on
 * simulated time.
 */
class BatchedAnnouncementTest {
  private static final long HOUR = 3_600_000;

  private final DhtConfig config =
      ChurnSimulation.simConfig().withIntervals(Duration.ofHours(48), Duration.ofHours(1), Duration.ofHours(1));

  /** 300 honest nodes, each joined through the first, half a second apart. */
  private List<DhtNode> network(VirtualNetwork net) {
    List<DhtNode> nodes = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      DhtNode n = net.addNode(config, VirtualNetwork.Behaviour.HONEST);
      if (!nodes.isEmpty()) {
        n.join(nodes.get(0).baseUrl());
      }
      nodes.add(n);
      net.runUntil(net.now() + 500);
    }
    net.runUntil(net.now() + 60_000);
    return nodes;
  }

  /** A new node whose table holds only k nodes of the other half of the key space. */
  private DhtNode knowingOnlyFarNodes(VirtualNetwork net, List<DhtNode> nodes) throws Exception {
    DhtNode node = net.addNode(config, VirtualNetwork.Behaviour.HONEST);
    List<org.oversky.dht.routing.Contact> far = new ArrayList<>();
    for (DhtNode n : nodes) {
      if (far.size() < config.k() && n.id().commonPrefixLength(node.id()) == 0) {
        far.add(new org.oversky.dht.routing.Contact(
            n.id(), n.baseUrl(), java.net.InetAddress.getByName(n.baseUrl().getHost()), net.now(), 100));
      }
    }
    node.restore(far);
    return node;
  }

  @Test
  void manyKeysCostOneLookupPerGroupAndAreFoundAfterARepublish() {
    VirtualNetwork net = new VirtualNetwork(1_000_000, 9);
    List<DhtNode> nodes = network(net);
    DhtNode provider = nodes.get(7);
    SplittableRandom random = new SplittableRandom(2);
    List<NodeId> keys = new ArrayList<>();
    for (int i = 0; i < 3_000; i++) {
      keys.add(NodeId.random(random));
    }
    long lookupsBefore = provider.announcementLookups();
    int[] stored = {-1};
    provider.provideAll(keys).thenAccept(n -> stored[0] = n);
    net.runUntil(net.now() + 60_000);
    long lookups = provider.announcementLookups() - lookupsBefore;
    assertTrue(lookups <= 128, "300 nodes, k = 20: a few dozen parts of the key space, not 3,000 lookups: " + lookups);
    assertTrue(stored[0] >= keys.size() * 15, "nearly every key at its 20 closest nodes: " + stored[0]);

    // an hour later every key is due again: a few maintenance rounds republish them all, in groups
    long start = net.now();
    for (long t = start + HOUR; t <= start + HOUR + 10 * 60_000; t += 30_000) {
      net.runUntil(t);
      provider.maintain();
    }
    net.runUntil(net.now() + 60_000);
    long republishLookups = provider.announcementLookups() - lookupsBefore - lookups;
    assertTrue(republishLookups >= 1 && republishLookups <= 128, "the republish goes by groups too: " + republishLookups);
    System.out.printf("batched announcements: 3,000 keys on 300 nodes: %d node lookups to announce (%d key-node records stored), %d to republish%n",
        lookups, stored[0], republishLookups);

    int found = 0;
    for (int i = 0; i < 100; i++) {
      NodeId key = keys.get(i * 30);
      DhtNode asker = nodes.get(100 + i);
      boolean[] ok = {false};
      asker.findProviders(key, 1).thenAccept(r -> ok[0] = r.providers().stream().anyMatch(p -> p.providerId().equals(provider.id())));
      net.runUntil(net.now() + 15_000);
      found += ok[0] ? 1 : 0;
    }
    assertEquals(100, found, "every key is found from other nodes");
  }

  /**
   * A node whose table knows only far nodes (as one that has just joined through a far node)
   * judges the parts of the key space far too wide: the nodes around a part's middle are not the
   * closest to most of its keys. The lookup of the middle shows it, and the part is split and
   * looked up again: every key reaches its own closest nodes. Before, most keys' records landed
   * on nodes around the middle of a quarter of the key space.
   */
  @Test
  void aNodeThatKnowsOnlyFarNodesStillPlacesEveryKeyAtItsClosest() throws Exception {
    VirtualNetwork net = new VirtualNetwork(1_000_000, 10);
    List<DhtNode> nodes = network(net);
    DhtNode provider = knowingOnlyFarNodes(net, nodes);
    SplittableRandom random = new SplittableRandom(3);
    List<NodeId> keys = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      keys.add(NodeId.random(random));
    }
    provider.provideAll(keys);
    net.runUntil(net.now() + 60_000);
    // before the split, 128 of the 200 keys were on fewer than half of their closest (113 on none);
    // after it, every key on 14 or more of 20, most on 18 or more (as from a node that knows its neighbours)
    int badlyPlaced = 0;
    for (NodeId key : keys) {
      long held = nodes.stream().sorted((a, b) -> key.compareDistance(a.id(), b.id())).limit(config.k())
          .filter(n -> net.holds(n, key, provider.id())).count();
      badlyPlaced += held >= config.k() / 2 ? 0 : 1;
    }
    assertEquals(0, badlyPlaced, "keys whose record is on fewer than half of their 20 closest nodes");
  }

  /**
   * The same for a node that announces keys one at a time, each alone in its part of the key
   * space (as a node that has just joined, with two keys): the lone key's part is checked and
   * split as a group's is. Before, a lone key was placed at the nodes around its part's middle
   * whatever the lookup showed: in a churn simulation of 10,000 nodes the records of new
   * providers landed 130 to 200 ranks from their keys, where no lookup looks.
   */
  @Test
  void aLoneKeyOfANodeThatKnowsOnlyFarNodesStillReachesItsClosest() throws Exception {
    VirtualNetwork net = new VirtualNetwork(1_000_000, 11);
    List<DhtNode> nodes = network(net);
    SplittableRandom random = new SplittableRandom(4);
    int badlyPlaced = 0;
    for (int i = 0; i < 20; i++) {
      DhtNode provider = knowingOnlyFarNodes(net, nodes);
      NodeId key = NodeId.random(random);
      provider.provideAll(List.of(key));
      net.runUntil(net.now() + 60_000);
      long held = nodes.stream().sorted((a, b) -> key.compareDistance(a.id(), b.id())).limit(config.k())
          .filter(n -> net.holds(n, key, provider.id())).count();
      badlyPlaced += held >= config.k() / 2 ? 0 : 1;
    }
    assertEquals(0, badlyPlaced, "lone keys whose record is on fewer than half of their 20 closest nodes");
  }

  /**
   * An announcement that no node took (every node the provider knew had left) is tried again a
   * minute later, once the provider knows live nodes again, not at the republish an hour on.
   */
  @Test
  void anAnnouncementNoNodeTookIsTriedAgainAtTheNextRound() throws Exception {
    VirtualNetwork net = new VirtualNetwork(1_000_000, 12);
    List<DhtNode> nodes = network(net);
    List<DhtNode> gone = new ArrayList<>();
    for (int i = 0; i < config.k(); i++) {
      DhtNode n = net.addNode(config, VirtualNetwork.Behaviour.HONEST);
      gone.add(n);
    }
    DhtNode provider = net.addNode(config, VirtualNetwork.Behaviour.HONEST);
    provider.restore(contactsOf(net, gone));
    gone.forEach(net::remove);
    NodeId key = NodeId.random(new SplittableRandom(5));
    int[] stored = {-1};
    provider.provideAll(List.of(key)).thenAccept(n -> stored[0] = n);
    net.runUntil(net.now() + 30_000);
    assertEquals(1, stored[0], "every node the provider knew has left: it holds its record alone");

    provider.restore(contactsOf(net, nodes.subList(0, config.k())));
    for (int round = 0; round < 3; round++) {
      net.runUntil(net.now() + 30_000);
      provider.maintain();
    }
    net.runUntil(net.now() + 30_000);
    long held = nodes.stream().sorted((a, b) -> key.compareDistance(a.id(), b.id())).limit(config.k())
        .filter(n -> net.holds(n, key, provider.id())).count();
    assertTrue(held >= config.k() / 2, "two minutes later the key is at its closest nodes, not an hour later: " + held + " of 20");
    assertEquals(1, provider.announcementsRetried(), "tried again once");
  }

  private static List<org.oversky.dht.routing.Contact> contactsOf(VirtualNetwork net, List<DhtNode> nodes) throws Exception {
    List<org.oversky.dht.routing.Contact> out = new ArrayList<>();
    for (DhtNode n : nodes) {
      out.add(new org.oversky.dht.routing.Contact(n.id(), n.baseUrl(), java.net.InetAddress.getByName(n.baseUrl().getHost()), net.now(), 100));
    }
    return out;
  }

  /**
   * Two nodes that know only each other (the node one of them joined through left in the middle
   * of its join, and the other joined through it) take themselves for a network of two, and
   * would stay cut off for good: their lookups ask each other only. A node whose table holds
   * fewer than k contacts pings its bootstrap nodes that it does not hold, and looks itself up
   * again through those that answer: a minute later both find what the network holds.
   */
  @Test
  void twoNodesThatKnowOnlyEachOtherRejoinThroughABootstrapNode() throws Exception {
    VirtualNetwork net = new VirtualNetwork(1_000_000, 13);
    List<DhtNode> nodes = network(net);
    DhtNode a = net.addNode(config, VirtualNetwork.Behaviour.HONEST);
    DhtNode b = net.addNode(config, VirtualNetwork.Behaviour.HONEST);
    a.restore(contactsOf(net, List.of(b)));
    b.restore(contactsOf(net, List.of(a)));
    a.findNode(a.id());
    b.findNode(b.id());
    a.addBootstrap(nodes.get(3).baseUrl());
    b.addBootstrap(nodes.get(4).baseUrl());
    net.runUntil(net.now() + 10_000);
    assertEquals(1, a.table().size(), "a knows only b");

    NodeId key = NodeId.random(new SplittableRandom(6));
    DhtNode provider = nodes.get(150);
    provider.provideAll(List.of(key));
    for (int round = 0; round < 2; round++) {
      net.runUntil(net.now() + 30_000);
      a.maintain();
      b.maintain();
    }
    net.runUntil(net.now() + 30_000);
    assertTrue(a.table().size() >= config.k(), "a knows the network again: " + a.table().size() + " contacts");
    assertEquals(1, a.rejoins(), "one rejoin: its table is full after it");
    for (DhtNode asker : List.of(a, b)) {
      boolean[] ok = {false};
      asker.findProviders(key, 1).thenAccept(r -> ok[0] = r.providers().stream().anyMatch(p -> p.providerId().equals(provider.id())));
      net.runUntil(net.now() + 15_000);
      assertTrue(ok[0], "the key is found from " + (asker == a ? "a" : "b"));
    }
  }
}
