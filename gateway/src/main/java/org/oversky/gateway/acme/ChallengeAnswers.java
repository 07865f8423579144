package org.oversky.gateway.acme;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.oversky.dht.id.NodeId;
import org.oversky.dht.rpc.SignedRecord;
import org.oversky.gateway.cluster.ClusterMessages;
import org.oversky.gateway.dht.DhtService;
import org.oversky.gateway.metrics.Failures;
import org.oversky.gateway.routing.ClusterMonitor;
import org.oversky.gateway.tls.SelfSigned;
import org.oversky.gateway.tls.SiteCertificates;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The answers to ACME challenges, which the certificate authority may ask of any node the site's
 * name leads to: HTTP-01 ({@code GET /.well-known/acme-challenge/TOKEN}, RFC 8555 §8.3) and
 * TLS-ALPN-01 (a TLS handshake for the name offering only ALPN {@code acme-tls/1}, answered with a
 * self-signed certificate holding the key authorization's digest, RFC 8737).
 *
 * <p>The node that orders a certificate posts the answer here; it reaches the other nodes of the
 * cluster two ways: sent to every node of the view as a signed {@link ClusterMessages} of kind
 * {@code acme} (before the authority is told to check), and, for HTTP-01, as a DHT record sealed
 * with the cluster secret under a key derived from the token, which a node that missed the message
 * looks up when asked. Answers live {@link #LIFE} at most. Without a cluster secret, answers stay on
 * the node that ordered.
 */
public final class ChallengeAnswers extends ContainerLifeCycle {
  /** Where the certificate authority asks for HTTP-01. */
  public static final String PATH = "/.well-known/acme-challenge/";
  /** The ALPN protocol of a TLS-ALPN-01 check. */
  public static final String ACME_TLS_PROTOCOL = "acme-tls/1";
  /** How long a lookup for another node's answer may take. */
  static final Duration LOOKUP_BUDGET = Duration.ofSeconds(3);
  /** How long an answer lives: the order waits for its validation no longer. */
  static final Duration LIFE = Duration.ofMinutes(10);
  /** A token is base64url (RFC 8555 §8.1), and not absurdly long. */
  private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{1,256}");

  private static final Logger LOG = LoggerFactory.getLogger(ChallengeAnswers.class);

  /** An answer, until when it is given, and whether this node posted it (else another node sent it). */
  private record Pending(String value, Instant until, boolean own) {}

  private final Map<String, Pending> http01 = new ConcurrentHashMap<>();
  private final Map<String, Pending> tlsAlpn01 = new ConcurrentHashMap<>();
  private final Map<String, SiteCertificates.Held> alpnCertificates = new ConcurrentHashMap<>();
  private final Optional<ClusterSeal> seal;
  private final ClusterMessages messages;
  private final DhtService dht;
  private final Failures failures;
  private final InstantSource clock;
  private final LongAdder answeredHere = new LongAdder();
  private final LongAdder answeredFromCluster = new LongAdder();
  private final LongAdder unknown = new LongAdder();
  private final LongAdder alpnHandshakes = new LongAdder();

  /** A node's answers, shared with the cluster when {@code secret} is not empty. */
  public ChallengeAnswers(String secret, URI self, ClusterMonitor monitor, DhtService dht, Failures failures, InstantSource clock) {
    this.seal = secret.isEmpty() ? Optional.empty() : Optional.of(new ClusterSeal(secret));
    this.messages = new ClusterMessages("acme", secret, self, monitor, failures, clock);
    this.dht = dht;
    this.failures = failures;
    this.clock = clock;
    addBean(messages);
  }

  /** Whether {@code token} is a token's syntax; anything else is answered 404 without a lookup. */
  public static boolean isToken(String token) {
    return TOKEN.matcher(token).matches();
  }

  /**
   * Holds {@code keyAuthorization} as the HTTP-01 answer for {@code token} here, sends it to the
   * other nodes and puts it in the DHT; completes when they have answered (or timed out).
   */
  CompletableFuture<Void> postHttp01(String token, String keyAuthorization) {
    http01.put(token, new Pending(keyAuthorization, clock.instant().plus(LIFE), true));
    List<CompletableFuture<?>> done = new ArrayList<>(send("http-01", "token", token, keyAuthorization));
    if (seal.isPresent()) {
      NodeId key = seal.get().key("http-01", token);
      byte[] value = seal.get().seal(key, keyAuthorization.getBytes(StandardCharsets.US_ASCII));
      long expires = dht.node().now() + LIFE.toMillis();
      done.add(dht.node().putRecord(SignedRecord.sign(key, value, expires, dht.identity().keyPair())));
    }
    return CompletableFuture.allOf(done.toArray(CompletableFuture[]::new));
  }

  /**
   * Holds the TLS-ALPN-01 answer for {@code host} (the SHA-256 of {@code keyAuthorization}) here
   * and sends it to the other nodes; completes when they have answered (or timed out).
   */
  CompletableFuture<Void> postTlsAlpn01(String host, String keyAuthorization) {
    String validation = Base64.getEncoder().encodeToString(org.oversky.gateway.crypto.Sha256.of(keyAuthorization));
    tlsAlpn01.put(host, new Pending(validation, clock.instant().plus(LIFE), true));
    alpnCertificates.remove(host);
    return CompletableFuture.allOf(send("tls-alpn-01", "host", host, validation).toArray(CompletableFuture[]::new));
  }

  private List<CompletableFuture<Boolean>> send(String type, String nameField, String name, String value) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", type);
    m.put(nameField, name);
    m.put("value", value);
    return List.copyOf(messages.send(m, "the " + type + " answer for " + name).values());
  }

  /** Drops this node's HTTP-01 answer for {@code token} once the authority has decided (the others' expire). */
  void withdrawHttp01(String token) {
    http01.remove(token);
  }

  /** Drops this node's TLS-ALPN-01 answer for {@code host} once the authority has decided. */
  void withdrawTlsAlpn01(String host) {
    tlsAlpn01.remove(host);
    alpnCertificates.remove(host);
  }

  /** Takes an answer another node of the cluster sent ({@code POST /api/v1/cluster/acme}). */
  public ClusterMessages.Verdict receive(byte[] body, String macHex) {
    ClusterMessages.Received r = messages.receive(body, macHex);
    if (r.verdict() != ClusterMessages.Verdict.TAKEN) {
      return r.verdict();
    }
    JsonNode m = r.message().orElseThrow();
    String value = m.path("value").asText("");
    Pending pending = new Pending(value, clock.instant().plus(LIFE), false);
    switch (m.path("type").asText("")) {
      case "http-01" -> {
        String token = m.path("token").asText("");
        if (!isToken(token) || value.isEmpty() || value.length() > 512) {
          return ClusterMessages.Verdict.MALFORMED;
        }
        http01.put(token, pending);
      }
      case "tls-alpn-01" -> {
        String host = m.path("host").asText("");
        byte[] digest;
        try {
          digest = Base64.getDecoder().decode(value);
        } catch (IllegalArgumentException e) {
          return ClusterMessages.Verdict.MALFORMED;
        }
        if (digest.length != 32 || !host.matches("[a-z0-9.-]{1,253}")) {
          return ClusterMessages.Verdict.MALFORMED;
        }
        tlsAlpn01.put(host, pending);
        alpnCertificates.remove(host);
      }
      default -> {
        return ClusterMessages.Verdict.MALFORMED;
      }
    }
    return ClusterMessages.Verdict.TAKEN;
  }

  /**
   * The HTTP-01 answer for {@code token}: this node's own or one another node sent, else one the
   * cluster holds in the DHT; empty when none knows the token. Never fails: a failed lookup is
   * counted and reads as unknown.
   */
  public CompletableFuture<Optional<String>> answer(String token) {
    Pending here = http01.get(token);
    if (here != null && clock.instant().isBefore(here.until())) {
      (here.own() ? answeredHere : answeredFromCluster).increment();
      return CompletableFuture.completedFuture(Optional.of(here.value()));
    }
    if (seal.isEmpty() || !isToken(token)) {
      unknown.increment();
      return CompletableFuture.completedFuture(Optional.empty());
    }
    NodeId key = seal.get().key("http-01", token);
    Map<SignedRecord, String> opened = new ConcurrentHashMap<>();
    return dht.node().findRecord(key, r -> {
          Optional<byte[]> plain = seal.get().open(key, r.value());
          plain.ifPresent(b -> opened.put(r, new String(b, StandardCharsets.US_ASCII)));
          return plain.isPresent();
        })
        .orTimeout(LOOKUP_BUDGET.toMillis(), TimeUnit.MILLISECONDS)
        .handle((result, failure) -> {
          if (failure != null) {
            failures.report(LOG, "acme-challenge-lookup-failed", "the lookup of ACME challenge token " + token
                + " in the cluster failed; answered as unknown", failure);
            unknown.increment();
            return Optional.<String>empty();
          }
          Optional<String> found = result.record().map(opened::get);
          (found.isPresent() ? answeredFromCluster : unknown).increment();
          return found;
        });
  }

  /**
   * A TLS-ALPN-01 check of {@code host} has begun (its handshake chose {@code acme-tls/1}): the
   * validation certificate, counted, or empty when no check of it is pending here.
   */
  public Optional<SiteCertificates.Held> tlsAlpnHandshake(String host) {
    Optional<SiteCertificates.Held> h = tlsAlpnCertificate(host);
    h.ifPresent(c -> alpnHandshakes.increment());
    return h;
  }

  /**
   * The TLS-ALPN-01 validation certificate for {@code host} while a check of it is pending here
   * (made on first use with a key of its own); empty otherwise. Called in the TLS handshake: it
   * never blocks.
   */
  public Optional<SiteCertificates.Held> tlsAlpnCertificate(String host) {
    Pending p = tlsAlpn01.get(host);
    if (p == null || !clock.instant().isBefore(p.until())) {
      return Optional.empty();
    }
    return Optional.of(alpnCertificates.computeIfAbsent(host, h -> {
      java.security.KeyPair pair = org.oversky.gateway.crypto.EcKeys.p256();
      return new SiteCertificates.Held(h, List.of(SelfSigned.certificate(pair, h, Duration.ofDays(7),
          Optional.of(Base64.getDecoder().decode(p.value())))), pair.getPrivate());
    }));
  }

  /** Counters for the status document. */
  public Map<String, Object> status() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("answeredHere", answeredHere.sum());
    out.put("answeredFromCluster", answeredFromCluster.sum());
    out.put("unknown", unknown.sum());
    out.put("tlsAlpnHandshakes", alpnHandshakes.sum());
    out.put("pending", http01.size() + tlsAlpn01.size());
    out.put("messages", messages.status());
    return out;
  }
}
