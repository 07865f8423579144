package org.oversky.conf;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/**
 * The whole configuration of one node, built once by {@link ConfigLoader} and passed down by
 * constructor.
 *
 * @param listen where the HTTP server listens
 * @param dataDir the node's data directory (identity, index, bodies)
 * @param publicUrl the base URL other nodes and clients use to reach this node
 * @param requestLog whether to log one line per request
 * @param sites the sites this node caches
 * @param adminToken the admin API's bearer token (empty: the admin API is off)
 * @param cache how site responses are cached
 * @param store budgets of the content store
 * @param fetch the outbound policy for origin fetches
 * @param dht how the node takes part in the DHT
 * @param cluster which nodes' URL records this node trusts (cooperative caching)
 * @param http how the HTTP server treats slow clients
 * @param routing where the node is and how much it takes, for request routing
 * @param dns whether and where the node answers DNS for the CDN's zone
 * @param replicas how many copies of each registered body the network keeps, and how it repairs them
 * @param tls whether and where the node terminates TLS, with each site's certificate
 */
public record NodeConfig(
    HostPort listen,
    Path dataDir,
    URI publicUrl,
    boolean requestLog,
    List<SiteConfig> sites,
    String adminToken,
    CacheConfig cache,
    StoreConfig store,
    FetchConfig fetch,
    DhtSettings dht,
    ClusterSettings cluster,
    HttpServerConfig http,
    RoutingSettings routing,
    DnsSettings dns,
    ReplicaSettings replicas,
    TlsSettings tls) {
  public NodeConfig {
    if (listen == null
        || dataDir == null
        || publicUrl == null
        || sites == null
        || adminToken == null
        || cache == null
        || store == null
        || fetch == null
        || dht == null
        || cluster == null
        || http == null
        || routing == null
        || dns == null
        || replicas == null
        || tls == null) {
      throw new IllegalArgumentException("every part of NodeConfig is required");
    }
    sites = List.copyOf(sites);
  }

  /** A copy listening elsewhere, with the public URL following it; for tests and embedding. */
  public NodeConfig withListen(HostPort newListen, URI newPublicUrl) {
    return new NodeConfig(newListen, dataDir, newPublicUrl, requestLog, sites, adminToken, cache, store, fetch, dht, cluster, http, routing, dns, replicas, tls);
  }
}
