package org.oversky.dht.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.oversky.dht.node.DhtNode;

/** The churn experiment at a size a test affords: real nodes on simulated time. */
class ChurnSimulationTest {
  @Test
  void keysStayFindableWhileAThirdOfTheNetworkIsReplacedEveryHour() {
    ChurnSimulation.Result r = new ChurnSimulation(
        new ChurnSimulation.Params(150, 4, 0.3, 0, List.of(), 2, 100, ChurnSimulation.simConfig(), 3)).run();
    assertEquals(4, r.samples().size());
    int replaced = r.samples().stream().mapToInt(ChurnSimulation.Sample::left).sum();
    assertTrue(replaced >= 100, "about 45 nodes an hour leave and are replaced: " + r.samples());
    for (ChurnSimulation.Sample s : r.samples()) {
      assertTrue(s.lookups() >= 90, s.toString());
      assertTrue(s.success() >= 0.99, "hour " + s.hour() + ": " + s);
    }
  }

  /**
   * The same experiment with the nodes' events on two threads, window by window: every message
   * still takes its latency (a message to the other part inside a window would fail the run),
   * and the keys stay findable as on one thread.
   */
  @Test
  void onTwoThreadsKeysStayFindableAndEveryHourRuns() {
    ChurnSimulation.Result r = new ChurnSimulation(
        new ChurnSimulation.Params(150, 3, 0.3, 0.2, ChurnSimulation.EVERY_HOSTILE_KIND, 2, 100, ChurnSimulation.simConfig(), 3), 2, line -> {}).run();
    assertEquals(3, r.samples().size());
    for (ChurnSimulation.Sample s : r.samples()) {
      assertTrue(s.lookups() >= 90, s.toString());
      assertTrue(s.messagesPerNodeHour() > 100, "the nodes talk on both threads: " + s);
      assertTrue(s.success() >= 0.97, "hour " + s.hour() + ": " + s);
    }
  }

  @Test
  void twoThreadsRunEventsInTimeOrderAndMessagesTakeTheirLatency() {
    VirtualNetwork net = new VirtualNetwork(1_000_000, 5, 2);
    DhtNode a = net.addNode(ChurnSimulation.simConfig(), VirtualNetwork.Behaviour.HONEST);
    DhtNode b = net.addNode(ChurnSimulation.simConfig(), VirtualNetwork.Behaviour.HONEST);
    List<Long> times = new java.util.ArrayList<>();
    net.at(1_000_500, () -> times.add(net.now()));
    net.at(1_000_100, () -> times.add(net.now()));
    long[] rtt = {-1};
    net.at(a, 1_000_000, () -> a.ping(b.baseUrl()).thenAccept(c -> rtt[0] = net.now() - 1_000_000));
    net.runUntil(1_010_000);
    assertEquals(List.of(1_000_100L, 1_000_500L), times, "events of the whole network run at their time, in time order");
    assertTrue(rtt[0] >= 2 * (10 + 2) && rtt[0] <= 2 * (160 + 20), "a round trip across the two parts takes the two one-way latencies: " + rtt[0]);
    assertEquals(1_010_000, net.now());
    assertTrue(net.messages() >= 1, "messages are counted on every part");
    net.close();
  }

  @Test
  void aFifthOfTheNodesDroppingOrLyingDoesNotHideTheKeys() {
    ChurnSimulation.Result r = new ChurnSimulation(
        new ChurnSimulation.Params(150, 3, 0.3, 0.2, ChurnSimulation.EVERY_HOSTILE_KIND, 2, 100, ChurnSimulation.simConfig(), 5)).run();
    for (ChurnSimulation.Sample s : r.samples()) {
      // nodes join through honest bootstrap nodes; through a random node, a fifth joined through a hostile one,
      // learnt no one else and stayed cut off: 51 to 82 % found (see docs/benchmarks.md)
      assertTrue(s.success() >= 0.97, "hour " + s.hour() + ": " + s);
    }
  }

  @Test
  void simulatedTimeRunsEventsInOrderAndMessagesTakeTheirLatency() {
    VirtualNetwork net = new VirtualNetwork(1_000_000, 5);
    DhtNode a = net.addNode(ChurnSimulation.simConfig(), VirtualNetwork.Behaviour.HONEST);
    DhtNode b = net.addNode(ChurnSimulation.simConfig(), VirtualNetwork.Behaviour.HONEST);
    AtomicInteger order = new AtomicInteger();
    int[] seen = new int[2];
    net.at(1_000_500, () -> seen[1] = order.incrementAndGet());
    net.at(1_000_100, () -> seen[0] = order.incrementAndGet());
    long[] rtt = {-1};
    a.ping(b.baseUrl()).thenAccept(c -> rtt[0] = net.now() - 1_000_000);
    net.runUntil(1_010_000);
    assertEquals(List.of(1, 2), List.of(seen[0], seen[1]), "events run by their time, not the order they were added");
    assertTrue(rtt[0] >= 2 * (10 + 2) && rtt[0] <= 2 * (160 + 20), "a round trip takes the two one-way latencies: " + rtt[0]);
    assertEquals(1_010_000, net.now());
    net.remove(b);
    boolean[] failed = {false};
    a.ping(b.baseUrl()).whenComplete((c, e) -> failed[0] = e != null);
    net.runUntil(1_020_000);
    assertTrue(failed[0], "a node taken out answers nothing: the request times out on simulated time");
  }
}
