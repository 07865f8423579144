package org.oversky.routing.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class PlacementTest {
  private static List<Placement.Node> nodes(int regions, int perRegion) {
    List<Placement.Node> out = new ArrayList<>();
    for (int r = 1; r <= regions; r++) {
      for (int n = 1; n <= perRegion; n++) {
        out.add(new Placement.Node(URI.create("http://127.0." + r + "." + n + ":8080"), "r" + r));
      }
    }
    return out;
  }

  private static byte[] key(int i) {
    return ("key " + i).getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void theFirstKSpanAsManyRegionsAsTheyCan() {
    List<Placement.Node> all = nodes(3, 3);
    for (int i = 0; i < 200; i++) {
      List<Placement.Node> three = Placement.holders(key(i), all, 3);
      assertEquals(3, three.stream().map(Placement.Node::region).distinct().count(), "3 copies in 3 regions");
      List<Placement.Node> five = Placement.holders(key(i), all, 5);
      assertEquals(3, five.stream().map(Placement.Node::region).distinct().count());
      assertEquals(three, five.subList(0, 3), "a longer placement begins with the shorter");
    }
    List<Placement.Node> two = nodes(2, 3);
    for (int i = 0; i < 50; i++) {
      assertEquals(2, Placement.holders(key(i), two, 3).stream().map(Placement.Node::region).distinct().count(), "2 regions: both used");
    }
    assertEquals(2, Placement.holders(key(1), nodes(1, 2), 3).size(), "fewer nodes than copies: all of them");
    assertEquals(List.of(), Placement.holders(key(1), List.of(), 3));
  }

  @Test
  void theOrderIsTheSameWhateverOrderTheNodesAreGivenIn() {
    List<Placement.Node> all = nodes(3, 3);
    List<Placement.Node> reversed = new ArrayList<>(all);
    java.util.Collections.reverse(reversed);
    for (int i = 0; i < 50; i++) {
      assertEquals(Placement.order(key(i), all), Placement.order(key(i), reversed));
    }
  }

  @Test
  void losingAHolderMovesOnlyItsCopyToTheNextInOrder() {
    List<Placement.Node> all = nodes(3, 3);
    int moved = 0;
    for (int i = 0; i < 300; i++) {
      List<Placement.Node> before = Placement.holders(key(i), all, 3);
      Placement.Node lost = before.get(i % 3);
      List<Placement.Node> without = new ArrayList<>(all);
      without.remove(lost);
      List<Placement.Node> after = Placement.holders(key(i), without, 3);
      Set<Placement.Node> kept = new HashSet<>(before);
      kept.remove(lost);
      assertTrue(after.containsAll(kept), "the other holders keep their copies");
      Placement.Node added = after.stream().filter(n -> !kept.contains(n)).findFirst().orElseThrow();
      assertEquals(lost.region(), added.region(), "its region's next node takes its place when the region has one");
      moved++;
    }
    assertEquals(300, moved);
  }

  @Test
  void losingAWholeRegionKeepsTheCopiesOfTheOthersAndSpreadsOverTwoRegions() {
    List<Placement.Node> all = nodes(3, 2);
    List<Placement.Node> survivors = all.stream().filter(n -> !n.region().equals("r2")).toList();
    for (int i = 0; i < 100; i++) {
      List<Placement.Node> before = Placement.holders(key(i), all, 3);
      List<Placement.Node> after = Placement.holders(key(i), survivors, 3);
      assertEquals(3, after.size());
      assertEquals(2, after.stream().map(Placement.Node::region).distinct().count());
      assertTrue(after.containsAll(before.stream().filter(n -> !n.region().equals("r2")).toList()), "surviving holders stay holders");
    }
  }

  @Test
  void keysSpreadEvenlyOverNodesAndRegions() {
    List<Placement.Node> all = nodes(3, 3);
    Map<Placement.Node, Integer> first = new HashMap<>();
    for (int i = 0; i < 9_000; i++) {
      for (Placement.Node n : Placement.holders(key(i), all, 3)) {
        first.merge(n, 1, Integer::sum);
      }
    }
    Map<String, Integer> byRegion = first.entrySet().stream().collect(Collectors.groupingBy(e -> e.getKey().region(), Collectors.summingInt(Map.Entry::getValue)));
    byRegion.values().forEach(n -> assertEquals(9_000, n, "one copy of each key per region"));
    first.values().forEach(n -> assertTrue(n > 2_700 && n < 3_300, "each node about a third of its region's keys: " + first));
  }
}
