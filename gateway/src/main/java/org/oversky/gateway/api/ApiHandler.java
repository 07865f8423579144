package org.oversky.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.oversky.cache.ContentStore;
import org.oversky.gateway.dht.Hosts;
import org.oversky.gateway.fetch.OriginFetcher;
import org.oversky.gateway.http.Json;
import org.oversky.gateway.http.Problem;
import org.oversky.gateway.http.RequestBodies;
import org.oversky.gateway.proxy.SiteHandler;

/** The JSON API under {@code /api/v1/}: {@code register}, {@code status} and the admin {@code cache} purge. */
public final class ApiHandler extends Handler.Abstract {
  /** The path prefix this handler serves. */
  public static final String PREFIX = "/api/v1/";

  private static final int MAX_REQUEST_BODY = 64 * 1024;

  private final Registrar registrar;
  private final Hosts hosts;
  private final org.oversky.gateway.routing.RoutingApi routingApi;
  private final NodeInfo info;
  private final SiteHandler sites;
  private final byte[] adminToken;
  private final org.oversky.gateway.replica.Replicas replicas;
  private final org.oversky.gateway.purge.ClusterPurge purges;
  private final org.oversky.gateway.acme.ChallengeAnswers challenges;
  private final org.oversky.gateway.proxy.DirectoryHandOver handOver;
  private final java.util.function.Supplier<java.util.Map<String, Object>> history;

  public ApiHandler(
      OriginFetcher fetcher, ContentStore store, Hosts hosts, NodeInfo info, SiteHandler sites, String adminToken,
      org.oversky.gateway.routing.RoutingApi routingApi, org.oversky.gateway.replica.Replicas replicas,
      org.oversky.gateway.purge.ClusterPurge purges, org.oversky.gateway.acme.ChallengeAnswers challenges,
      org.oversky.gateway.proxy.DirectoryHandOver handOver, java.util.function.Supplier<java.util.Map<String, Object>> history) {
    this.challenges = challenges;
    this.handOver = handOver;
    this.purges = purges;
    this.history = history;
    this.routingApi = routingApi;
    this.replicas = replicas;
    this.registrar = new Registrar(fetcher, store, replicas::checkSoon);
    this.hosts = hosts;
    this.info = info;
    this.sites = sites;
    this.adminToken = adminToken.getBytes(StandardCharsets.UTF_8);
  }

  Registrar registrar() {
    return registrar;
  }

  Hosts hosts() {
    return hosts;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    return serve(Request.getPathInContext(request), request, response, callback);
  }

  /** Handles a request whose path below the gateway's mount point is {@code path}. */
  public boolean serve(String path, Request request, Response response, Callback callback) throws Exception {
    String method = request.getMethod();
    if (path.startsWith(PREFIX + KEYS)) {
      keys(path.substring(PREFIX.length() + KEYS.length()), request, response, callback);
      return true;
    }
    switch (path) {
      case PREFIX + "register" -> {
        if (!HttpMethod.POST.is(method)) {
          Problem.methodNotAllowed(method, "POST").send(response, callback);
        } else {
          register(request, response, callback);
        }
      }
      case PREFIX + "status" -> {
        if (!HttpMethod.GET.is(method) && !HttpMethod.HEAD.is(method)) {
          Problem.methodNotAllowed(method, "GET").send(response, callback);
        } else {
          Json.send(response, callback, 200, info.status());
        }
      }
      case PREFIX + "hosts" -> {
        if (HttpMethod.GET.is(method) || HttpMethod.HEAD.is(method)) {
          hosts.list(response, callback);
        } else if (HttpMethod.POST.is(method)) {
          readField(request, response, callback, "url", "{\"url\": \"http://203.0.113.5:8080\"}")
              .ifPresent(url -> hosts.join(url, response, callback));
        } else {
          Problem.methodNotAllowed(method, "GET, POST").send(response, callback);
        }
      }
      case PREFIX + "health", PREFIX + "health/probe", PREFIX + "cluster", PREFIX + "routing/explain" -> {
        if (!HttpMethod.GET.is(method) && !HttpMethod.HEAD.is(method)) {
          Problem.methodNotAllowed(method, "GET").send(response, callback);
        } else if (path.endsWith("health")) {
          routingApi.health(response, callback);
        } else if (path.endsWith("probe")) {
          routingApi.probeFor(request, response, callback);
        } else if (path.endsWith("cluster")) {
          routingApi.cluster(response, callback);
        } else {
          routingApi.explain(request, response, callback);
        }
      }
      case PREFIX + "drain" -> {
        if (!HttpMethod.POST.is(method) && !HttpMethod.DELETE.is(method)) {
          Problem.methodNotAllowed(method, "POST, DELETE").send(response, callback);
        } else if (admin(request, response, callback)) {
          routingApi.drain(HttpMethod.POST.is(method), response, callback);
        }
      }
      case PREFIX + "cache" -> {
        if (!HttpMethod.DELETE.is(method)) {
          Problem.methodNotAllowed(method, "DELETE").send(response, callback);
        } else {
          purge(request, response, callback);
        }
      }
      case PREFIX + "history" -> {
        if (!HttpMethod.GET.is(method) && !HttpMethod.HEAD.is(method)) {
          Problem.methodNotAllowed(method, "GET").send(response, callback);
        } else {
          Json.send(response, callback, 200, history.get());
        }
      }
      case PREFIX + "cluster/purge" -> {
        if (!HttpMethod.POST.is(method)) {
          Problem.methodNotAllowed(method, "POST").send(response, callback);
        } else {
          clusterPurge(request, response, callback);
        }
      }
      case PREFIX + "cluster/directory" -> {
        if (!HttpMethod.POST.is(method)) {
          Problem.methodNotAllowed(method, "POST").send(response, callback);
        } else {
          clusterMessage(request, response, callback, handOver::receive, java.util.Map.of("taken", true), "a hand-over of directory entries",
              "it keeps no directory", "stale-message", "Stale message", "malformed-directory-entries",
              "a hand-over of directory entries is {\"entries\": [{\"url\": \"http://HOST/PATH\", \"filler\": \"NODE URL\"}]}");
        }
      }
      case PREFIX + "cluster/acme" -> {
        if (!HttpMethod.POST.is(method)) {
          Problem.methodNotAllowed(method, "POST").send(response, callback);
        } else {
          clusterAcme(request, response, callback);
        }
      }
      default -> Problem.noRoute(method, path).send(response, callback);
    }
    return true;
  }

  private static final String KEYS = "keys/";
  /** The most copies a node may ask another to keep a key at. */
  private static final int MAX_COPIES = org.oversky.conf.SiteConfig.MAX_REPLICAS;

  /**
   * {@code GET /api/v1/keys/<sha>/placement}: where a key should be and where it is; {@code POST
   * /api/v1/keys/<sha>/replicate} with {@code {"from": URL}}: another node asks this one to copy a
   * key from it (202, or 200 when held already).
   */
  private void keys(String rest, Request request, Response response, Callback callback) throws java.io.IOException {
    int slash = rest.indexOf('/');
    String hex = slash < 0 ? rest : rest.substring(0, slash);
    String what = slash < 0 ? "" : rest.substring(slash + 1);
    String method = request.getMethod();
    if (!org.oversky.cache.ContentKey.isWellFormed(hex)) {
      Problem.badRequest("malformed-key", "use the SHA-256 of the body as 64 lowercase hex digits: /api/v1/keys/<sha256>/placement")
          .send(response, callback);
      return;
    }
    org.oversky.cache.ContentKey key = new org.oversky.cache.ContentKey(hex);
    switch (what) {
      case "placement" -> {
        if (!HttpMethod.GET.is(method) && !HttpMethod.HEAD.is(method)) {
          Problem.methodNotAllowed(method, "GET").send(response, callback);
        } else {
          Json.send(response, callback, 200, replicas.placement(key));
        }
      }
      case "replicate" -> {
        if (!HttpMethod.POST.is(method)) {
          Problem.methodNotAllowed(method, "POST").send(response, callback);
          return;
        }
        String example = "{\"from\": \"http://203.0.113.5:8080\", \"copies\": 3}";
        java.util.Optional<JsonNode> body = readBody(request, response, callback, example);
        if (body.isEmpty()) {
          return;
        }
        JsonNode from = body.get().get("from");
        if (from == null || !from.isTextual()) {
          Problem.badRequest("missing-from", "give the from as " + example).send(response, callback);
          return;
        }
        java.net.URI node;
        try {
          node = java.net.URI.create(from.asText().trim());
        } catch (IllegalArgumentException e) {
          Problem.badRequest("bad-from", "from is the base URL of the node holding the key, such as http://203.0.113.5:8080").send(response, callback);
          return;
        }
        JsonNode copiesField = body.get().get("copies");
        java.util.Optional<Integer> copies = java.util.Optional.empty();
        if (copiesField != null) {
          if (!copiesField.canConvertToInt() || !copiesField.isIntegralNumber() || copiesField.asInt() < 1 || copiesField.asInt() > MAX_COPIES) {
            Problem.badRequest("bad-copies", "copies is how many nodes should hold the key, 1 to " + MAX_COPIES + ", as in " + example)
                .send(response, callback);
            return;
          }
          copies = java.util.Optional.of(copiesField.asInt());
        }
        switch (replicas.copyFrom(key, node, copies)) {
          case HELD -> Json.send(response, callback, 200, java.util.Map.of("key", hex, "held", true));
          case QUEUED -> Json.send(response, callback, 202, java.util.Map.of("key", hex, "held", false, "from", node.toString()));
          case UNKNOWN_NODE -> new Problem(403, "unknown-node", "Unknown node",
                  node + " is not a node this one knows; only nodes of the cluster view are copied from").send(response, callback);
          case BUSY -> {
            response.getHeaders().put(HttpHeader.RETRY_AFTER, "10");
            new Problem(503, "replicas-busy", "Too many copies waiting", "this node has too many copies to make; ask again later")
                .send(response, callback);
          }
        }
      }
      default -> Problem.noRoute(method, PREFIX + KEYS + rest).send(response, callback);
    }
  }

  /** {@code DELETE /api/v1/cache?url=…}: removes every stored variant of a site URL; admin only. */
  private void purge(Request request, Response response, Callback callback) {
    if (!admin(request, response, callback)) {
      return;
    }
    org.eclipse.jetty.util.Fields query = Request.extractQueryParameters(request);
    java.util.List<SiteHandler.PurgeScope> given = java.util.Arrays.stream(SiteHandler.PurgeScope.values())
        .filter(sc -> query.getValue(sc.name().toLowerCase(java.util.Locale.ROOT)) != null).toList();
    java.util.Optional<java.util.concurrent.CompletableFuture<org.oversky.gateway.purge.ClusterPurge.Result>> purge = given.size() != 1
        ? java.util.Optional.empty()
        : purges.purge(given.get(0), query.getValue(given.get(0).name().toLowerCase(java.util.Locale.ROOT)), "true".equals(query.getValue("soft")));
    if (purge.isEmpty()) {
      Problem.badRequest("bad-purge", "name one thing to purge: ?url=https://www.example.com/page, ?prefix=https://www.example.com/img/,"
              + " ?site=www.example.com or ?tag=TAG (a Surrogate-Key or Cache-Tag the origin sent)")
          .send(response, callback);
      return;
    }
    // answered when the other nodes have confirmed (or 2 s passed), on the thread that saw it: nothing blocks here
    purge.get().whenComplete((r, e) -> {
      if (e != null) {
        callback.failed(e);
        return;
      }
      java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
      out.put(r.scope().name().toLowerCase(java.util.Locale.ROOT), r.value());
      out.put("purged", r.removedHere());
      out.put("soft", "true".equals(query.getValue("soft")));
      out.put("confirmedBy", r.confirmed());
      out.put("unconfirmed", r.unconfirmed());
      Json.send(response, callback, 200, out);
    });
  }

  /** {@code POST /api/v1/cluster/purge}: another node of the cluster carries a purge here, signed with the cluster secret. */
  private void clusterPurge(Request request, Response response, Callback callback) throws java.io.IOException {
    clusterMessage(request, response, callback, purges::receive, java.util.Map.of("purged", true), "a purge",
        "it takes purges only through its admin API", "stale-purge", "Stale purge", "malformed-purge",
        "a purge is {\"scope\", \"value\", \"at\", \"id\", \"from\"} naming something to purge");
  }

  /** {@code POST /api/v1/cluster/acme}: the node that orders a certificate sends a challenge's answer here, signed with the cluster secret. */
  private void clusterAcme(Request request, Response response, Callback callback) throws java.io.IOException {
    clusterMessage(request, response, callback, challenges::receive, java.util.Map.of("taken", true), "a challenge's answer",
        "it answers only its own ACME challenges", "stale-message", "Stale message", "malformed-acme-message",
        "an ACME answer is {\"type\": \"http-01\", \"token\", \"value\"} or {\"type\": \"tls-alpn-01\", \"host\", \"value\" (base64 of 32 bytes)}");
  }

  /** A signed message from another node of the cluster: taken by {@code receive}, answered by its verdict. */
  private void clusterMessage(Request request, Response response, Callback callback,
      java.util.function.BiFunction<byte[], String, org.oversky.gateway.cluster.ClusterMessages.Verdict> receive,
      java.util.Map<String, Object> taken, String what, String withoutSecret, String staleType, String staleTitle,
      String malformedType, String malformedDetail) throws java.io.IOException {
    java.util.Optional<byte[]> body = RequestBodies.read(request, MAX_REQUEST_BODY);
    if (body.isEmpty()) {
      new Problem(413, "request-too-large", "Request too large", what + " is a small JSON object").send(response, callback);
      return;
    }
    switch (receive.apply(body.get(), request.getHeaders().get(org.oversky.gateway.cluster.ClusterMessages.MAC_HEADER))) {
      case TAKEN, SEEN_BEFORE -> Json.send(response, callback, 200, taken);
      case NO_SECRET -> new Problem(403, "no-cluster-secret", "No cluster secret",
          "this node has no cluster.secret, so " + withoutSecret).send(response, callback);
      case BAD_SIGNATURE -> new Problem(403, "bad-signature", "Bad signature",
          what + " is not signed with this cluster's secret (" + org.oversky.gateway.cluster.ClusterMessages.MAC_HEADER + ")")
          .send(response, callback);
      case STALE -> new Problem(422, staleType, staleTitle,
          what + " was made more than 5 minutes from this node's time; check the clocks").send(response, callback);
      case MALFORMED -> Problem.badRequest(malformedType, malformedDetail).send(response, callback);
    }
  }

  /** Whether the request carries the admin token; if not, it has been answered 403 or 401. */
  private boolean admin(Request request, Response response, Callback callback) {
    if (adminToken.length == 0) {
      new Problem(403, "admin-off", "Admin API off", "set admin-token in the node's configuration to use the admin API")
          .send(response, callback);
      return false;
    }
    String auth = request.getHeaders().get(HttpHeader.AUTHORIZATION);
    byte[] given = auth != null && auth.startsWith("Bearer ") ? auth.substring(7).trim().getBytes(StandardCharsets.UTF_8) : new byte[0];
    if (!MessageDigest.isEqual(given, adminToken)) {
      response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer");
      new Problem(401, "unauthorized", "Unauthorized", "send the admin token as 'Authorization: Bearer <token>'")
          .send(response, callback);
      return false;
    }
    return true;
  }

  private void register(Request request, Response response, Callback callback) throws java.io.IOException {
    readField(request, response, callback, "location", "{\"location\": \"https://example.com/file\"}")
        .ifPresent(location -> registrar.registerAndRespond(location, response, callback));
  }

  /**
   * The text field {@code name} of a small JSON request body; empty after answering with a
   * problem when the body is too large, not JSON, or lacks the field.
   */
  private static java.util.Optional<String> readField(
      Request request, Response response, Callback callback, String name, String example) throws java.io.IOException {
    java.util.Optional<JsonNode> body = readBody(request, response, callback, example);
    if (body.isEmpty()) {
      return java.util.Optional.empty();
    }
    JsonNode field = body.get().get(name);
    if (field == null || !field.isTextual()) {
      Problem.badRequest("missing-" + name, "give the " + name + " as " + example).send(response, callback);
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(field.asText());
  }

  /** The request's body as a JSON object, or empty after sending the problem with it. */
  private static java.util.Optional<JsonNode> readBody(Request request, Response response, Callback callback, String example)
      throws java.io.IOException {
    Problem tooLarge =
        new Problem(413, "request-too-large", "Request too large", "the body is a small JSON object such as " + example);
    java.util.Optional<byte[]> raw = RequestBodies.read(request, MAX_REQUEST_BODY);
    if (raw.isEmpty()) {
      tooLarge.send(response, callback);
      return java.util.Optional.empty();
    }
    JsonNode body;
    try {
      body = Json.MAPPER.readTree(new String(raw.get(), StandardCharsets.UTF_8));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      Problem.badRequest("malformed-json", "the body must be JSON such as " + example).send(response, callback);
      return java.util.Optional.empty();
    }
    if (body == null || !body.isObject()) {
      Problem.badRequest("malformed-json", "the body must be a JSON object such as " + example).send(response, callback);
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(body);
  }
}
