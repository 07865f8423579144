package org.oversky.gateway.dht;

import java.net.URI;
import java.util.List;
import java.util.Optional;
import org.eclipse.jetty.server.Request;

/**
 * Which of a body's providers a {@code /key/} miss redirects a client to, when request routing
 * has a view of them (healthy, near, least loaded); empty leaves the choice to this node's own
 * round-trip measurements.
 */
@FunctionalInterface
public interface ProviderRoute {
  /** No routing view: always the node's own measurements. */
  ProviderRoute NONE = (request, keyHex, providers) -> Optional.empty();

  /** The provider for the client of {@code request}, among {@code providers}, and why. */
  Optional<Routed> choose(Request request, String keyHex, List<URI> providers);

  /** A provider and the reason routing gives for it. */
  record Routed(URI url, String reason) {}
}
