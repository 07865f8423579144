package org.oversky.routing.decision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.oversky.routing.view.Load;

class DecisionTest {
  private static final Decision.Policy POLICY = new Decision.Policy("eu", Map.of(), Map.of());

  private static Decision.Candidate node(String ip, String region) {
    return new Decision.Candidate(URI.create("http://" + ip + ":8080"), region, true, false, Load.UNKNOWN);
  }

  private static Decision.Candidate with(Decision.Candidate c, boolean healthy, boolean draining, Load load) {
    return new Decision.Candidate(c.url(), c.region(), healthy, draining, load);
  }

  private static Load load(int inFlight, double rps) {
    return new Load(inFlight, rps, 0, -1, -1, 100, 200);
  }

  private final List<Decision.Candidate> up = List.of(
      node("127.0.1.1", "eu"), node("127.0.1.2", "eu"), node("127.0.1.3", "eu"),
      node("127.0.2.1", "us"), node("127.0.2.2", "us"));

  private static byte[] key(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static List<Decision.Choice> choose(Optional<String> region, String key, List<Decision.Candidate> nodes, int count) {
    return Decision.choose(region, key(key), nodes, POLICY, count, 0).chosen();
  }

  @Test
  void aClientGetsNodesOfItsRegionInTheSameOrderFromAnyCaller() {
    List<Decision.Choice> eu = choose(Optional.of("eu"), "site.test\n/a", up, 3);
    assertEquals(3, eu.size());
    assertTrue(eu.stream().allMatch(c -> c.region().equals("eu")), eu.toString());
    assertTrue(eu.get(0).reason().startsWith("in the client's region eu; rank 1 of 3"), eu.get(0).reason());
    List<Decision.Candidate> shuffled = new ArrayList<>(up);
    java.util.Collections.reverse(shuffled);
    assertEquals(eu, choose(Optional.of("eu"), "site.test\n/a", shuffled, 3), "the order of the view does not matter");
    assertTrue(choose(Optional.of("us"), "site.test\n/a", up, 3).stream().allMatch(c -> c.region().equals("us")));
  }

  @Test
  void losingANodeMovesOnlyTheKeysItWasFirstFor() {
    int moved = 0;
    int keys = 400;
    Decision.Candidate lost = up.get(1);
    List<Decision.Candidate> fewer = up.stream().filter(c -> c != lost).toList();
    for (int i = 0; i < keys; i++) {
      Decision.Choice before = choose(Optional.of("eu"), "k" + i, up, 1).get(0);
      Decision.Choice after = choose(Optional.of("eu"), "k" + i, fewer, 1).get(0);
      if (!before.url().equals(after.url())) {
        moved++;
        assertEquals(lost.url(), before.url(), "only the lost node's keys move");
      }
    }
    assertTrue(moved > keys / 6 && moved < keys / 2, "about a third of eu's keys were the lost node's: " + moved);
  }

  @Test
  void aRegionWithNoHealthyNodeFallsBackToItsFallbacksThenTheNearestByRoundTrip() {
    List<Decision.Candidate> nodes = new ArrayList<>(up.stream().map(c -> c.region().equals("eu") ? with(c, false, false, Load.UNKNOWN) : c).toList());
    nodes.add(node("127.0.3.1", "ap"));
    Decision.Policy nearestAp = new Decision.Policy("eu", Map.of(), Map.of("ap", 20L, "us", 90L));
    Decision.Answer a = Decision.choose(Optional.of("eu"), key("x"), nodes, nearestAp, 2, 0);
    assertEquals(Optional.of("ap"), a.region(), a.steps().toString());
    assertTrue(a.steps().get(0).startsWith("eu (in the client's region eu): none of its 3 nodes healthy"), a.steps().toString());
    assertTrue(a.chosen().get(0).reason().startsWith("the nearest other region, ap (20 ms)"), a.chosen().get(0).reason());
    Decision.Policy fallbackUs = new Decision.Policy("eu", Map.of("eu", List.of("us")), Map.of("ap", 20L, "us", 90L));
    Decision.Answer b = Decision.choose(Optional.of("eu"), key("x"), nodes, fallbackUs, 2, 0);
    assertEquals(Optional.of("us"), b.region(), "a configured fallback comes before a nearer region");
    assertEquals(2, b.chosen().size());
    assertTrue(b.chosen().get(0).reason().startsWith("fallback 1 of eu, us"), b.chosen().get(0).reason());
  }

  @Test
  void aClientOfNoKnownRegionGoesToTheDefaultRegion() {
    Decision.Answer a = Decision.choose(Optional.empty(), key("x"), up, new Decision.Policy("us", Map.of(), Map.of()), 2, 0);
    assertEquals(Optional.of("us"), a.region());
    assertTrue(a.chosen().get(0).reason().startsWith("the client's region is unknown: the default region us"));
    assertEquals(List.of(), choose(Optional.of("eu"), "x", List.of(), 3));
    assertThrows(IllegalArgumentException.class, () -> choose(Optional.empty(), "x", up, 0));
    assertThrows(IllegalArgumentException.class, () -> choose(Optional.empty(), "x", up, Decision.MAX_COUNT + 1));
  }

  @Test
  void withFewerThanHalfOfARegionHealthyEveryNodeOfItIsACandidate() {
    List<Decision.Candidate> oneOfThree = List.of(
        node("127.0.1.1", "eu"), with(node("127.0.1.2", "eu"), false, false, Load.UNKNOWN), with(node("127.0.1.3", "eu"), false, false, Load.UNKNOWN));
    Decision.Answer a = Decision.choose(Optional.of("eu"), key("x"), oneOfThree, POLICY, 3, 0);
    assertTrue(a.panic(), a.steps().toString());
    assertEquals(3, a.chosen().size());
    assertTrue(a.chosen().stream().anyMatch(c -> c.reason().endsWith("not seen healthy, in by panic")));
    assertEquals(URI.create("http://127.0.1.1:8080"), a.chosen().get(0).url(), "the healthy node first");
    List<Decision.Candidate> twoOfFour = new ArrayList<>(oneOfThree);
    twoOfFour.set(1, node("127.0.1.2", "eu"));
    twoOfFour.add(with(node("127.0.1.4", "eu"), false, false, Load.UNKNOWN));
    Decision.Answer b = Decision.choose(Optional.of("eu"), key("x"), twoOfFour, POLICY, 4, 0);
    assertFalse(b.panic(), "half healthy is not panic");
    assertEquals(2, b.chosen().size());
  }

  @Test
  void drainingNodesAndNodesAtHardCapacityAreLeftOutEvenInPanic() {
    List<Decision.Candidate> nodes = List.of(
        with(node("127.0.1.1", "eu"), true, true, Load.UNKNOWN),
        node("127.0.1.2", "eu"),
        with(node("127.0.1.3", "eu"), false, false, load(200, 0)),
        with(node("127.0.1.4", "eu"), false, false, Load.UNKNOWN));
    Decision.Answer a = Decision.choose(Optional.of("eu"), key("x"), nodes, POLICY, 4, 0);
    assertTrue(a.panic(), "1 healthy of 3 not draining: " + a.steps());
    assertEquals(List.of(URI.create("http://127.0.1.2:8080"), URI.create("http://127.0.1.4:8080")),
        a.chosen().stream().map(Decision.Choice::url).sorted().toList());
  }

  @Test
  void aNodeOverItsSoftCapacityWinsFewerKeys() {
    Decision.Candidate calm = node("127.0.1.1", "eu");
    Decision.Candidate busy = with(node("127.0.1.2", "eu"), true, false, load(120, 0));
    int busyWins = 0;
    for (int i = 0; i < 2000; i++) {
      if (choose(Optional.of("eu"), "k" + i, List.of(calm, busy), 1).get(0).url().equals(busy.url())) {
        busyWins++;
      }
    }
    // weights 1 and 0.4 x 0.25 = 0.1: the busy node wins about 0.1 / 1.1 of the keys
    assertTrue(busyWins > 100 && busyWins < 300, "busy node won " + busyWins + " of 2000");
    assertTrue(choose(Optional.of("eu"), "k0", List.of(calm, busy), 2).stream().anyMatch(c -> c.reason().contains("over its soft capacity")));
  }

  @Test
  void aNodeOverTheLoadBoundGoesAfterTheOthers() {
    List<Decision.Candidate> nodes = List.of(
        with(node("127.0.1.1", "eu"), true, false, load(1, 100)),
        with(node("127.0.1.2", "eu"), true, false, load(1, 100)),
        with(node("127.0.1.3", "eu"), true, false, load(1, 300)));
    for (int i = 0; i < 50; i++) {
      List<Decision.Choice> c = choose(Optional.of("eu"), "k" + i, nodes, 3);
      assertEquals(URI.create("http://127.0.1.3:8080"), c.get(2).url(), "the hot node is last for every key");
      assertTrue(c.get(2).reason().contains("over the load bound (300 req/s)"), c.get(2).reason());
    }
    List<Decision.Candidate> small = List.of(
        with(node("127.0.1.1", "eu"), true, false, load(1, 1)), with(node("127.0.1.2", "eu"), true, false, load(1, 5)));
    assertTrue(choose(Optional.of("eu"), "k", small, 2).stream().noneMatch(c -> c.reason().contains("load bound")),
        "a few requests a second above the mean are not over the bound");
  }

  @Test
  void rotationTurnsTheChosenNodes() {
    List<Decision.Choice> first = choose(Optional.of("eu"), "hot", up, 2);
    List<Decision.Choice> turned = Decision.choose(Optional.of("eu"), key("hot"), up, POLICY, 2, 1).chosen();
    assertEquals(List.of(first.get(1).url(), first.get(0).url()), turned.stream().map(Decision.Choice::url).toList());
  }
}
