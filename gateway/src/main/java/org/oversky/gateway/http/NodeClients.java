package org.oversky.gateway.http;

import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The HTTP client a node asks other nodes small questions with (health probes, replica checks):
 * its own few daemon threads, a short connect timeout, redirects never followed.
 */
public final class NodeClients {
  private NodeClients() {}

  /** A started client on up to 8 threads named {@code threads}, connecting within {@code connectMillis}. */
  public static HttpClient start(String threads, long connectMillis) throws Exception {
    QueuedThreadPool pool = new QueuedThreadPool(8, 1);
    pool.setName(threads);
    pool.setDaemon(true);
    HttpClient client = new HttpClient();
    client.setExecutor(pool);
    client.setConnectTimeout(connectMillis);
    client.setFollowRedirects(false);
    client.start();
    return client;
  }
}
