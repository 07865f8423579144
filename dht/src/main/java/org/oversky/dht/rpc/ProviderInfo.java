package org.oversky.dht.rpc;

import java.net.URI;
import java.util.Objects;
import org.oversky.dht.id.NodeId;

/**
 * A provider of a content key, as a {@code get_providers} answer names it.
 *
 * @param providerId the provider's node id
 * @param baseUrl where it serves {@code /key/<sha256>} (absolute http or https)
 * @param expiresAt when the provider record expires, in epoch milliseconds
 */
public record ProviderInfo(NodeId providerId, URI baseUrl, long expiresAt) {
  public ProviderInfo {
    Objects.requireNonNull(providerId, "providerId");
    Urls.require(baseUrl, "a provider's base URL");
    if (expiresAt < 0) {
      throw new IllegalArgumentException("expiresAt is epoch milliseconds, got " + expiresAt);
    }
  }
}
