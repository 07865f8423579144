package org.oversky.gateway.proxy;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import org.oversky.cache.StoredResponse;

/**
 * Where a site miss looks before the origin: the other nodes of the site's cluster. The caching
 * proxy calls it; the cooperation layer (signed URL records in the DHT) implements it.
 */
public interface PeerSource {
  /**
   * A stored response for {@code url} from the cluster that {@code usable} accepts, with its body
   * already verified and in this node's store and the response in its URL index; empty when the
   * origin must be asked. {@code variantFor} gives this request's variant key for the field names
   * a response varies on. Blocks for at most the configured budgets.
   */
  Optional<StoredResponse> fill(String url, Function<List<String>, String> variantFor, Predicate<StoredResponse> usable);

  /**
   * As {@link #fill}, for the miss that leads a URL's misses on this node: when it returns empty,
   * this node fetches {@code url} from the origin, and the cluster has been told so, so that
   * other nodes that miss the URL meanwhile wait for this node's copy instead of asking the origin
   * too.
   */
  Optional<StoredResponse> fillOrFetch(String url, Function<List<String>, String> variantFor, Predicate<StoredResponse> usable);

  /**
   * A response was stored here, fresh for {@code freshForMillis} more and usable when the origin
   * fails for {@code keepForMillis} (at least as long): tell the cluster. {@code varyNames} are
   * the request fields it varies on (empty without {@code Vary}). Called on the thread that
   * stored it; must not block.
   */
  void stored(StoredResponse response, List<String> varyNames, long freshForMillis, long keepForMillis);

  /** No cluster: every miss goes to the origin. */
  PeerSource NONE =
      new PeerSource() {
        @Override
        public Optional<StoredResponse> fill(
            String url, Function<List<String>, String> variantFor, Predicate<StoredResponse> usable) {
          return Optional.empty();
        }

        @Override
        public Optional<StoredResponse> fillOrFetch(
            String url, Function<List<String>, String> variantFor, Predicate<StoredResponse> usable) {
          return Optional.empty();
        }

        @Override
        public void stored(StoredResponse response, List<String> varyNames, long freshForMillis, long keepForMillis) {}
      };
}
