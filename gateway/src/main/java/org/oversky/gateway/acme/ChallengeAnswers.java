package org.oversky.gateway.acme;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;
import org.oversky.dht.id.NodeId;
import org.oversky.dht.rpc.SignedRecord;
import org.oversky.gateway.dht.DhtService;
import org.oversky.gateway.metrics.Failures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The answers to ACME HTTP-01 challenges ({@code GET /.well-known/acme-challenge/TOKEN}, RFC 8555
 * §8.3), which the certificate authority may ask of any node the site's name leads to. The node
 * that orders a certificate {@link #post posts} the answer here and, sealed with the cluster
 * secret, in the DHT under a key derived from the token; any other node of the cluster that is
 * asked for a token it does not hold looks for that record. Without a cluster secret, answers stay
 * on the node that ordered.
 *
 * <p>The local answers have one writer, the node's {@link AcmeManager}.
 */
public final class ChallengeAnswers {
  /** Where the certificate authority asks. */
  public static final String PATH = "/.well-known/acme-challenge/";
  /** How long a lookup for another node's answer may take. */
  static final Duration LOOKUP_BUDGET = Duration.ofSeconds(3);
  /** How long a posted answer lives in the DHT: the order waits for its validation no longer. */
  static final Duration RECORD_LIFE = Duration.ofMinutes(10);
  /** A token is base64url (RFC 8555 §8.1), and not absurdly long. */
  private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{1,256}");

  private static final Logger LOG = LoggerFactory.getLogger(ChallengeAnswers.class);

  private final Map<String, String> local = new ConcurrentHashMap<>();
  private final Optional<ClusterSeal> seal;
  private final DhtService dht;
  private final Failures failures;
  private final LongAdder answeredHere = new LongAdder();
  private final LongAdder answeredFromCluster = new LongAdder();
  private final LongAdder unknown = new LongAdder();

  ChallengeAnswers(Optional<ClusterSeal> seal, DhtService dht, Failures failures) {
    this.seal = seal;
    this.dht = dht;
    this.failures = failures;
  }

  /** A node's answers, shared with the cluster when {@code secret} is not empty. */
  public static ChallengeAnswers of(String secret, DhtService dht, Failures failures) {
    return new ChallengeAnswers(secret.isEmpty() ? Optional.empty() : Optional.of(new ClusterSeal(secret)), dht, failures);
  }

  /** Whether {@code token} is a token's syntax; anything else is answered 404 without a lookup. */
  public static boolean isToken(String token) {
    return TOKEN.matcher(token).matches();
  }

  /**
   * Holds {@code keyAuthorization} as the answer for {@code token} here and puts it in the DHT for
   * the rest of the cluster; completes when the record is stored (with how many nodes took it, 0
   * without a cluster secret).
   */
  CompletableFuture<Integer> post(String token, String keyAuthorization) {
    local.put(token, keyAuthorization);
    if (seal.isEmpty()) {
      return CompletableFuture.completedFuture(0);
    }
    NodeId key = seal.get().key("http-01", token);
    byte[] value = seal.get().seal(key, keyAuthorization.getBytes(StandardCharsets.US_ASCII));
    long expires = dht.node().now() + RECORD_LIFE.toMillis();
    return dht.node().putRecord(SignedRecord.sign(key, value, expires, dht.identity().keyPair()));
  }

  /** Drops the answer for {@code token} here once the authority has decided (the record expires on its own). */
  void withdraw(String token) {
    local.remove(token);
  }

  /**
   * The answer for {@code token}: this node's own, else one the cluster holds; empty when neither
   * knows the token. Never fails: a failed lookup is counted and reads as unknown.
   */
  public CompletableFuture<Optional<String>> answer(String token) {
    String here = local.get(token);
    if (here != null) {
      answeredHere.increment();
      return CompletableFuture.completedFuture(Optional.of(here));
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

  /** Counters for the status document. */
  public Map<String, Object> status() {
    return Map.of("answeredHere", answeredHere.sum(), "answeredFromCluster", answeredFromCluster.sum(), "unknown", unknown.sum(),
        "pending", local.size());
  }
}
