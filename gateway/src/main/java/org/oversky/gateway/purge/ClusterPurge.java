package org.oversky.gateway.purge;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.oversky.gateway.http.Json;
import org.oversky.gateway.routing.ClusterMonitor;
import org.oversky.gateway.metrics.Failures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A purge taken by one node and carried to every node of the cluster. The node that takes it
 * purges its own copies, then sends the purge to every other node of its view ({@code POST
 * /api/v1/cluster/purge}) signed with an HMAC-SHA256 under a key derived from the cluster secret,
 * and waits up to {@link #WAIT} for their answers, so that the caller learns which nodes have
 * purged. A receiver takes only a purge that is signed with the same secret, made within
 * {@link #SKEW} of its own clock, and not seen before (by its id), so a captured message cannot be
 * replayed later. Without a cluster secret a purge stays on the node that took it.
 */
public final class ClusterPurge extends AbstractLifeCycle {
  /** How long the node that takes a purge waits for the others' answers. */
  static final Duration WAIT = Duration.ofSeconds(2);
  /** How far a purge's time may be from the receiver's clock. */
  static final Duration SKEW = Duration.ofMinutes(5);
  /** The header carrying the signature, lowercase hex. */
  public static final String MAC_HEADER = "Oversky-Cluster-Mac";

  private static final Logger LOG = LoggerFactory.getLogger(ClusterPurge.class);

  /** What a purge did. */
  public record Result(org.oversky.gateway.proxy.SiteHandler.PurgeScope scope, String value, int removedHere, List<String> confirmed, List<String> unconfirmed) {}



  /** Why a received purge was refused, or that it was taken. */
  public enum Received {
    TAKEN,
    SEEN_BEFORE,
    BAD_SIGNATURE,
    STALE,
    MALFORMED,
    NO_SECRET
  }

  private final byte[] macKey;
  private final URI self;
  private final ClusterMonitor monitor;
  private final LocalPurge localPurge;

  /** The purge on this node itself: how many variants it removed, or -1 when the value names nothing. */
  @FunctionalInterface
  public interface LocalPurge {
    int purge(org.oversky.gateway.proxy.SiteHandler.PurgeScope scope, String value, boolean soft);
  }
  private final Failures failures;
  private final InstantSource clock;
  private final com.github.benmanes.caffeine.cache.Cache<String, Boolean> seen =
      com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(SKEW.multipliedBy(2)).build();
  private final LongAdder sent = new LongAdder();
  private final LongAdder taken = new LongAdder();
  private final LongAdder refused = new LongAdder();
  private HttpClient client;

  /**
   * @param secret the cluster secret; empty: purges stay on this node
   * @param localPurge purges what a scope and value name on this node; how many variants there were, or -1 for a bad value
   */
  public ClusterPurge(String secret, URI self, ClusterMonitor monitor,
      LocalPurge localPurge, Failures failures, InstantSource clock) {
    this.macKey = secret.isEmpty() ? null : org.oversky.gateway.crypto.HmacSha256.of(secret.getBytes(StandardCharsets.UTF_8), "oversky-cluster-purge".getBytes(StandardCharsets.US_ASCII));
    this.self = self;
    this.monitor = monitor;
    this.localPurge = localPurge;
    this.failures = failures;
    this.clock = clock;
  }

  @Override
  protected void doStart() throws Exception {
    client = org.oversky.gateway.http.NodeClients.start("oversky-purge-client", WAIT.toMillis());
  }

  @Override
  protected void doStop() throws Exception {
    client.stop();
  }

  /**
   * Purges what {@code scope} and {@code value} name here and on every other node of the view
   * ({@code soft}: marks it stale instead of removing it); empty for a value that names nothing.
   */
  public Optional<CompletableFuture<Result>> purge(org.oversky.gateway.proxy.SiteHandler.PurgeScope scope, String value, boolean soft) {
    int removed = localPurge.purge(scope, value, soft);
    if (removed < 0) {
      return Optional.empty();
    }
    List<URI> others = new ArrayList<>();
    if (macKey != null) {
      for (ClusterMonitor.Verdict v : monitor.nodes()) {
        URI node = v.seenHere().url();
        if (!node.equals(self) && !v.state().equals("left")) {
          others.add(node);
        }
      }
    }
    if (others.isEmpty()) {
      return Optional.of(CompletableFuture.completedFuture(new Result(scope, value, removed, List.of(), List.of())));
    }
    Map<String, Object> message = new LinkedHashMap<>();
    message.put("scope", scope.name().toLowerCase(java.util.Locale.ROOT));
    message.put("value", value);
    message.put("soft", soft);
    message.put("at", clock.millis());
    message.put("id", HexFormat.of().formatHex(randomId()));
    message.put("from", self.toString());
    byte[] body;
    try {
      body = Json.MAPPER.writeValueAsBytes(message);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("a map of strings and numbers is JSON", e);
    }
    String mac = HexFormat.of().formatHex(org.oversky.gateway.crypto.HmacSha256.of(macKey, body));
    Map<URI, CompletableFuture<Boolean>> answers = new LinkedHashMap<>();
    for (URI node : others) {
      CompletableFuture<Boolean> answer = new CompletableFuture<>();
      sent.increment();
      client.newRequest(node + "/api/v1/cluster/purge")
          .method(HttpMethod.POST)
          .headers(h -> h.put(MAC_HEADER, mac))
          .body(new StringRequestContent("application/json", new String(body, StandardCharsets.UTF_8)))
          .timeout(WAIT.toMillis(), TimeUnit.MILLISECONDS)
          .send(r -> {
            boolean ok = r.isSucceeded() && r.getResponse().getStatus() == 200;
            if (!ok) {
              failures.report(LOG, "purge-not-confirmed", "node " + node + " did not confirm the purge of " + scope + " " + value + " ("
                  + (r.isFailed() ? r.getFailure() : "HTTP " + r.getResponse().getStatus()) + "); its copy expires on its own", null);
            }
            answer.complete(ok);
          });
      answers.put(node, answer);
    }
    return Optional.of(CompletableFuture.allOf(answers.values().toArray(CompletableFuture[]::new)).thenApply(v -> {
      List<String> confirmed = new ArrayList<>();
      List<String> unconfirmed = new ArrayList<>();
      answers.forEach((node, f) -> (f.join() ? confirmed : unconfirmed).add(node.toString()));
      return new Result(scope, value, removed, confirmed, unconfirmed);
    }));
  }

  private final java.security.SecureRandom random = new java.security.SecureRandom();

  private byte[] randomId() {
    byte[] id = new byte[16];
    random.nextBytes(id);
    return id;
  }

  /** Takes a purge another node sent: {@code body} as it came, {@code macHex} its signature header. */
  public Received receive(byte[] body, String macHex) {
    Received r = check(body, macHex);
    if (r == Received.TAKEN) {
      taken.increment();
    } else if (r != Received.SEEN_BEFORE) {
      refused.increment();
    }
    return r;
  }

  private Received check(byte[] body, String macHex) {
    if (macKey == null) {
      return Received.NO_SECRET;
    }
    byte[] given;
    try {
      given = macHex == null ? new byte[0] : HexFormat.of().parseHex(macHex.trim());
    } catch (IllegalArgumentException e) {
      return Received.BAD_SIGNATURE;
    }
    if (!MessageDigest.isEqual(given, org.oversky.gateway.crypto.HmacSha256.of(macKey, body))) {
      return Received.BAD_SIGNATURE;
    }
    JsonNode m;
    try {
      m = Json.MAPPER.readTree(body);
    } catch (java.io.IOException e) {
      return Received.MALFORMED;
    }
    if (m == null || !m.path("scope").isTextual() || !m.path("value").isTextual() || !m.path("at").isIntegralNumber() || !m.path("id").isTextual()) {
      return Received.MALFORMED;
    }
    org.oversky.gateway.proxy.SiteHandler.PurgeScope scope;
    try {
      scope = org.oversky.gateway.proxy.SiteHandler.PurgeScope.valueOf(m.get("scope").asText().toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      return Received.MALFORMED;
    }
    if (Math.abs(clock.millis() - m.get("at").asLong()) > SKEW.toMillis()) {
      return Received.STALE;
    }
    if (seen.asMap().putIfAbsent(m.get("id").asText(), Boolean.TRUE) != null) {
      return Received.SEEN_BEFORE;
    }
    return localPurge.purge(scope, m.get("value").asText(), m.path("soft").asBoolean(false)) < 0 ? Received.MALFORMED : Received.TAKEN;
  }

  /** Counters for the status page. */
  public Map<String, Object> status() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("cluster", macKey != null);
    out.put("sent", sent.sum());
    out.put("taken", taken.sum());
    out.put("refused", refused.sum());
    return out;
  }

}
