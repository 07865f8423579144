package org.oversky.conf;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a node takes part in the DHT.
 *
 * @param bootstrap nodes to join through at start (base URLs)
 * @param keyMiss what {@code GET /key/<sha>} does for a body the node does not hold
 * @param providerTtl how long provider records live
 * @param republishInterval how often the node announces again what it provides
 * @param refreshInterval a bucket no lookup went through for this long is refreshed
 * @param lookupTimeout the bound on one lookup
 */
public record DhtSettings(
    List<URI> bootstrap,
    KeyMiss keyMiss,
    Duration providerTtl,
    Duration republishInterval,
    Duration refreshInterval,
    Duration lookupTimeout) {
  /** What a node does when asked for a key it does not hold. */
  public enum KeyMiss {
    /** Answer 302 to the best provider's {@code /key/<sha>}, as the original system did. */
    REDIRECT,
    /** Fetch the body from a provider, check its SHA-256, store it and serve it. */
    PROXY
  }

  public DhtSettings {
    bootstrap = List.copyOf(bootstrap);
    Objects.requireNonNull(keyMiss, "keyMiss");
    Objects.requireNonNull(providerTtl, "providerTtl");
    Objects.requireNonNull(republishInterval, "republishInterval");
    Objects.requireNonNull(refreshInterval, "refreshInterval");
    Objects.requireNonNull(lookupTimeout, "lookupTimeout");
    if (republishInterval.compareTo(providerTtl) >= 0) {
      throw new IllegalArgumentException(
          "dht.republish-interval (" + republishInterval + ") must be shorter than dht.provider-ttl (" + providerTtl
              + "), or provider records expire before they are renewed");
    }
  }
}
