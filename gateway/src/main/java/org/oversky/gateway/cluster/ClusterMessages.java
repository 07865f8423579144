package org.oversky.gateway.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.oversky.gateway.crypto.HmacSha256;
import org.oversky.gateway.http.Json;
import org.oversky.gateway.metrics.Failures;
import org.oversky.gateway.routing.ClusterMonitor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One kind of message a node sends straight to every other node it knows ({@link ClusterMonitor#messageable}: {@code POST
 * /api/v1/cluster/KIND}), such as a purge or an ACME challenge: JSON signed with an HMAC-SHA256
 * under a key derived from the cluster secret and the kind, in the {@link #MAC_HEADER} header.
 * Each message carries its time ({@code at}, epoch ms), a random {@code id} and its sender ({@code
 * from}). A receiver takes only a message signed with the same secret for the same kind, made
 * within {@link #SKEW} of its own clock and not seen before (by id), so that a captured message
 * cannot be replayed. Without a cluster secret nothing is sent and nothing is taken.
 */
public final class ClusterMessages extends AbstractLifeCycle {
  /** How long a sender waits for the others' answers. */
  public static final Duration WAIT = Duration.ofSeconds(2);
  /** How far a message's time may be from the receiver's clock. */
  public static final Duration SKEW = Duration.ofMinutes(5);
  /** The header carrying the signature, lowercase hex. */
  public static final String MAC_HEADER = "Oversky-Cluster-Mac";

  private static final Logger LOG = LoggerFactory.getLogger(ClusterMessages.class);

  /** What became of a received message. */
  public enum Verdict {
    TAKEN,
    SEEN_BEFORE,
    BAD_SIGNATURE,
    STALE,
    MALFORMED,
    NO_SECRET
  }

  /** A received message: the verdict and, when {@link Verdict#TAKEN}, the message. */
  public record Received(Verdict verdict, Optional<JsonNode> message) {}

  private final String kind;
  private final HmacSha256.Key macKey;
  private final URI self;
  private final ClusterMonitor monitor;
  private final Failures failures;
  private final InstantSource clock;
  private final com.github.benmanes.caffeine.cache.Cache<String, Boolean> seen =
      com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(SKEW.multipliedBy(2)).build();
  private final SecureRandom random = new SecureRandom();
  private final LongAdder sent = new LongAdder();
  private final LongAdder taken = new LongAdder();
  private final LongAdder refused = new LongAdder();
  private HttpClient client;

  /**
   * @param kind the message's kind: its path below {@code /api/v1/cluster/} and part of its key
   * @param secret the cluster secret; empty: nothing is sent or taken
   */
  public ClusterMessages(String kind, String secret, URI self, ClusterMonitor monitor, Failures failures, InstantSource clock) {
    this.kind = kind;
    this.macKey = secret.isEmpty() ? null
        : new HmacSha256.Key(HmacSha256.of(secret.getBytes(StandardCharsets.UTF_8), ("oversky-cluster-" + kind).getBytes(StandardCharsets.US_ASCII)));
    this.self = self;
    this.monitor = monitor;
    this.failures = failures;
    this.clock = clock;
  }

  @Override
  protected void doStart() throws Exception {
    client = org.oversky.gateway.http.NodeClients.start("oversky-cluster-" + kind, WAIT.toMillis());
  }

  @Override
  protected void doStop() throws Exception {
    client.stop();
  }

  /** Whether messages go anywhere: the node has a cluster secret. */
  public boolean on() {
    return macKey != null;
  }

  /**
   * Sends {@code fields} (with {@code at}, {@code id} and {@code from} added) to every other node
   * known (DHT table or view, probed or not yet) that has not left; each node's answer completes {@code true} when it took the
   * message ({@code 200}), {@code false} otherwise (counted and logged as {@code what} not
   * confirmed). Empty map without a secret or other nodes.
   */
  public Map<URI, CompletableFuture<Boolean>> send(Map<String, Object> fields, String what) {
    Map<URI, CompletableFuture<Boolean>> answers = new LinkedHashMap<>();
    if (macKey == null) {
      return answers;
    }
    Signed signed = sign(fields);
    for (URI node : monitor.messageable()) {
      answers.put(node, post(node, signed, what));
    }
    return answers;
  }

  /**
   * Sends {@code fields} to {@code node} alone, as {@link #send} does to every node; completes
   * {@code false} at once without a secret.
   */
  public CompletableFuture<Boolean> sendTo(URI node, Map<String, Object> fields, String what) {
    return macKey == null ? CompletableFuture.completedFuture(false) : post(node, sign(fields), what);
  }

  /** A message's body and its signature. */
  private record Signed(String body, String mac) {}

  private Signed sign(Map<String, Object> fields) {
    Map<String, Object> message = new LinkedHashMap<>(fields);
    message.put("at", clock.millis());
    byte[] id = new byte[16];
    random.nextBytes(id);
    message.put("id", HexFormat.of().formatHex(id));
    message.put("from", self.toString());
    byte[] body;
    try {
      body = Json.MAPPER.writeValueAsBytes(message);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("a map of strings, numbers, booleans and lists of them is JSON", e);
    }
    return new Signed(new String(body, StandardCharsets.UTF_8), HexFormat.of().formatHex(macKey.of(body)));
  }

  private CompletableFuture<Boolean> post(URI node, Signed signed, String what) {
    CompletableFuture<Boolean> answer = new CompletableFuture<>();
    sent.increment();
    client.newRequest(node + "/api/v1/cluster/" + kind)
        .method(HttpMethod.POST)
        .headers(h -> h.put(MAC_HEADER, signed.mac()))
        .body(new StringRequestContent("application/json", signed.body()))
        .timeout(WAIT.toMillis(), TimeUnit.MILLISECONDS)
        .send(r -> {
          boolean ok = r.isSucceeded() && r.getResponse().getStatus() == 200;
          if (!ok) {
            failures.report(LOG, kind + "-not-confirmed", "node " + node + " did not confirm " + what + " ("
                + (r.isFailed() ? r.getFailure() : "HTTP " + r.getResponse().getStatus()) + ")", null);
          }
          answer.complete(ok);
        });
    return answer;
  }

  /** Checks a message another node sent: {@code body} as it came, {@code macHex} its signature header. */
  public Received receive(byte[] body, String macHex) {
    Received r = check(body, macHex);
    if (r.verdict() == Verdict.TAKEN) {
      taken.increment();
    } else if (r.verdict() != Verdict.SEEN_BEFORE) {
      refused.increment();
    }
    return r;
  }

  private Received check(byte[] body, String macHex) {
    if (macKey == null) {
      return new Received(Verdict.NO_SECRET, Optional.empty());
    }
    byte[] given;
    try {
      given = macHex == null ? new byte[0] : HexFormat.of().parseHex(macHex.trim());
    } catch (IllegalArgumentException e) {
      return new Received(Verdict.BAD_SIGNATURE, Optional.empty());
    }
    if (!MessageDigest.isEqual(given, macKey.of(body))) {
      return new Received(Verdict.BAD_SIGNATURE, Optional.empty());
    }
    JsonNode m;
    try {
      m = Json.MAPPER.readTree(body);
    } catch (java.io.IOException e) {
      return new Received(Verdict.MALFORMED, Optional.empty());
    }
    if (m == null || !m.path("at").isIntegralNumber() || !m.path("id").isTextual()) {
      return new Received(Verdict.MALFORMED, Optional.empty());
    }
    if (Math.abs(clock.millis() - m.get("at").asLong()) > SKEW.toMillis()) {
      return new Received(Verdict.STALE, Optional.empty());
    }
    if (seen.asMap().putIfAbsent(m.get("id").asText(), Boolean.TRUE) != null) {
      return new Received(Verdict.SEEN_BEFORE, Optional.empty());
    }
    return new Received(Verdict.TAKEN, Optional.of(m));
  }

  /** Counters for the status document. */
  public Map<String, Object> status() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("cluster", macKey != null);
    out.put("sent", sent.sum());
    out.put("taken", taken.sum());
    out.put("refused", refused.sum());
    return out;
  }
}
