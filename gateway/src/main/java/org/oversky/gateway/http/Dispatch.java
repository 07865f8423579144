package org.oversky.gateway.http;

import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Callback;

/**
 * Runs work that may block (disk, origin fetches, request bodies) on the server's thread pool.
 * The gateway's handlers declare themselves non-blocking so that Jetty can answer hits in the
 * thread that parsed the request; everything that can block goes through here first.
 */
public final class Dispatch {
  /** Work that completes the request's callback itself, or throws. */
  @FunctionalInterface
  public interface Work {
    void run() throws Exception;
  }

  private Dispatch() {}

  /** Runs {@code work} on a pool thread; a throw fails the request's callback. */
  public static void blocking(Request request, Callback callback, Work work) {
    request
        .getComponents()
        .getExecutor()
        .execute(
            () -> {
              try {
                work.run();
              } catch (Throwable t) {
                callback.failed(t);
              }
            });
  }
}
