package org.oversky.gateway.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.net.URI;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.oversky.dns.update.Primary;
import org.xbill.DNS.Name;

class UpdatePlanTest {
  private static final Name SITE = Name.fromConstantString("site-test.cdn.test.");
  private static final Function<InetAddress, Optional<String>> NO_MAP = a -> Optional.empty();

  private static UpdatePlan.Member node(String ip, String region, boolean wanted) {
    return node(ip, region, wanted ? UpdatePlan.Standing.IN : UpdatePlan.Standing.OUT);
  }

  private static UpdatePlan.Member node(String ip, String region, UpdatePlan.Standing standing) {
    return new UpdatePlan.Member(URI.create("http://" + ip + ":8080"), region, standing);
  }

  private static InetAddress ip(String text) throws Exception {
    return InetAddress.getByName(text);
  }

  private static Set<InetAddress> ips(String... texts) throws Exception {
    Set<InetAddress> out = new LinkedHashSet<>();
    for (String t : texts) {
      out.add(ip(t));
    }
    return out;
  }

  private static final List<UpdatePlan.Member> VIEW = List.of(
      node("127.0.1.2", "eu", true), node("127.0.1.1", "eu", true), node("127.0.1.3", "eu", false),
      node("127.0.2.1", "us", true), node("127.0.2.2", "us", false));

  @Test
  void theRoutableNodeOfTheRegionWithTheLowestUrlLeadsAndTheOthersSendNothing() throws Exception {
    URI lowest = URI.create("http://127.0.1.1:8080");
    assertEquals(Optional.of(lowest), UpdatePlan.leaderOf("eu", VIEW));
    assertEquals(Optional.of(URI.create("http://127.0.2.1:8080")), UpdatePlan.leaderOf("us", VIEW));
    UpdatePlan follower = UpdatePlan.plan(URI.create("http://127.0.1.2:8080"), "eu", VIEW, Map.of(SITE, ips()), NO_MAP);
    assertEquals(Optional.of(lowest), follower.leader());
    assertEquals(Map.of(), follower.changes());
  }

  @Test
  void aDrainingOrDownNodeStandsAsideAndTheNextLeads() {
    List<UpdatePlan.Member> view = List.of(node("127.0.1.1", "eu", false), node("127.0.1.2", "eu", true));
    assertEquals(Optional.of(URI.create("http://127.0.1.2:8080")), UpdatePlan.leaderOf("eu", view));
    assertEquals(Optional.empty(), UpdatePlan.leaderOf("eu", List.of(node("127.0.1.1", "eu", false))));
  }

  @Test
  void theLeaderAddsItsRegionsRoutableNodesAndDeletesItsOthersLeavingOtherRegionsAlone() throws Exception {
    UpdatePlan plan = UpdatePlan.plan(URI.create("http://127.0.1.1:8080"), "eu", VIEW,
        Map.of(SITE, ips("127.0.1.1", "127.0.1.3", "127.0.2.1", "127.0.2.2")), NO_MAP);
    assertEquals(Map.of(SITE, new Primary.Change(ips("127.0.1.2"), ips("127.0.1.3"))), plan.changes(),
        "127.0.2.2 is down, but the us updater owns it");
  }

  @Test
  void anAddressOfNoKnownNodeIsDeletedWhenTheRegionMapPlacesItInTheRegion() throws Exception {
    Function<InetAddress, Optional<String>> map = a -> Optional.of(a.getHostAddress().startsWith("127.0.1.") ? "eu" : "us");
    UpdatePlan plan = UpdatePlan.plan(URI.create("http://127.0.1.1:8080"), "eu", VIEW,
        Map.of(SITE, ips("127.0.1.1", "127.0.1.2", "127.0.1.9", "127.0.2.9")), map);
    assertEquals(Map.of(SITE, new Primary.Change(Set.of(), ips("127.0.1.9"))), plan.changes());
    UpdatePlan unmapped = UpdatePlan.plan(URI.create("http://127.0.1.1:8080"), "eu", VIEW,
        Map.of(SITE, ips("127.0.1.1", "127.0.1.2", "127.0.1.9")), NO_MAP);
    assertEquals(Map.of(), unmapped.changes(), "with other regions in the view, an unplaced address may be theirs");
    List<UpdatePlan.Member> oneRegion = List.of(node("127.0.1.1", "eu", true));
    assertEquals(Map.of(SITE, new Primary.Change(Set.of(), ips("127.0.1.9"))),
        UpdatePlan.plan(URI.create("http://127.0.1.1:8080"), "eu", oneRegion, Map.of(SITE, ips("127.0.1.1", "127.0.1.9")), NO_MAP).changes(),
        "in a one-region view every address is the region's");
  }

  @Test
  void aNameIsNeverLeftWithoutAnAddress() throws Exception {
    List<UpdatePlan.Member> view = List.of(node("127.0.1.1", "eu", true), node("127.0.1.3", "eu", false));
    URI self = URI.create("http://127.0.1.1:8080");
    assertEquals(Map.of(SITE, new Primary.Change(ips("127.0.1.1"), ips("127.0.1.3"))),
        UpdatePlan.plan(self, "eu", view, Map.of(SITE, ips("127.0.1.3")), NO_MAP).changes(), "added and deleted in one update");
    List<UpdatePlan.Member> hostNamed = List.of(new UpdatePlan.Member(URI.create("http://node-a.example:8080"), "eu", UpdatePlan.Standing.IN),
        node("127.0.1.3", "eu", false));
    assertEquals(Map.of(), UpdatePlan.plan(URI.create("http://node-a.example:8080"), "eu", hostNamed, Map.of(SITE, ips("127.0.1.3")), NO_MAP).changes(),
        "nothing to put in its place: the last address stays");
  }

  @Test
  void aNodeNotYetSeenUpIsNeitherAddedNorDeleted() throws Exception {
    // Two nodes that each see the other joining both lead for a while: neither may undo the other.
    List<UpdatePlan.Member> view = List.of(node("127.0.1.2", "eu", true), node("127.0.1.1", "eu", UpdatePlan.Standing.UNSEEN));
    UpdatePlan plan = UpdatePlan.plan(URI.create("http://127.0.1.2:8080"), "eu", view, Map.of(SITE, ips("127.0.1.1")), NO_MAP);
    assertEquals(Optional.of(URI.create("http://127.0.1.2:8080")), plan.leader());
    assertEquals(Map.of(SITE, new Primary.Change(ips("127.0.1.2"), Set.of())), plan.changes());
  }

  @Test
  void aNameThatIsCurrentNeedsNoUpdate() throws Exception {
    assertEquals(Map.of(), UpdatePlan.plan(URI.create("http://127.0.1.1:8080"), "eu", VIEW,
        Map.of(SITE, ips("127.0.1.1", "127.0.1.2", "127.0.2.1")), NO_MAP).changes());
  }
}
