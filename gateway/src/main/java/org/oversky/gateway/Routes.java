package org.oversky.gateway;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.oversky.gateway.api.ApiHandler;
import org.oversky.gateway.api.LegacyHandler;
import org.oversky.gateway.api.StatusHandler;
import org.oversky.gateway.http.Problem;
import org.oversky.gateway.key.KeyHandler;

/**
 * Where a request goes, in one place and in order: {@code /key/}, the API, the original
 * {@code oversky.php} actions, the status endpoints; anything else is a 404 problem.
 */
final class Routes extends Handler.Abstract {
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
      return api.handle(request, response, callback);
    }
    if (path.equals(LegacyHandler.PATH)) {
      return legacy.handle(request, response, callback);
    }
    if (path.equals("/") || path.equals("/healthz") || path.equals("/metrics")) {
      return status.handle(request, response, callback);
    }
    Problem.noRoute(request.getMethod(), path).send(response, callback);
    return true;
  }
}
