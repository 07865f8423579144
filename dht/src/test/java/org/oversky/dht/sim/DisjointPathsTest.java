package org.oversky.dht.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.oversky.dht.id.NodeId;
import org.oversky.dht.node.DhtConfig;
import org.oversky.dht.node.DhtNode;
import org.oversky.dht.node.LookupResult;
import org.oversky.dht.routing.Contact;

/** S/Kademlia's disjoint lookup paths, on simulated time with hostile nodes. */
class DisjointPathsTest {
  private static final long START = 1_800_000_000_000L;

  /** k = 3 and one request in flight, so that which node a lookup asks first is known. */
  private static DhtConfig narrow(int paths) {
    DhtConfig d = ChurnSimulation.simConfig();
    return new DhtConfig(
        3, 1, d.minRpcTimeout(), d.maxRpcTimeout(), d.lookupTimeout(), d.providerTtl(), d.republishInterval(),
        d.refreshInterval(), d.maxFailures(), d.maxProvidersPerKey(), d.maxKeysPerProvider(), d.maxRecords(), true, paths);
  }

  /** Nodes of {@code behaviours}, each joined through the first, a second apart on simulated time. */
  private static List<DhtNode> network(VirtualNetwork net, DhtConfig config, List<VirtualNetwork.Behaviour> behaviours) {
    List<DhtNode> nodes = new ArrayList<>();
    for (VirtualNetwork.Behaviour b : behaviours) {
      DhtNode n = net.addNode(config, b);
      if (!nodes.isEmpty()) {
        n.join(nodes.get(0).baseUrl());
      }
      nodes.add(n);
      net.runUntil(net.now() + 1_000);
    }
    net.runUntil(net.now() + 60_000);
    return nodes;
  }

  /**
   * Ten honest nodes and ten hostile ones of {@code kind}, and a lookup of a key next to an
   * honest node, the provider, which keeps its record (it knows no one). The asker does not know
   * the provider: it knows the hostile node closest to the key and the two honest nodes farthest
   * from it, which know the provider. One request at a time (k = 3, α = 1), so the hostile node,
   * the asker's closest, is asked first.
   */
  private static LookupResult lookupPast(VirtualNetwork.Behaviour kind, int paths) throws Exception {
    VirtualNetwork net = new VirtualNetwork(START, 21);
    DhtConfig config = narrow(paths);
    List<DhtNode> honest = new ArrayList<>();
    List<DhtNode> hostile = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      honest.add(net.addNode(config, VirtualNetwork.Behaviour.HONEST));
      hostile.add(net.addNode(config, kind));
    }
    DhtNode asker = net.addNode(config, VirtualNetwork.Behaviour.HONEST);
    DhtNode provider = honest.get(0);
    NodeId key = provider.id().xor(new NodeId(0, 0, 0, 1));
    provider.provide(key);
    net.runUntil(net.now() + 1_000);
    DhtNode nearestHostile = hostile.stream().min((a, b) -> key.compareDistance(a.id(), b.id())).orElseThrow();
    List<DhtNode> farHonest = honest.subList(1, honest.size()).stream()
        .sorted((a, b) -> key.compareDistance(b.id(), a.id())).limit(2).toList();
    long closerHostile = hostile.stream().filter(c -> farHonest.stream().allMatch(h -> key.compareDistance(c.id(), h.id()) < 0)).count();
    assertTrue(closerHostile >= 3, "hostile nodes closer to the key than the asker's honest contacts: " + closerHostile);
    asker.restore(List.of(contact(nearestHostile), contact(farHonest.get(0)), contact(farHonest.get(1))));
    Contact toProvider = contact(provider);
    farHonest.forEach(h -> h.restore(List.of(toProvider)));
    return lookup(net, asker, key);
  }

  /**
   * The hostile node answers with made-up nodes closer than any real one. The lookup asks them,
   * but does not wait out their time-outs one by one (a request slower than the shortest
   * time-out stops holding its place in flight), and they do not crowd the asker's own contacts
   * out of its shortlist: it goes on to an honest node and finds the provider. Before, it waited
   * out every time-out, the made-up nodes pushed the honest ones off the shortlist, and it found
   * nothing.
   */
  @Test
  void madeUpContactsNeitherStallALookupNorCrowdOutTheRealOnes() throws Exception {
    LookupResult r = lookupPast(VirtualNetwork.Behaviour.FAKE, 1);
    assertEquals(1, r.providers().size(), "the lookup went past the made-up nodes: " + r);
    assertFalse(r.timedOut(), r.toString());
    assertTrue(r.failures() >= 1, "it asked made-up nodes, which did not answer: " + r);
  }

  /**
   * The hostile nodes collude: each names only the hostile nodes closest to the key, really
   * close and all answering. One path asks them and ends among them with nothing; with three
   * paths, one starts at an honest node, which names the provider.
   */
  @Test
  void colludingNodesLeadOnePathAstrayButNotThree() throws Exception {
    LookupResult one = lookupPast(VirtualNetwork.Behaviour.COLLUDE, 1);
    assertTrue(one.providers().isEmpty(), "one path ends among the colluders: " + one);
    assertFalse(one.timedOut(), "they all answered: " + one);
    LookupResult three = lookupPast(VirtualNetwork.Behaviour.COLLUDE, 3);
    assertEquals(1, three.providers().size(), "a path from an honest node found the provider: " + three);
  }

  private static Contact contact(DhtNode n) throws Exception {
    return new Contact(n.id(), n.baseUrl(), InetAddress.getByName(n.baseUrl().getHost()), START, 50);
  }

  private static LookupResult lookup(VirtualNetwork net, DhtNode asker, NodeId key) {
    LookupResult[] out = new LookupResult[1];
    asker.findProviders(key, 1).thenAccept(r -> out[0] = r);
    net.runUntil(net.now() + 60_000);
    assertTrue(out[0] != null, "the lookup ended within its time bound");
    return out[0];
  }

  @Test
  void onAnHonestNetworkThreePathsFindTheTrueClosestAndAskNoNodeTwice() {
    // provider lookups of keys no one provides: they run until every path has converged
    VirtualNetwork net = new VirtualNetwork(START, 12);
    DhtConfig config = ChurnSimulation.simConfig().withPaths(3);
    List<DhtNode> nodes = network(net, config, java.util.Collections.nCopies(80, VirtualNetwork.Behaviour.HONEST));
    java.util.SplittableRandom random = new java.util.SplittableRandom(4);
    for (int i = 0; i < 8; i++) {
      NodeId target = NodeId.random(random);
      DhtNode from = nodes.get(random.nextInt(nodes.size()));
      Map<NodeId, Long> before = net.lookupRequestsByReceiver();
      LookupResult[] out = new LookupResult[1];
      from.findProviders(target, 1).thenAccept(r -> out[0] = r);
      net.runUntil(net.now() + 30_000);
      List<NodeId> truth = nodes.stream().map(DhtNode::id).filter(id -> !id.equals(from.id()))
          .sorted(target.closestFirst()).limit(config.k()).toList();
      assertEquals(truth, out[0].closest().stream().map(Contact::id).toList(), "lookup " + i);
      Map<NodeId, Long> after = net.lookupRequestsByReceiver();
      long asked = 0;
      for (Map.Entry<NodeId, Long> e : after.entrySet()) {
        long got = e.getValue() - before.getOrDefault(e.getKey(), 0L);
        assertTrue(got <= 1, "lookup " + i + " asked " + e.getKey() + " " + got + " times");
        asked += got;
      }
      assertEquals(out[0].messages(), asked, "every request of the lookup went to a node of its own");
    }
  }
}
