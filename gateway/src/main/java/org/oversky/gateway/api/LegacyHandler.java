package org.oversky.gateway.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.oversky.cache.ContentKey;
import org.oversky.conf.NodeConfig;
import org.oversky.gateway.dht.Hosts;
import org.oversky.gateway.http.Json;
import org.oversky.gateway.http.Problem;
import org.oversky.gateway.node.SanityChecks;

/**
 * The original system's four actions at {@code /oversky.php?action=…}, kept as aliases of the
 * API: {@code register&location=}, {@code get&key=} (a redirect to {@code /key/…}), {@code setup}
 * (the sanity checks) and {@code hostdiscovery&host=} (join the DHT through that host).
 */
public final class LegacyHandler extends Handler.Abstract {
  /** The path of the original endpoint. */
  public static final String PATH = "/oversky.php";

  private final Registrar registrar;
  private final Hosts hosts;
  private final NodeConfig config;

  public LegacyHandler(ApiHandler api, NodeConfig config) {
    this.registrar = api.registrar();
    this.hosts = api.hosts();
    this.config = config;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    Fields params = Request.getParameters(request);
    String action = params.getValue("action");
    switch (action == null ? "" : action) {
      case "register" -> registrar.registerAndRespond(params.getValue("location"), response, callback);
      case "get" -> get(params.getValue("key"), request, response, callback);
      case "setup" -> setup(response, callback);
      case "hostdiscovery" -> hosts.join(params.getValue("host"), response, callback);
      default ->
          Problem.badRequest(
                  "unknown-action",
                  "action must be one of register, get, setup, hostdiscovery; got '" + (action == null ? "" : action) + "'")
              .send(response, callback);
    }
    return true;
  }

  private static void get(String key, Request request, Response response, Callback callback) {
    if (key == null || !ContentKey.isWellFormed(key)) {
      Problem.badRequest("malformed-key", "key must be the SHA-256 of a body as 64 lowercase hex digits")
          .send(response, callback);
      return;
    }
    Response.sendRedirect(request, response, callback, 302, "/key/" + key, true);
  }

  private void setup(Response response, Callback callback) {
    List<SanityChecks.Check> checks = SanityChecks.run(config, false);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("ok", SanityChecks.allOk(checks));
    out.put("checks", checks);
    Json.send(response, callback, 200, out);
  }
}
