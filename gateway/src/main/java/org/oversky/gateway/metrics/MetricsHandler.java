package org.oversky.gateway.metrics;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** Times every request that passes through it and counts it by route and outcome. */
public final class MetricsHandler extends Handler.Wrapper {
  private final GatewayMetrics metrics;
  private final String mount;

  public MetricsHandler(GatewayMetrics metrics, Handler next) {
    this(metrics, "", next);
  }

  /** Counts requests below {@code mount} (such as {@code /cdn}, or empty) by their route under it. */
  public MetricsHandler(GatewayMetrics metrics, String mount, Handler next) {
    super(next);
    this.metrics = metrics;
    this.mount = mount;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    long start = System.nanoTime();
    String full = Request.getPathInContext(request);
    String route = route(!mount.isEmpty() && full.startsWith(mount) ? full.substring(mount.length()) : full);
    Callback timed =
        new Callback.Nested(callback) {
          @Override
          public void succeeded() {
            metrics.record(route, response.getStatus(), System.nanoTime() - start, Response.getContentBytesWritten(response));
            super.succeeded();
          }

          @Override
          public void failed(Throwable x) {
            metrics.record(route, 500, System.nanoTime() - start, Response.getContentBytesWritten(response));
            super.failed(x);
          }
        };
    return super.handle(request, response, timed);
  }

  /** A small, fixed set of route labels, so hostile paths cannot blow up the metric count. */
  static String route(String path) {
    if (path.startsWith("/key/")) {
      return "key";
    }
    if (path.startsWith("/api/")) {
      return "api";
    }
    if (path.startsWith("/oversky.php")) {
      return "legacy";
    }
    if (path.equals("/healthz") || path.equals("/metrics") || path.equals("/")) {
      return "status";
    }
    return "other";
  }
}
