package org.oversky.routing.decision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DecisionTest {
  private static Decision.Candidate node(String ip, String region) {
    return new Decision.Candidate(URI.create("http://" + ip + ":8080"), region);
  }

  private final List<Decision.Candidate> up = List.of(
      node("127.0.1.1", "eu"), node("127.0.1.2", "eu"), node("127.0.1.3", "eu"),
      node("127.0.2.1", "us"), node("127.0.2.2", "us"));

  private static byte[] key(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aClientGetsNodesOfItsRegionInTheSameOrderFromAnyCaller() {
    List<Decision.Choice> eu = Decision.choose(Optional.of("eu"), key("site.test\n/a"), up, 3);
    assertEquals(3, eu.size());
    assertTrue(eu.stream().allMatch(c -> c.region().equals("eu")), eu.toString());
    assertTrue(eu.get(0).reason().contains("in the client's region eu; rank 1 of 3"), eu.get(0).reason());
    List<Decision.Candidate> shuffled = new ArrayList<>(up);
    java.util.Collections.reverse(shuffled);
    assertEquals(eu, Decision.choose(Optional.of("eu"), key("site.test\n/a"), shuffled, 3), "the order of the view does not matter");
    assertTrue(Decision.choose(Optional.of("us"), key("site.test\n/a"), up, 3).stream().allMatch(c -> c.region().equals("us")));
  }

  @Test
  void losingANodeMovesOnlyTheKeysItWasFirstFor() {
    int moved = 0;
    int keys = 400;
    Decision.Candidate lost = up.get(1);
    List<Decision.Candidate> fewer = up.stream().filter(c -> c != lost).toList();
    for (int i = 0; i < keys; i++) {
      Decision.Choice before = Decision.choose(Optional.of("eu"), key("k" + i), up, 1).get(0);
      Decision.Choice after = Decision.choose(Optional.of("eu"), key("k" + i), fewer, 1).get(0);
      if (!before.url().equals(after.url())) {
        moved++;
        assertEquals(lost.url(), before.url(), "only the lost node's keys move");
      }
    }
    assertTrue(moved > keys / 6 && moved < keys / 2, "about a third of eu's keys were the lost node's: " + moved);
  }

  @Test
  void withNoNodeUpInItsRegionOrNoRegionAClientGetsAnyRegion() {
    List<Decision.Candidate> usOnly = up.stream().filter(c -> c.region().equals("us")).toList();
    List<Decision.Choice> c = Decision.choose(Optional.of("eu"), key("x"), usOnly, 3);
    assertEquals(2, c.size());
    assertTrue(c.get(0).reason().startsWith("no node of the client's region eu is up: any region"), c.get(0).reason());
    assertTrue(Decision.choose(Optional.empty(), key("x"), up, 2).get(0).reason().startsWith("the client's region is unknown"));
    assertEquals(List.of(), Decision.choose(Optional.of("eu"), key("x"), List.of(), 3));
    assertThrows(IllegalArgumentException.class, () -> Decision.choose(Optional.empty(), key("x"), up, 0));
  }
}
