package org.oversky.gateway.acme;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.oversky.conf.TlsSettings;
import org.oversky.dht.id.NodeId;
import org.oversky.dht.rpc.SignedRecord;
import org.oversky.gateway.dht.DhtService;
import org.oversky.gateway.http.Json;
import org.oversky.gateway.metrics.Failures;
import org.oversky.gateway.routing.ClusterMonitor;
import org.oversky.gateway.tls.SiteCertificates;
import org.shredzone.acme4j.Account;
import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.Authorization;
import org.shredzone.acme4j.Order;
import org.shredzone.acme4j.Session;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.challenge.Http01Challenge;
import org.shredzone.acme4j.challenge.TlsAlpn01Challenge;
import org.shredzone.acme4j.challenge.TokenChallenge;
import org.shredzone.acme4j.connector.NetworkSettings;
import org.shredzone.acme4j.exception.AcmeException;
import org.shredzone.acme4j.provider.GenericAcmeProvider;
import org.shredzone.acme4j.util.KeyPairUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Automatic certificates over ACME (RFC 8555; HTTP-01 or TLS-ALPN-01), one order per name for the
 * whole cluster.
 *
 * <p>Every {@code tls.acme-check-every} (every {@link #MISSING_RECHECK} while a name has no
 * certificate), the node looks at each name: the certificate it holds, and a newer one the cluster
 * shares in the DHT (sealed with the cluster secret, see {@link ClusterSeal}), which it adopts.
 * Of the live nodes of its view, the one that ranks first for the name by rendezvous hashing
 * ({@link #orderer}) orders when the name has no certificate or its certificate is within {@code
 * tls.acme-renew-before} of expiry; it posts the challenge's answer to the cluster ({@link
 * ChallengeAnswers}), so that whichever node the authority reaches can answer, then shares the new
 * certificate and key, sealed, and republishes them while it ranks first. What to do is one
 * decision, {@link #decide}.
 *
 * <p>Certificates and the account key are kept under the node's data directory ({@code acme/}),
 * so that a restart serves at once. Orders run on this manager's own thread; a failed order is
 * tried again after {@link #RETRY_FIRST}, doubling up to {@link #RETRY_MOST}, so that a
 * misconfigured name does not run into the authority's rate limits.
 */
public final class AcmeManager extends AbstractLifeCycle {
  /** How soon after start the first check runs: time for the node to see the others of its cluster. */
  static final Duration FIRST_CHECK = Duration.ofSeconds(5);
  /** How often a node checks while a name has no certificate. */
  static final Duration MISSING_RECHECK = Duration.ofSeconds(5);
  /** How long an order waits for the authority to validate and to issue. */
  static final Duration ORDER_WAIT = Duration.ofSeconds(90);
  /** The first wait after a failed order, doubled after each further failure. */
  static final Duration RETRY_FIRST = Duration.ofMinutes(1);
  /** The longest wait between failed orders. */
  static final Duration RETRY_MOST = Duration.ofHours(6);
  /** How long a lookup of the cluster's certificate may take. */
  static final Duration LOOKUP_BUDGET = Duration.ofSeconds(5);

  private static final Logger LOG = LoggerFactory.getLogger(AcmeManager.class);

  /** What a check does for one name. */
  public enum Step {
    /** The certificate held is good for longer than the renewal margin. */
    KEEP,
    /** The cluster shares a certificate that expires later than the one held (or there is none held): take it. */
    ADOPT,
    /** No good certificate, and this node ranks first for the name: order one. */
    ORDER,
    /** No good certificate, and another node orders: look again soon. */
    WAIT
  }

  /**
   * What to do for a name, from when the certificate held here and the one the cluster shares
   * expire, whether this node orders for it, and whether a failed order still waits out its retry.
   */
  public static Step decide(Optional<Instant> held, Optional<Instant> shared, boolean orderer, boolean retryWaits, Instant now,
      Duration renewBefore) {
    if (shared.isPresent() && (held.isEmpty() || shared.get().isAfter(held.get())) && shared.get().isAfter(now)) {
      return Step.ADOPT;
    }
    if (held.isPresent() && now.isBefore(held.get().minus(renewBefore))) {
      return Step.KEEP;
    }
    return orderer && !retryWaits ? Step.ORDER : Step.WAIT;
  }

  /** Of {@code nodes}, the one that orders for {@code host}: the highest SHA-256 of the host and the node's URL. */
  public static URI orderer(String host, Collection<URI> nodes) {
    URI best = null;
    byte[] bestScore = null;
    for (URI node : nodes) {
      byte[] score = org.oversky.gateway.crypto.Sha256.of(host + "\n" + node);
      if (bestScore == null || java.util.Arrays.compareUnsigned(score, bestScore) > 0) {
        best = node;
        bestScore = score;
      }
    }
    if (best == null) {
      throw new IllegalArgumentException("no nodes to choose from");
    }
    return best;
  }

  private final TlsSettings.Acme settings;
  private final URI self;
  private final ClusterMonitor monitor;
  private final DhtService dht;
  private final Optional<ClusterSeal> seal;
  private final ChallengeAnswers answers;
  private final SiteCertificates certificates;
  private final Path dir;
  private final Duration recordLife;
  private final Failures failures;
  private final InstantSource clock;
  // Written by the manager's thread only; read by status().
  private final Map<String, String> sources = new ConcurrentHashMap<>();
  private final Map<String, String> lastErrors = new ConcurrentHashMap<>();
  private final Map<String, Instant> retryAt = new HashMap<>();
  private final Map<String, Integer> failedInARow = new HashMap<>();
  private final LongAdder orders = new LongAdder();
  private final LongAdder failedOrders = new LongAdder();
  private final LongAdder adopted = new LongAdder();
  private ScheduledExecutorService thread;
  private Session session;
  private Account account;

  /**
   * @param secret the cluster secret; empty: this node orders for itself and shares nothing
   * @param dataDir the node's data directory; certificates and the account key go under {@code acme/}
   * @param recordLife the longest a DHT record may live (the DHT's provider TTL)
   */
  public AcmeManager(TlsSettings.Acme settings, String secret, URI self, ClusterMonitor monitor, DhtService dht,
      ChallengeAnswers answers, SiteCertificates certificates, Path dataDir, Duration recordLife, Failures failures,
      InstantSource clock) {
    this.settings = settings;
    this.self = self;
    this.monitor = monitor;
    this.dht = dht;
    this.seal = secret.isEmpty() ? Optional.empty() : Optional.of(new ClusterSeal(secret));
    this.answers = answers;
    this.certificates = certificates;
    this.dir = dataDir.resolve("acme");
    this.recordLife = recordLife;
    this.failures = failures;
    this.clock = clock;
  }

  @Override
  protected void doStart() throws Exception {
    Files.createDirectories(dir);
    for (String host : settings.hosts()) {
      Path cert = dir.resolve(host + ".crt");
      Path key = dir.resolve(host + ".key");
      if (Files.isReadable(cert) && Files.isReadable(key)) {
        try {
          certificates.put(SiteCertificates.read(host, cert, key));
          sources.put(host, "kept from before");
        } catch (RuntimeException e) {
          failures.report(LOG, "acme-certificate-unreadable", "the saved certificate of " + host + " in " + dir
              + " could not be read; the node orders or adopts a new one", e);
        }
      }
    }
    thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "oversky-acme");
      t.setDaemon(true);
      return t;
    });
    thread.schedule(this::checkAndReschedule, FIRST_CHECK.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  protected void doStop() throws Exception {
    thread.shutdownNow();
    thread.awaitTermination(5, TimeUnit.SECONDS);
  }

  private void checkAndReschedule() {
    boolean missing = true;
    try {
      missing = check();
    } catch (RuntimeException e) {
      failures.report(LOG, "acme-check-failed", "the certificate check failed; it runs again in " + MISSING_RECHECK, e);
    }
    if (isRunning() || isStarting()) {
      long next = (missing ? MISSING_RECHECK : settings.checkEvery()).toMillis();
      thread.schedule(this::checkAndReschedule, next, TimeUnit.MILLISECONDS);
    }
  }

  /** One check of every name; whether some name still has no good certificate here. */
  boolean check() {
    boolean missing = false;
    Instant now = clock.instant();
    List<URI> electorate = electorate();
    for (String host : settings.hosts()) {
      Optional<SiteCertificates.Held> held = certificates.get(host);
      boolean orderer = seal.isEmpty() || orderer(host, electorate).equals(self);
      Optional<SiteCertificates.Held> shared = seal.isPresent() ? shared(host, held.map(SiteCertificates.Held::notAfter)) : Optional.empty();
      Instant retry = retryAt.get(host);
      Step step = decide(held.map(SiteCertificates.Held::notAfter), shared.map(SiteCertificates.Held::notAfter), orderer,
          retry != null && now.isBefore(retry), now, settings.renewBefore());
      switch (step) {
        case ADOPT -> {
          install(shared.get(), "from the cluster");
          adopted.increment();
        }
        case KEEP -> {
          if (orderer && seal.isPresent() && held.isPresent()) {
            share(held.get());
          }
        }
        case ORDER -> order(host);
        case WAIT -> { }
      }
      Optional<SiteCertificates.Held> after = certificates.get(host);
      missing |= after.isEmpty() || !now.isBefore(after.get().notAfter());
    }
    return missing;
  }

  /** The nodes of the view that may order: all but those down or gone, this one included. */
  private List<URI> electorate() {
    return monitor.nodes().stream().filter(v -> !v.state().equals("down") && !v.state().equals("left"))
        .map(v -> v.seenHere().url()).toList();
  }

  /** The certificate the cluster shares for {@code host}, when it expires later than {@code than}. */
  private Optional<SiteCertificates.Held> shared(String host, Optional<Instant> than) {
    NodeId key = seal.get().key("certificate", host);
    Map<SignedRecord, SiteCertificates.Held> opened = new ConcurrentHashMap<>();
    try {
      return dht.node().findRecord(key, r -> {
        Optional<SiteCertificates.Held> h = seal.get().open(key, r.value()).flatMap(json -> parse(host, json));
        if (h.isEmpty() || (than.isPresent() && !h.get().notAfter().isAfter(than.get()))) {
          return false;
        }
        opened.put(r, h.get());
        return true;
      }).get(LOOKUP_BUDGET.toMillis(), TimeUnit.MILLISECONDS).record().map(opened::get);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      failures.report(LOG, "acme-lookup-failed", "the lookup of the cluster's certificate for " + host + " failed; looked for again at the next check", e);
      return Optional.empty();
    }
  }

  private void order(String host) {
    orders.increment();
    try {
      SiteCertificates.Held issued = issue(host);
      install(issued, "ordered here");
      share(issued);
      retryAt.remove(host);
      failedInARow.remove(host);
      lastErrors.remove(host);
      LOG.info("ACME: a certificate for {} until {}", host, issued.notAfter());
    } catch (AcmeException | IOException | RuntimeException e) {
      failedOrders.increment();
      int n = failedInARow.merge(host, 1, Integer::sum);
      Duration wait = RETRY_FIRST.multipliedBy(1L << Math.min(n - 1, 20));
      wait = wait.compareTo(RETRY_MOST) > 0 ? RETRY_MOST : wait;
      retryAt.put(host, clock.instant().plus(wait));
      lastErrors.put(host, e.getMessage() == null ? e.toString() : e.getMessage());
      failures.report(LOG, "acme-order-failed", "the ACME order for " + host + " at " + settings.directory().orElseThrow()
          + " failed (" + lastErrors.get(host) + "); tried again in " + wait, null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Orders a certificate for {@code host}: the account, the order, the HTTP-01 challenges, the key and the certificate. */
  private SiteCertificates.Held issue(String host) throws AcmeException, IOException, InterruptedException {
    Order order = account().newOrder().domain(host).create();
    for (Authorization auth : order.getAuthorizations()) {
      if (auth.getStatus() == Status.VALID) {
        continue;
      }
      boolean alpn = settings.challenge().equals(TlsSettings.Acme.TLS_ALPN_01);
      TokenChallenge challenge = (alpn ? auth.findChallenge(TlsAlpn01Challenge.class) : auth.findChallenge(Http01Challenge.class))
          .map(TokenChallenge.class::cast)
          .orElseThrow(() -> new AcmeException("the ACME server offers no " + settings.challenge() + " challenge for " + host));
      String token = challenge instanceof Http01Challenge http ? http.getToken() : "";
      try {
        (alpn ? answers.postTlsAlpn01(host, challenge.getAuthorization()) : answers.postHttp01(token, challenge.getAuthorization()))
            .get(LOOKUP_BUDGET.toMillis(), TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        failures.report(LOG, "acme-challenge-not-shared", "the answer to the ACME challenge for " + host
            + " did not reach the whole cluster; the nodes it missed cannot answer it", e);
      }
      try {
        challenge.trigger();
        Status status = auth.waitForCompletion(ORDER_WAIT);
        if (status != Status.VALID) {
          throw new AcmeException("the authority did not validate " + host + " (" + status + "): "
              + auth.getChallenges().stream().filter(c -> c.getType().equals(challenge.getType())).findFirst()
                  .flatMap(c -> c.getError()).or(challenge::getError).map(Object::toString).orElse("no reason given")
              + (alpn ? "; it must reach port 443 of " + host + " (tls.listen) on a node of this cluster"
                  : "; it must reach http://" + host + ChallengeAnswers.PATH + " on a node of this cluster"));
        }
      } finally {
        if (alpn) {
          answers.withdrawTlsAlpn01(host);
        } else {
          answers.withdrawHttp01(token);
        }
      }
    }
    KeyPair domainKey = org.oversky.gateway.crypto.EcKeys.p256();
    order.execute(domainKey);
    Status status = order.waitForCompletion(ORDER_WAIT);
    if (status != Status.VALID) {
      throw new AcmeException("the order for " + host + " ended " + status + ": " + order.getError().map(Object::toString).orElse("no reason given"));
    }
    return new SiteCertificates.Held(host, order.getCertificate().getCertificateChain(), domainKey.getPrivate());
  }

  /** The ACME account of this node, its key made on first use and kept in {@code acme/account.pem}. */
  private Account account() throws AcmeException, IOException {
    if (account != null) {
      return account;
    }
    Path file = dir.resolve("account.pem");
    KeyPair key;
    if (Files.exists(file)) {
      try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII)) {
        key = KeyPairUtils.readKeyPair(r);
      }
    } else {
      key = org.oversky.gateway.crypto.EcKeys.p256();
      Path tmp = dir.resolve("account.pem.tmp");
      try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.US_ASCII)) {
        KeyPairUtils.writeKeyPair(key, w);
      }
      ownerOnly(tmp);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
    AccountBuilder builder = new AccountBuilder().agreeToTermsOfService().useKeyPair(key);
    if (!settings.email().isEmpty()) {
      builder.addEmail(settings.email());
    }
    account = builder.create(session());
    return account;
  }

  private Session session() {
    if (session == null) {
      SSLContext tls = trust(settings.caCert());
      session = new Session(settings.directory().orElseThrow(), new GenericAcmeProvider() {
        @Override
        public HttpClient createHttpClient(NetworkSettings network) {
          return HttpClient.newBuilder().connectTimeout(network.getTimeout()).followRedirects(HttpClient.Redirect.NORMAL)
              .sslContext(tls).build();
        }
      });
    }
    return session;
  }

  /** TLS that trusts the system's authorities and, when given, the one in {@code caCert}. */
  private static SSLContext trust(Optional<Path> caCert) {
    try {
      TrustManagerFactory system = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      system.init((KeyStore) null);
      KeyStore anchors = KeyStore.getInstance("PKCS12");
      anchors.load(null, null);
      int i = 0;
      for (javax.net.ssl.TrustManager tm : system.getTrustManagers()) {
        if (tm instanceof X509TrustManager x) {
          for (X509Certificate c : x.getAcceptedIssuers()) {
            anchors.setCertificateEntry("system-" + i++, c);
          }
        }
      }
      if (caCert.isPresent()) {
        try (var in = Files.newInputStream(caCert.get())) {
          for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
            anchors.setCertificateEntry("acme-ca-" + i++, c);
          }
        }
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(anchors);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, tmf.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new org.oversky.conf.ConfigException(org.oversky.conf.Settings.TLS_ACME_CA_CERT.key(),
          "could not build the trust for the ACME server from " + caCert.map(Path::toString).orElse("the system") + ": " + e.getMessage());
    }
  }

  /** Serves {@code h} from now on and keeps it on disk for the next start. */
  private void install(SiteCertificates.Held h, String source) {
    certificates.put(h);
    sources.put(h.host(), source);
    try {
      String[] pem = SiteCertificates.pem(h);
      write(dir.resolve(h.host() + ".crt"), pem[0]);
      write(dir.resolve(h.host() + ".key"), pem[1]);
    } catch (IOException e) {
      failures.report(LOG, "acme-certificate-not-saved", "the certificate of " + h.host() + " could not be saved in " + dir
          + "; it is served, but ordered or adopted again after a restart", e);
    }
  }

  private static void write(Path file, String text) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, text, StandardCharsets.US_ASCII);
    ownerOnly(tmp);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static void ownerOnly(Path file) throws IOException {
    try {
      Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: the directory's own permissions guard it
    }
  }

  /** Puts {@code h}, sealed, in the DHT for the rest of the cluster. */
  private void share(SiteCertificates.Held h) {
    NodeId key = seal.orElseThrow().key("certificate", h.host());
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("host", h.host());
    List<String> chain = new ArrayList<>();
    try {
      for (X509Certificate c : h.chain()) {
        chain.add(Base64.getEncoder().encodeToString(c.getEncoded()));
      }
      json.put("chain", chain);
      json.put("key", Base64.getEncoder().encodeToString(h.key().getEncoded()));
      byte[] value = seal.get().seal(key, Json.MAPPER.writeValueAsBytes(json));
      long now = dht.node().now();
      long life = Math.min(settings.checkEvery().multipliedBy(3).toMillis(), recordLife.toMillis());
      dht.node().putRecord(SignedRecord.sign(key, value, now + life, dht.identity().keyPair()));
    } catch (java.security.cert.CertificateEncodingException | com.fasterxml.jackson.core.JsonProcessingException | IllegalArgumentException e) {
      failures.report(LOG, "acme-certificate-not-shared", "the certificate of " + h.host() + " could not be shared with the cluster", e);
    }
  }

  /** A shared certificate's JSON, checked: its host, a chain whose own certificate names the host's key. */
  private static Optional<SiteCertificates.Held> parse(String host, byte[] json) {
    try {
      JsonNode m = Json.MAPPER.readTree(json);
      if (m == null || !host.equals(m.path("host").asText()) || !m.path("chain").isArray() || !m.path("key").isTextual()) {
        return Optional.empty();
      }
      List<X509Certificate> chain = new ArrayList<>();
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      for (JsonNode c : m.get("chain")) {
        chain.add((X509Certificate) factory.generateCertificate(new java.io.ByteArrayInputStream(Base64.getDecoder().decode(c.asText()))));
      }
      Optional<java.security.PrivateKey> key = SiteCertificates.privateKey(Base64.getDecoder().decode(m.get("key").asText()));
      if (chain.isEmpty() || key.isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(new SiteCertificates.Held(host, chain, key.get()));
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** The status document's part: each name's certificate, where it came from, and who orders it. */
  public Map<String, Object> status() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("enabled", true);
    out.put("directory", settings.directory().map(URI::toString).orElse(""));
    out.put("orders", orders.sum());
    out.put("failedOrders", failedOrders.sum());
    out.put("adopted", adopted.sum());
    List<URI> electorate = electorate();
    Map<String, Object> hosts = new LinkedHashMap<>();
    for (String host : settings.hosts()) {
      Map<String, Object> h = new LinkedHashMap<>();
      certificates.get(host).ifPresent(c -> h.put("notAfter", c.notAfter().toString()));
      h.put("source", sources.getOrDefault(host, "none yet"));
      h.put("orderer", seal.isEmpty() ? self.toString() : orderer(host, electorate).toString());
      Optional.ofNullable(lastErrors.get(host)).ifPresent(e -> h.put("lastError", e));
      hosts.put(host, h);
    }
    out.put("hosts", hosts);
    out.put("challenges", answers.status());
    return out;
  }
}
