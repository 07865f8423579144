package org.oversky.gateway;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.oversky.gateway.api.ApiHandler;
import org.oversky.gateway.api.LegacyHandler;
import org.oversky.gateway.api.StatusHandler;
import org.oversky.gateway.http.Dispatch;
import org.oversky.gateway.http.Problem;
import org.oversky.gateway.key.KeyHandler;

/**
 * Where a request goes, in one place and in order: {@code /key/}, the API, the original
 * {@code oversky.php} actions, the status endpoints; anything else is a 404 problem.
 *
 * <p>Routes is non-blocking so that Jetty may run it on the thread that parsed the request: a hit
 * in memory is answered there without a thread hand-off. Routes that can block (disk, origin
 * fetches, request bodies) are dispatched to the thread pool with {@link Dispatch#blocking}.
 */
final class Routes extends Handler.Abstract.NonBlocking {
  private final KeyHandler key;
  private final ApiHandler api;
  private final LegacyHandler legacy;
  private final StatusHandler status;

  Routes(KeyHandler key, ApiHandler api, LegacyHandler legacy, StatusHandler status) {
    this.key = key;
    this.api = api;
    this.legacy = legacy;
    this.status = status;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    String path = Request.getPathInContext(request);
    if (path.startsWith(KeyHandler.PREFIX)) {
      return key.handle(request, response, callback);
    }
    if (path.startsWith(ApiHandler.PREFIX)) {
      Dispatch.blocking(request, callback, () -> api.handle(request, response, callback));
      return true;
    }
    if (path.equals(LegacyHandler.PATH)) {
      Dispatch.blocking(request, callback, () -> legacy.handle(request, response, callback));
      return true;
    }
    if (path.equals("/") || path.equals("/healthz") || path.equals("/metrics")) {
      Dispatch.blocking(request, callback, () -> status.handle(request, response, callback));
      return true;
    }
    Problem.noRoute(request.getMethod(), path).send(response, callback);
    return true;
  }
}
