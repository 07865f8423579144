package org.oversky.gateway;

import java.io.IOException;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.oversky.cache.ContentStore;
import org.oversky.conf.NodeConfig;
import org.oversky.gateway.api.ApiHandler;
import org.oversky.gateway.api.LegacyHandler;
import org.oversky.gateway.api.NodeInfo;
import org.oversky.gateway.api.StatusHandler;
import org.oversky.gateway.fetch.OriginFetcher;
import org.oversky.gateway.key.KeyHandler;
import org.oversky.gateway.metrics.GatewayMetrics;
import org.oversky.gateway.metrics.MetricsHandler;
import org.oversky.gateway.node.DataDir;
import org.oversky.gateway.node.NodeIdentity;
import org.oversky.gateway.node.Version;
import org.oversky.gateway.proxy.SiteHandler;

/**
 * The gateway component: one node's parts (identity, store, origin fetcher, metrics) and the
 * Jetty {@link Handler} that serves them. A host server mounts {@link #handler()} and adds the
 * gateway as a bean so that it starts and stops with the server; {@link GatewayServer} is the
 * standalone host.
 */
public final class Gateway extends ContainerLifeCycle {
  private final NodeConfig config;
  private final NodeIdentity identity;
  private final ContentStore store;
  private final GatewayMetrics metrics;
  private final Handler handler;

  private Gateway(NodeConfig config, NodeIdentity identity, ContentStore store) {
    this.config = config;
    this.identity = identity;
    this.store = store;
    this.metrics = new GatewayMetrics(store);
    OriginFetcher fetcher = new OriginFetcher(config.fetch(), "oversky/" + Version.get());
    addBean(fetcher);
    NodeInfo info = new NodeInfo(config, identity, store);
    SiteHandler sites = new SiteHandler(config, store, "oversky-" + identity.nodeId().substring(0, 8), metrics::cacheOutcome);
    addBean(sites);
    ApiHandler api = new ApiHandler(fetcher, store, info, sites, config.adminToken());
    this.handler =
        new MetricsHandler(
            metrics,
            new Routes(sites, new KeyHandler(store), api, new LegacyHandler(api, config), new StatusHandler(info, metrics)));
  }

  /**
   * Opens a node's gateway on its data directory: prepares the directory (identity, config file)
   * when it is new and opens the store, recovering it after a crash.
   */
  public static Gateway open(NodeConfig config) throws IOException {
    NodeIdentity identity = DataDir.prepare(config.dataDir());
    ContentStore store = ContentStore.open(DataDir.store(config.dataDir()), config.store());
    return new Gateway(config, identity, store);
  }

  /** The handler to mount; it answers every request it is given. */
  public Handler handler() {
    return handler;
  }

  /** The configuration this gateway was built from. */
  public NodeConfig config() {
    return config;
  }

  /** The node's identity. */
  public NodeIdentity identity() {
    return identity;
  }

  /** The content store. */
  public ContentStore store() {
    return store;
  }

  /** The node's meters. */
  public GatewayMetrics metrics() {
    return metrics;
  }

  @Override
  protected void doStop() throws Exception {
    super.doStop();
    store.close();
  }
}
