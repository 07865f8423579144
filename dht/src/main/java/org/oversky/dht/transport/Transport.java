package org.oversky.dht.transport;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.oversky.dht.rpc.Request;

/**
 * How a node sends its requests: over HTTP ({@link HttpTransport}) or inside one JVM ({@link
 * org.oversky.dht.sim.SimNetwork}). The node's logic is the same on either.
 */
public interface Transport {
  /**
   * Sends {@code request} to the node at {@code baseUrl}. The future completes with the verified
   * answer, or exceptionally with an {@link RpcFailure} (no answer within {@code timeout}, a refusal,
   * or an answer that does not verify). Never blocks.
   */
  CompletableFuture<Reply> send(URI baseUrl, Request request, Duration timeout);

  /**
   * Runs {@code task} after {@code delay}, on the clock messages travel by: the wall clock here,
   * simulated time in a simulation. A node's own timers (a lookup's time bound) go through it.
   */
  default void later(Duration delay, Runnable task) {
    CompletableFuture.delayedExecutor(delay.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS).execute(task);
  }
}
