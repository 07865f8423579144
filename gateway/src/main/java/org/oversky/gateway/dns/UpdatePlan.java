package org.oversky.gateway.dns;

import java.net.InetAddress;
import java.net.URI;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.oversky.dns.update.Primary;
import org.oversky.routing.zone.Addresses;
import org.xbill.DNS.Name;

/**
 * What a region's updater sends to the primary, decided from the view alone: one value, computed
 * by {@link #plan}, that the updater then acts on.
 *
 * <p>Each region elects its updater: the routable node of the region with the lowest URL
 * (draining nodes stand aside). Two nodes that briefly both think they lead send the same
 * idempotent changes. A region's updater owns its region's records: it adds its region's
 * routable nodes, and deletes an address the primary holds when it belongs to a node of its
 * region that is out (down, draining, left), or to no node it knows if the
 * region map places that address in its region (a node gone from the view). A node this node has
 * not yet seen up (joining) is neither added nor deleted: another may already have. Other
 * regions' records are never touched. A change that would leave a name with no address keeps what is
 * there: a stale address beats a name that resolves to nothing.
 *
 * @param leader the region's elected updater, if any node of the region is routable
 * @param changes per name, what to add and delete; empty unless this node leads
 */
public record UpdatePlan(Optional<URI> leader, Map<Name, Primary.Change> changes) {
  /**
   * A node as the updater sees it.
   *
   * @param url its base URL; nodes named by a host name rather than an address have no record
   * @param region its region, empty before it has answered
   * @param standing whether it belongs in DNS
   */
  public record Member(URI url, String region, Standing standing) {
    boolean wanted() {
      return standing == Standing.IN;
    }

    Optional<InetAddress> address() {
      return Addresses.literal(url.getHost());
    }
  }

  /** Whether a node belongs in DNS, as this node's view says. */
  public enum Standing {
    /** Routable: up, or suspected by too few to take it out. */
    IN,
    /** Down, draining or left. */
    OUT,
    /** Not seen up yet (joining): left as it is. */
    UNSEEN
  }

  public UpdatePlan {
    changes = Map.copyOf(changes);
  }

  /** The elected updater of {@code region}: its wanted node with the lowest URL. */
  public static Optional<URI> leaderOf(String region, List<Member> members) {
    return members.stream().filter(m -> m.wanted() && m.region().equals(region))
        .map(Member::url).min(Comparator.comparing(URI::toString));
  }

  /**
   * The plan of node {@code self} in {@code region}.
   *
   * @param members every node of the view, this one included
   * @param current each name's addresses at the primary now (read only when this node leads)
   * @param locate the region the region map places an address in, if any
   */
  public static UpdatePlan plan(URI self, String region, List<Member> members, Map<Name, Set<InetAddress>> current,
      Function<InetAddress, Optional<String>> locate) {
    Optional<URI> leader = leaderOf(region, members);
    if (leader.isEmpty() || !leader.get().equals(self)) {
      return new UpdatePlan(leader, Map.of());
    }
    Set<InetAddress> wanted = new LinkedHashSet<>();
    Map<InetAddress, Member> byAddress = new LinkedHashMap<>();
    boolean oneRegion = true;
    for (Member m : members) {
      oneRegion &= m.region().isEmpty() || m.region().equals(region);
      Optional<InetAddress> a = m.address();
      if (a.isEmpty()) {
        continue;
      }
      byAddress.put(a.get(), m);
      if (m.wanted() && m.region().equals(region)) {
        wanted.add(a.get());
      }
    }
    Map<Name, Primary.Change> changes = new LinkedHashMap<>();
    for (Map.Entry<Name, Set<InetAddress>> e : current.entrySet()) {
      Set<InetAddress> add = new LinkedHashSet<>(wanted);
      add.removeAll(e.getValue());
      Set<InetAddress> delete = new LinkedHashSet<>();
      for (InetAddress a : e.getValue()) {
        Member m = byAddress.get(a);
        boolean ours = m != null ? m.region().equals(region) && m.standing() == Standing.OUT
            : locate.apply(a).map(region::equals).orElse(oneRegion);
        if (ours && !wanted.contains(a)) {
          delete.add(a);
        }
      }
      if (add.isEmpty() && delete.size() == e.getValue().size()) {
        delete.clear(); // never empty a name: a stale address beats none
      }
      Primary.Change change = new Primary.Change(add, delete);
      if (!change.empty()) {
        changes.put(e.getKey(), change);
      }
    }
    return new UpdatePlan(leader, changes);
  }
}
