package org.oversky.dht.node;

import java.util.List;
import java.util.Optional;
import org.oversky.dht.id.NodeId;
import org.oversky.dht.routing.Contact;
import org.oversky.dht.rpc.ProviderInfo;
import org.oversky.dht.rpc.SignedRecord;

/**
 * What an iterative lookup found, and what it cost.
 *
 * @param target the id or key looked up
 * @param closest the closest nodes that answered, closest first (at most k)
 * @param providers for a provider lookup, the providers found (not this node itself)
 * @param record for a record lookup, the accepted record with the latest expiry among the answers
 *     in hand when the first one came (a lookup stops there, so a node that missed a newer version's
 *     put can answer with the older one until the next republish)
 * @param hops how many steps from this node's own table the answer was: 1 when a contact in the
 *     table answered it, 2 when a node it named did, and so on (0 when nothing answered)
 * @param messages requests sent
 * @param failures requests that got no answer
 * @param millis how long the lookup took
 * @param timedOut whether it stopped at the lookup time bound
 */
public record LookupResult(
    NodeId target,
    List<Contact> closest,
    List<ProviderInfo> providers,
    Optional<SignedRecord> record,
    int hops,
    int messages,
    int failures,
    long millis,
    boolean timedOut) {
  public LookupResult {
    closest = List.copyOf(closest);
    providers = List.copyOf(providers);
  }
}
