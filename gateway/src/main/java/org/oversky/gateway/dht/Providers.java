package org.oversky.gateway.dht;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.oversky.dht.node.DhtNode;
import org.oversky.dht.routing.Contact;
import org.oversky.dht.rpc.ProviderInfo;

/** Which provider of a key to ask first: the nearest by a recently measured round trip. */
public final class Providers {
  /** A round trip older than this no longer ranks a provider. */
  static final long RECENT_MILLIS = TimeUnit.MINUTES.toMillis(15);

  private Providers() {}

  /** The providers, the lowest recent round trip first, ties (and the unmeasured) in random order. */
  public static List<ProviderInfo> byRoundTrip(DhtNode node, List<ProviderInfo> providers) {
    long now = node.now();
    List<ProviderInfo> shuffled = new ArrayList<>(providers);
    Collections.shuffle(shuffled, ThreadLocalRandom.current());
    shuffled.sort(Comparator.comparingLong(p -> recentRoundTrip(node, p, now)));
    return shuffled;
  }

  /** The provider's round trip when it answered this node in the last minutes, else {@code Long.MAX_VALUE}. */
  static long recentRoundTrip(DhtNode node, ProviderInfo p, long now) {
    Optional<Contact> c = node.table().get(p.providerId());
    return c.isPresent() && c.get().rttMillis() >= 0 && now - c.get().lastSeen() < RECENT_MILLIS
        ? c.get().rttMillis()
        : Long.MAX_VALUE;
  }
}
