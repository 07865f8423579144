package org.oversky.gateway.proxy;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.eclipse.jetty.http.ByteRange;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.oversky.cache.ContentStore;
import org.oversky.cache.StoredResponse;
import org.oversky.conf.NodeConfig;
import org.oversky.conf.SiteConfig;
import org.oversky.gateway.http.Dispatch;
import org.oversky.gateway.http.Problem;
import org.oversky.gateway.origin.OriginPool;

/**
 * The caching reverse proxy for configured sites (RFC 9111 shared cache). For a GET it looks up
 * the stored variants of the URL and serves a fresh one; otherwise it goes to the origin through
 * {@link SiteProxy}, which stores what may be stored while it streams. Concurrent misses for one
 * URL make one origin request: the first leads, the others follow its body as it arrives.
 * Unsafe methods pass through and invalidate what they change (§4.4).
 */
public final class SiteHandler extends ContainerLifeCycle {
  /**
   * On a claim this node answers as the URL's directory: the filler it fills from, for the
   * claimant and its own store (see {@link #asDirectory}).
   */
  private static final String FILL_FROM = "org.oversky.directory.fillFrom";

  /** Body bytes received from origins, by client requests and background fetches alike. */
  private final java.util.concurrent.atomic.LongAdder originBytes = new java.util.concurrent.atomic.LongAdder();
  private final Sites sites;
  private final ContentStore store;
  private final CachePolicy policy;
  private final SiteProxy proxy;
  private final BackgroundFetches background;
  private final long waitMillis;
  private final long rangeFillMax;
  private final String via;
  private final Consumer<CacheStatus> outcomes;
  private final PeerSource peers;
  private final Shields shields;
  /** Who filled each URL of the sites with {@code shield=directory} that this node is the directory of. */
  private final DirectoryBook directory;
  private final java.net.URI self;
  private final Storer storer;
  /** The longest method forwarded (the longest registered ones, WebDAV's, have 17 characters). */
  static final int MAX_METHOD_LENGTH = 32;

  private final Collapser collapser = new Collapser();
  /** Each site's origins, by the site's host as configured. */
  private final Map<String, OriginPool> origins = new java.util.HashMap<>();
  private final java.time.InstantSource clock;
  /** URLs whose objects are over cache.range-fill-max: their range misses pass through for a while. */
  private final Cache<String, Boolean> tooLargeToFill =
      Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(java.time.Duration.ofMinutes(10)).build();
  // Worked-out facts of stored responses, by identity (the index keeps recent ones in memory).
  private final Cache<StoredResponse, ResponseFacts> facts =
      Caffeine.newBuilder().weakKeys().maximumSize(100_000).executor(Runnable::run).build();

  /** Which node is a shield in this node's region (its URL for the site), when it is not this node. */
  public interface Shields {
    /** No shields: every node fills from the origin. */
    Shields NONE =
        new Shields() {
          @Override
          public Optional<java.net.URI> shieldFor(String host) {
            return Optional.empty();
          }

          @Override
          public Optional<java.net.URI> shieldForUrl(String host, String url) {
            return Optional.empty();
          }

          @Override
          public boolean otherRegions() {
            return false;
          }

          @Override
          public Optional<java.net.URI> directoryFor(String url) {
            return Optional.empty();
          }

          @Override
          public boolean placeable(java.net.URI node) {
            return false;
          }

          @Override
          public java.net.URI siteBase(java.net.URI node, String host) {
            return node;
          }
        };

    /**
     * Whether the cluster has nodes in a region other than this node's. With {@code shield=url}
     * each region fills a URL through one node, and the cluster's URL records are how regions
     * share what their shields fetched: without another region they would only cost messages.
     */
    boolean otherRegions();

    /** The base URL at which the shield of site {@code host} serves it, when another node is that shield ({@code shield=on}). */
    Optional<java.net.URI> shieldFor(String host);

    /**
     * The base URL at which the shield of {@code url} serves site {@code host}, when another node
     * is that shield ({@code shield=url}: the region's nodes share the site's URLs).
     */
    Optional<java.net.URI> shieldForUrl(String host, String url);

    /**
     * The node (its base URL) that keeps the directory entry of {@code url} ({@code
     * shield=directory}): the first of the cluster's placeable nodes, this one included, in the
     * URL's rendezvous order; empty while this node knows no other.
     */
    Optional<java.net.URI> directoryFor(String url);

    /** Whether {@code node} (a base URL) is one of the cluster's nodes that are not known to be down. */
    boolean placeable(java.net.URI node);

    /** The base URL at which {@code node} serves site {@code host} whatever Host a request carries. */
    java.net.URI siteBase(java.net.URI node, String host);
  }

  public SiteHandler(
      NodeConfig config,
      ContentStore store,
      String via,
      Consumer<String> outcomeCounter,
      PeerSource peers,
      Shields shields,
      org.oversky.gateway.metrics.Failures failures,
      java.time.InstantSource clock) {
    this.clock = clock;
    this.peers = peers;
    this.shields = shields;
    this.self = config.publicUrl();
    this.directory = new DirectoryBook(config.cluster().secret(), self, clock);
    this.sites = new Sites(config.sites());
    for (SiteConfig s : config.sites()) {
      origins.put(s.host(), new OriginPool(s, clock));
    }
    this.store = store;
    this.policy = new CachePolicy(config.cache());
    this.waitMillis = config.fetch().connectTimeout().plus(config.fetch().readTimeout()).toMillis();
    this.rangeFillMax = config.cache().rangeFillMax();
    this.via = "1.1 " + via;
    this.outcomes = cs -> outcomeCounter.accept(cs.outcome());
    this.storer = new Storer(store, policy, config.fetch().maxBodyBytes(), failures);
    Consumer<Exchange> finished = ex -> {
      if (ex.inFlight() != null) {
        collapser.finished(ex.url(), ex.inFlight());
      }
    };
    this.proxy = new SiteProxy(store, policy, storer, config.fetch(), via, outcomes, finished, this::originDown, originBytes::add, failures, directory, this::purgedCopy, clock);
    this.background =
        new BackgroundFetches(proxy::getHttpClient, storer, config.fetch(), this.via, outcomes, finished, originBytes::add, failures, directory, this::purgedCopy, clock);
    addBean(proxy);
    addBean(new org.oversky.gateway.origin.OriginChecks(
        config.sites().stream().map(s -> new org.oversky.gateway.origin.OriginChecks.Checked(origins.get(s.host()), s.check())).toList(),
        proxy::getHttpClient));
    if (peers != PeerSource.NONE) {
      store.responses().addListener(this::tellPeers);
    }
  }

  /**
   * The origins one request of {@code site} may ask, in order: for a fill of a site with {@code
   * shield=on} or {@code shield=url}, first the region's shield for the site or for the request's
   * URL (unless this node is it, or the request came from another node's shield fill), then the
   * site's origins. {@code request} is null for a request that is never shielded (one passed
   * through).
   */
  private OriginAttempt attempt(SiteConfig site, Request request) {
    OriginPool pool = origins.get(site.host());
    List<java.net.URI> order = pool.order(java.util.concurrent.ThreadLocalRandom.current().nextDouble());
    if (site.shield() == SiteConfig.Shield.DIRECTORY) {
      return directoryAttempt(site, request, pool, order);
    }
    Optional<java.net.URI> shield = (site.shield() == SiteConfig.Shield.SITE || site.shield() == SiteConfig.Shield.URL) && request != null && !sentOnByNode(request)
        ? site.shield() == SiteConfig.Shield.URL ? shields.shieldForUrl(site.host(), CacheKeys.of(request)) : shields.shieldFor(site.host())
        : Optional.empty();
    return new OriginAttempt(pool, shield, order);
  }

  /**
   * Whether another node sent this request on (its shield's, directory's or filler's fill: {@code
   * Oversky-Shielded}), so that its miss goes to the origin: with a cluster secret only when its
   * {@code Oversky-Node} proof (or directory claim) verified, so that a client's made-up header
   * does not send its misses past the shield.
   */
  private boolean sentOnByNode(Request request) {
    return request.getHeaders().contains(OriginAttempt.SHIELDED_HEADER) && (!directory.enabled() || StoredHeaders.fromCluster(request));
  }

  /**
   * {@code shield=directory}: a miss of a URL whose directory is another node goes there first,
   * with this node's claim on it; a miss of a URL whose directory is this node goes to the node
   * that filled it, when another did, and to the origin otherwise (this node is then its filler).
   * A request another node sent on (shielded) goes to the origin, as does any while this node
   * knows no other or the cluster has no secret.
   */
  private OriginAttempt directoryAttempt(SiteConfig site, Request request, OriginPool pool, List<java.net.URI> order) {
    if (request != null && request.getAttribute(FILL_FROM) instanceof java.net.URI filler) {
      return new OriginAttempt(pool, Optional.of(filler), order, directory); // a claim this node fills for, as its own miss
    }
    if (request == null || !directory.enabled() || sentOnByNode(request)) {
      return new OriginAttempt(pool, Optional.empty(), order);
    }
    String url = CacheKeys.of(request);
    Optional<java.net.URI> at = shields.directoryFor(url);
    if (at.isEmpty()) {
      return new OriginAttempt(pool, Optional.empty(), order);
    }
    if (directory.passesBy(url)) {
      return new OriginAttempt(pool, Optional.empty(), order); // not stored last time: most likely not this time either
    }
    if (purgedLately(url)) {
      if (!at.get().equals(self)) {
        directory.wentPast(url); // what this fill stores is handed to the directory
      }
      return new OriginAttempt(pool, Optional.empty(), order);
    }
    if (!at.get().equals(self)) {
      java.net.URI there = shields.siteBase(at.get(), site.host());
      return new OriginAttempt(pool, there, order, directory.claim(there.toString()), directory, url);
    }
    Optional<java.net.URI> filler = directory.fillerForSelf(url, shields::placeable);
    return new OriginAttempt(pool, filler.map(f -> shields.siteBase(f, site.host())), order, directory);
  }

  /**
   * This node as the directory of a URL another node missed ({@code shield=directory}): serves it
   * when it has it stored and fresh; otherwise, from the second miss of the URL it sends on to
   * the node that filled it first ({@link DirectoryBook#keepsCopy}), fills a {@code GET} from that
   * node, as its own miss would, and keeps the copy, so that the claims after it are hits here (one
   * request between nodes a fill, not two); otherwise answers with a {@code 204} naming whom the
   * claimant fills from ({@link DirectoryBook#NEXT_HEADER}): the filler, or the origin when none
   * filled it or that node is down (the claimant is then the URL's filler). Any other request is passed on, storing nothing. A claim that does not verify (another cluster,
   * a clock five minutes off) gets a 503, and the asking node goes to the origin itself.
   */
  private void asDirectory(SiteConfig site, Request request, Response response, Callback callback) throws Exception {
    String url = CacheKeys.of(request);
    String claim = request.getHeaders().get(DirectoryBook.CLAIM_HEADER);
    Optional<java.net.URI> claimant = directory.verify(claim, shields.siteBase(self, site.host()).toString());
    if (claimant.isEmpty()) {
      new Problem(503, "claim-refused", "Claim refused",
              "the " + DirectoryBook.CLAIM_HEADER + " header does not verify under this cluster's secret (a node of another cluster,"
                  + " or a clock more than " + DirectoryBook.CLAIM_SKEW.toMinutes() + " minutes off); the asking node fills from the origin")
          .send(response, callback);
      return;
    }
    // the asker takes only an answer with the proof: put on a stored copy's answer here, on a
    // passed-through one by the proxy once the upstream's head has replaced the fields
    String answer = directory.answer(claim);
    request.setAttribute(StoredHeaders.FOR_CLUSTER, Boolean.TRUE);
    response.getHeaders().put(DirectoryBook.ANSWER_HEADER, answer);
    request.setAttribute(DirectoryBook.ANSWER_HEADER, answer);
    CacheDecision.Input input = input(request);
    if (HttpMethod.GET.is(request.getMethod()) && !input.hasBody()) {
      CacheDecision d = CacheDecision.decide(input, () -> store.responses().variants(url), r -> facts(r, site), clock.millis());
      if (d.action() == CacheDecision.Action.SERVE) {
        lookup(site, request, response, callback, true);
        return;
      }
    }
    OriginPool pool = origins.get(site.host());
    List<java.net.URI> order = pool.order(java.util.concurrent.ThreadLocalRandom.current().nextDouble());
    Optional<java.net.URI> filler = directory.fillerFor(url, claimant.get(), shields::placeable);
    if (filler.isPresent() && filler.get().equals(self)) {
      // this node fills the URL and has no fresh copy: the request follows its fill under way, or
      // makes a new one here (it came shielded: to the origin), not a request to itself
      lookup(site, request, response, callback, true);
      return;
    }
    // for a minute after a purge here removed this URL, the filler may not have it yet: the claimant goes to the
    // origin, and nothing the filler still holds is stored here
    Optional<java.net.URI> next = purgedLately(url) ? Optional.empty() : filler.map(f -> shields.siteBase(f, site.host()));
    if (next.isPresent() && directory.keepsCopy(url) && HttpMethod.GET.is(request.getMethod()) && !input.hasBody()) {
      // a URL the directory sent on before: this node fills from the filler and keeps the copy,
      // so that each claim after it is answered from this store, one request between nodes
      // instead of two
      request.setAttribute(FILL_FROM, next.get());
      lookup(site, request, response, callback, true);
      return;
    }
    if ((HttpMethod.GET.is(request.getMethod()) || HttpMethod.HEAD.is(request.getMethod())) && !input.hasBody()) {
      // the asker fills from the filler or the origin itself: the body does not pass through here
      String to = next.map(java.net.URI::toString).orElse(DirectoryBook.NEXT_ORIGIN);
      response.setStatus(HttpStatus.NO_CONTENT_204);
      response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
      response.getHeaders().put(DirectoryBook.NEXT_HEADER, to);
      response.getHeaders().put(DirectoryBook.ANSWER_HEADER, directory.answerNaming(claim, to));
      // an empty last write, not the callback alone: a callback succeeded with nothing written
      // makes Jetty send the head itself, and that path can complete the stream twice when it
      // races the handler thread's return (NullPointerException in completeStream, the
      // connection's next request answered 500), which a fast answer from the pool does
      response.write(true, ByteBuffer.allocate(0), callback);
      return;
    }
    passThrough(site, request, response, callback, CacheStatus.forward("directory", false), new OriginAttempt(pool, next, order));
  }

  /** The directory this node keeps for sites with {@code shield=directory}. */
  public DirectoryBook directory() {
    return directory;
  }

  /**
   * Body bytes received so far from origins and from the other nodes asked in their place (a
   * shield, a directory, a filler), by client requests and background fetches.
   */
  public long bytesFromOrigins() {
    return originBytes.sum();
  }

  /** Every site's origins with their figures, for the status page and {@code /metrics}. */
  public List<OriginPool> originPools() {
    return List.copyOf(origins.values());
  }

  /**
   * Tells the cluster about a stored response while it is fresh; not one a shield answered: the
   * shield, which stored it first, has told the cluster. With {@code shield=directory}, notes in
   * the directory book that this node holds the URL.
   */
  private void tellPeers(StoredResponse r) {
    Optional<SiteConfig> site = siteOfUrl(r.url());
    if (site.isPresent() && site.get().shield() == SiteConfig.Shield.DIRECTORY && directory.enabled()) {
      directory.filledHere(r.url(), shields.directoryFor(r.url())); // handed on when the URL's directory changes
    }
    if (site.isEmpty() || storer.committingShieldFill() || !viaCluster(site.get())) {
      return;
    }
    long lifetime = policy.freshnessLifetime(r, site.get());
    long age = CachePolicy.currentAge(r, clock.millis());
    java.util.TreeSet<String> vary = Variants.names(CachePolicy.values(r.headers(), "Vary"));
    long keep = lifetime - age + policy.staleIfErrorSeconds(r);
    if (keep > 0 && !vary.contains("*")) {
      peers.stored(r, List.copyOf(vary), Math.max(0, lifetime - age) * 1000, keep * 1000);
    }
  }

  /**
   * Whether this site's misses use the cluster's URL records: with {@code shield=off} or {@code
   * on}; with {@code shield=url} when the cluster has another region (in one region each URL's one
   * shield is the region's only filler); with {@code shield=directory} only without a cluster
   * secret or for a site that keeps replicas.
   */
  private boolean viaCluster(SiteConfig site) {
    return switch (site.shield()) {
      case OFF, SITE -> true;
      case URL -> shields.otherRegions();
      // the directory knows who filled each URL: no records, unless there is no directory (no
      // secret) or the site keeps replicas, whose copies a node with its origin down finds by them
      case DIRECTORY -> !directory.enabled() || site.replicas() > 0;
    };
  }

  private Optional<SiteConfig> siteOfUrl(String url) {
    String authority = authority(url); // not a java.net.URI: a key may hold a raw '|'
    return authority.isEmpty() ? Optional.empty() : sites.match(authority);
  }

  /** The Jetty proxy handler inside, for the host's handler tree. */
  public org.eclipse.jetty.server.Handler proxyHandler() {
    return proxy;
  }

  /** Whether a request's Host belongs to a configured site. */
  public Optional<SiteConfig> siteOf(Request request) {
    return sites.match(request.getHeaders().get(HttpHeader.HOST));
  }

  /** The site a host name (a {@code Host} value, or a name a redirect carries) belongs to, if any. */
  public Optional<SiteConfig> siteOfHost(String host) {
    return sites.match(host);
  }

  /** Whether any site is configured. */
  public boolean hasSites() {
    return !sites.isEmpty();
  }

  /** Handles a request of {@code site}; always completes the callback. */
  public void handle(SiteConfig site, Request request, Response response, Callback callback) {
    String method = request.getMethod();
    if (method.length() > MAX_METHOD_LENGTH) {
      new Problem(400, "bad-method", "Bad method",
              "a method of " + method.length() + " characters; this node forwards methods of at most " + MAX_METHOD_LENGTH)
          .send(response, callback);
      return;
    }
    String proof = request.getHeaders().get(DirectoryBook.NODE_HEADER);
    if (proof != null && directory.provesNode(proof, shields.siteBase(self, site.host()).toString())) {
      request.setAttribute(StoredHeaders.FOR_CLUSTER, Boolean.TRUE); // another node of the cluster fills from this one
    }
    if (site.shield() == SiteConfig.Shield.DIRECTORY && request.getHeaders().contains(DirectoryBook.CLAIM_HEADER)) {
      Dispatch.blocking(request, callback, () -> asDirectory(site, request, response, callback));
      return;
    }
    CacheDecision.Input input = input(request);
    if (HttpMethod.GET.is(method) && !input.hasBody()) {
      String url = CacheKeys.of(request);
      // The hit path: decided from what is in memory and, when that is a hit whose body is in
      // memory too, answered on this thread without blocking.
      List<StoredResponse> inMemory = store.responses().variantsInMemory(url);
      if (inMemory != null && !inMemory.isEmpty()) {
        CacheDecision d = CacheDecision.decide(input, () -> inMemory, r -> facts(r, site), clock.millis());
        if (d.action() == CacheDecision.Action.SERVE && serveFromMemory(d, site, request, response, callback)) {
          return;
        }
      } else if (peers == PeerSource.NONE && store.responses().neverStored(url)
          && leadMissHere(site, url, input, request, response, callback)) {
        return;
      }
    }
    Dispatch.blocking(request, callback, () -> lookup(site, request, response, callback, true));
  }

  /**
   * The fast miss: a URL never stored, on a node with no cluster to ask. When this request leads
   * the fetch, it is handed to the proxy on this thread (sending is asynchronous), which saves a
   * hand-off to the pool per miss. False (nothing done) for anything that may wait: a follower,
   * a range, only-if-cached.
   */
  private boolean leadMissHere(
      SiteConfig site, String url, CacheDecision.Input input, Request request, Response response, Callback callback) {
    CacheDecision d = CacheDecision.decide(input, List::of, r -> facts(r, site), clock.millis());
    if (d.action() != CacheDecision.Action.FILL) {
      return false;
    }
    Collapser.Entry entry = collapser.enter(url);
    if (!entry.leader()) {
      Dispatch.blocking(request, callback, () -> fill(site, url, input.directives(), request, response, callback, entry, true));
      return true;
    }
    try {
      collapser.lead(url, entry.flight(), () -> toOrigin(site, url, input.directives(), null, 0, 0, entry.flight(), request, response, callback, attempt(site, request)));
    } catch (Exception e) {
      callback.failed(e); // the collapser has removed the entry
    }
    return true;
  }

  private static CacheDecision.Input input(Request request) {
    return new CacheDecision.Input(
        request.getMethod(), hasBody(request), request.getHeaders(), CachePolicy.requestCacheControl(request.getHeaders()));
  }

  private ResponseFacts facts(StoredResponse r, SiteConfig site) {
    ResponseFacts f = facts.get(r, k -> ResponseFacts.of(k, site, policy));
    return softPurged(r) ? f.stale() : f;
  }

  /** Serves a SERVE decision when the body is in memory, without blocking; false (nothing sent) otherwise. */
  private boolean serveFromMemory(CacheDecision d, SiteConfig site, Request request, Response response, Callback callback) {
    Optional<org.oversky.cache.Body> body = store.openInMemory(d.stored().body());
    if (body.isEmpty()) {
      return false;
    }
    outcomes.accept(d.status());
    StoredResponder.serve(request, response, callback, d.stored(), body.get(), facts(d.stored(), site), d.age(), d.status(), via);
    return true;
  }

  /** The pool path: decides from every stored variant of the URL, then acts on the decision. */
  private void lookup(SiteConfig site, Request request, Response response, Callback callback, boolean retry)
      throws Exception {
    String url = CacheKeys.of(request);
    CacheDecision.Input input = input(request);
    CacheDecision d = CacheDecision.decide(input, () -> store.responses().variants(url), r -> facts(r, site), clock.millis());
    CacheControl req = input.directives();
    switch (d.action()) {
      case SERVE, SERVE_STALE_AND_REFRESH -> {
        if (StoredResponder.serve(store, request, response, callback, d.stored(), d.age(), d.status(), via)) {
          outcomes.accept(d.status());
          if (d.action() == CacheDecision.Action.SERVE_STALE_AND_REFRESH) {
            background.revalidate(site, url, d.stored(), d.lifetime(), d.age());
          }
        } else if (retry) {
          lookup(site, request, response, callback, false); // its body left the store meanwhile
        } else {
          passThrough(site, request, response, callback);
        }
      }
      case NOT_CACHED -> {
        outcomes.accept(d.status());
        response.getHeaders().put(CacheStatus.HEADER, d.status().value());
        new Problem(504, "not-cached", "Not cached", "only-if-cached was asked and no usable stored response exists")
            .send(response, callback);
      }
      case PASS -> passThrough(site, request, response, callback, d.status());
      case VALIDATE -> toOrigin(site, url, req, d.stored(), d.lifetime(), d.age(), null, request, response, callback, attempt(site, request));
      case RANGE_FILL -> rangeMiss(site, url, req, request, response, callback, retry);
      case FILL -> fill(site, url, req, request, response, callback, retry);
    }
  }

  /** A miss: collapsed with the other misses of the URL; the leader asks the cluster, then the origin. */
  private void fill(SiteConfig site, String url, CacheControl req, Request request, Response response, Callback callback, boolean retry)
      throws Exception {
    fill(site, url, req, request, response, callback, collapser.enter(url), retry);
  }

  private void fill(
      SiteConfig site,
      String url,
      CacheControl req,
      Request request,
      Response response,
      Callback callback,
      Collapser.Entry entry,
      boolean retry)
      throws Exception {
    if (!entry.leader()) {
      InFlight existing = entry.flight();
      if (existing.isComplete() && retry) {
        // Stored a moment ago: answer from the store like any later request.
        lookup(site, request, response, callback, false);
        return;
      }
      if (follow(existing, request, response, callback)) {
        return;
      }
      if (retry) {
        // Not shared: the leader may have stored a response some other way (a peer's copy).
        lookup(site, request, response, callback, false);
        return;
      }
      toOrigin(site, url, req, null, 0, 0, null, request, response, callback, attempt(site, request));
      return;
    }
    InFlight lead = entry.flight();
    collapser.lead(url, lead, () -> {
      OriginAttempt attempt = attempt(site, request);
      // Shield, then peers, then origin: with a shield, the shield asks the cluster.
      if (attempt.viaShield() || !viaCluster(site) || !fromPeers(site, url, req, lead, request, response, callback)) {
        toOrigin(site, url, req, null, 0, 0, lead, request, response, callback, attempt);
      }
    });
  }

  /** Hands a fill (or a validation of {@code stored}) to the proxy, which from here on finishes {@code lead}. */
  private void toOrigin(
      SiteConfig site,
      String url,
      CacheControl req,
      StoredResponse stored,
      long lifetime,
      long age,
      InFlight lead,
      Request request,
      Response response,
      Callback callback,
      OriginAttempt attempt) {
    Exchange ex = new Exchange(site, url, req, Exchange.FILL, stored, lifetime, age, lead, clock.millis(), attempt);
    request.setAttribute(Exchange.ATTRIBUTE, ex);
    proxy.handle(request, response, callback);
  }

  /** This request's variant key for the field names a response varies on. */
  private static java.util.function.Function<List<String>, String> variantFor(Request request) {
    return names -> Variants.key(new java.util.TreeSet<>(names), request.getHeaders());
  }

  /**
   * Whether a peer's response may answer {@code request}: the variant it selects, and fresh for
   * its directives, or (when the origin failed) stale within stale-if-error.
   */
  private java.util.function.Predicate<StoredResponse> peerCopyFor(
      Request request, SiteConfig site, CacheControl req, boolean originFailed) {
    return r -> {
      java.util.TreeSet<String> vary = Variants.names(CachePolicy.values(r.headers(), "Vary"));
      long lifetime = policy.freshnessLifetime(r, site);
      long age = CachePolicy.currentAge(r, clock.millis());
      boolean soft = softPurged(r); // stale since a soft purge: only for stale-if-error
      boolean usable =
          !soft && CachePolicy.use(req, r, lifetime, age) == CachePolicy.Use.FRESH
              || originFailed && policy.staleIfError(r, soft ? 0 : lifetime, age, req);
      return !vary.contains("*") && Variants.key(vary, request.getHeaders()).equals(r.variant()) && usable && !purgedSince(r);
    };
  }

  /**
   * The origin could not be reached for a miss with no stored copy: a peer's copy that is fresh,
   * or stale within stale-if-error, is served instead; otherwise {@code fallback} (the 502).
   */
  private void originDown(Request request, Response response, Callback callback, Exchange ex, Runnable fallback) {
    if (!viaCluster(ex.site())) {
      fallback.run(); // no records to find a copy by
      return;
    }
    Dispatch.blocking(request, callback, () -> {
      Optional<StoredResponse> copy =
          peers.fill(ex.url(), variantFor(request), peerCopyFor(request, ex.site(), ex.request(), true));
      if (copy.isEmpty()) {
        fallback.run();
        return;
      }
      StoredResponse r = copy.get();
      long lifetime = policy.freshnessLifetime(r, ex.site());
      long age = CachePolicy.currentAge(r, clock.millis());
      CacheStatus cs = CacheStatus.peerOnError(lifetime - age);
      if (StoredResponder.serve(store, request, response, callback, r, age, cs, via)) {
        outcomes.accept(cs);
      } else {
        fallback.run();
      }
    });
  }

  /**
   * A miss that leads: asks the cluster first. With a fresh copy from a peer, stores and serves it
   * (followers find it in the store); otherwise announces that this node fetches the URL and
   * returns false for the origin fetch.
   */
  private boolean fromPeers(
      SiteConfig site, String url, CacheControl req, InFlight lead, Request request, Response response, Callback callback)
      throws Exception {
    Optional<StoredResponse> copy = peers.fillOrFetch(url, variantFor(request), peerCopyFor(request, site, req, false));
    if (copy.isEmpty()) {
      return false;
    }
    lead.notShared();
    collapser.finished(url, lead);
    StoredResponse r = copy.get();
    long age = CachePolicy.currentAge(r, clock.millis());
    CacheStatus cs = CacheStatus.peer();
    if (StoredResponder.serve(store, request, response, callback, r, age, cs, via)) {
      outcomes.accept(cs);
    } else {
      passThrough(site, request, response, callback); // evicted at once: rare, and not worth collapsing
    }
    return true;
  }

  private void passThrough(SiteConfig site, Request request, Response response, Callback callback) {
    passThrough(site, request, response, callback, CacheStatus.forward("method", false));
  }

  private void passThrough(SiteConfig site, Request request, Response response, Callback callback, CacheStatus forward) {
    passThrough(site, request, response, callback, forward, attempt(site, null));
  }

  private void passThrough(SiteConfig site, Request request, Response response, Callback callback, CacheStatus forward, OriginAttempt attempt) {
    String url = CacheKeys.of(request);
    Exchange ex = new Exchange(site, url, CacheControl.EMPTY, forward.outcome(), null, 0, 0, null, clock.millis(), attempt);
    request.setAttribute(Exchange.ATTRIBUTE, ex);
    proxy.handle(request, response, callback);
  }

  /** Whether the request carries content: a non-zero Content-Length, or a Transfer-Encoding. */
  static boolean hasBody(Request request) {
    return request.getLength() > 0 || request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING);
  }


  /**
   * A range request with nothing stored. One background fetch of the whole object, collapsed with
   * every other miss of the URL, fills the store; each range is answered from that body as its
   * bytes arrive. So any number of ranges costs the origin one request and one copy. An object
   * over {@code cache.range-fill-max} (remembered for a while) or one that may not be stored has
   * its ranges passed through.
   */
  private void rangeMiss(
      SiteConfig site, String url, CacheControl req, Request request, Response response, Callback callback, boolean retry)
      throws Exception {
    if (!retry || tooLargeToFill.getIfPresent(url) != null) {
      passThrough(site, request, response, callback);
      return;
    }
    Collapser.Entry entry = collapser.enter(url);
    InFlight flight = entry.flight();
    if (entry.leader()) {
      Exchange ex = new Exchange(site, url, req, Exchange.FILL, null, 0, 0, flight, clock.millis(), attempt(site, request));
      collapser.lead(url, flight, () -> background.fillInBackground(ex, request, rangeFillMax, () -> tooLargeToFill.put(url, true)));
    }
    InFlight.Head head = flight.awaitHead(waitMillis);
    if (head != null
        && head.status() == 200 // a range is of a whole 200; a stored 404 or 301 is answered whole
        && head.contentLength() >= 0
        && !request.getHeaders().contains(HttpHeader.IF_RANGE)) {
      List<ByteRange> ranges = ByteRange.parse(request.getHeaders().getValuesList(HttpHeader.RANGE), head.contentLength());
      if (ranges.size() == 1 && follow(flight, request, response, callback, ranges.get(0))) {
        return;
      }
    }
    if (head != null) {
      // Several ranges, none satisfiable, If-Range, or a length not known before the end: the
      // stored response answers them once the fill is over.
      flight.awaitComplete(waitMillis);
    }
    // Stored by now, or never to be (then the range passes through).
    lookup(site, request, response, callback, false);
  }

  /**
   * Follows another request's origin fetch: waits for its head, then streams its body as it
   * arrives. False when that response is not shared (or not for this variant): fetch yourself.
   */
  private boolean follow(InFlight leader, Request request, Response response, Callback callback) throws Exception {
    return follow(leader, request, response, callback, null);
  }

  /**
   * As {@link #follow(InFlight, Request, Response, Callback)}; with {@code range}, answers that
   * range of the body ({@code 206}) as its bytes arrive.
   */
  private boolean follow(InFlight leader, Request request, Response response, Callback callback, ByteRange range)
      throws Exception {
    InFlight.Head head = leader.awaitHead(waitMillis);
    if (head == null) {
      return false;
    }
    String mine = Variants.key(Variants.names(CachePolicy.values(head.headers(), "Vary")), request.getHeaders());
    if (!mine.equals(head.variant())) {
      return false;
    }
    FileChannel body = leader.acquire();
    if (body == null) {
      // A small body kept in heap, or the fetch is over and its channel closed: once the fetch
      // is over, the store has the response.
      leader.awaitComplete(waitMillis);
      return false;
    }
    CacheStatus cs = CacheStatus.collapsed();
    outcomes.accept(cs);
    response.setStatus(range == null ? head.status() : 206);
    boolean forCluster = StoredHeaders.fromCluster(request);
    for (StoredResponse.Header h : head.headers()) {
      String name = h.name().toLowerCase(java.util.Locale.ROOT);
      if (StoredHeaders.onlyForThisNode(name) && !(forCluster && StoredHeaders.forCluster(name))) {
        continue;
      }
      if (h.name().equalsIgnoreCase("Date")) {
        response.getHeaders().put(h.name(), h.value());
      } else {
        response.getHeaders().add(h.name(), h.value());
      }
    }
    if (range != null) {
      response.getHeaders().put(HttpHeader.CONTENT_RANGE, range.toHeaderValue(head.contentLength()));
      response.getHeaders().put(HttpHeader.CONTENT_LENGTH, range.getLength());
    } else if (head.contentLength() >= 0) {
      response.getHeaders().put(HttpHeader.CONTENT_LENGTH, head.contentLength());
    }
    response.getHeaders().put(CacheStatus.HEADER, cs.value());
    response.getHeaders().add(HttpHeader.VIA, via);
    var pooled = request.getComponents().getByteBufferPool().acquire(64 * 1024, true);
    try {
      ByteBuffer buf = pooled.getByteBuffer();
      long position = range == null ? 0 : range.first();
      long end = range == null ? Long.MAX_VALUE : range.last() + 1;
      while (position < end) {
        long available = Math.min(end, leader.awaitBytes(position, waitMillis));
        if (available < 0) {
          break;
        }
        while (position < available) {
          buf.clear().limit((int) Math.min(buf.capacity(), available - position));
          int n = body.read(buf, position);
          if (n < 0) {
            throw new IOException("the shared body ended early");
          }
          position += n;
          buf.flip();
          write(response, false, buf);
        }
      }
      write(response, true, ByteBuffer.allocate(0));
      callback.succeeded();
    } catch (IOException e) {
      callback.failed(e);
    } finally {
      pooled.release();
      leader.release();
    }
    return true;
  }

  private static void write(Response response, boolean last, ByteBuffer buf) throws IOException {
    try (Blocker.Callback blocker = Blocker.callback()) {
      response.write(last, buf, blocker);
      blocker.block();
    }
  }


  /** What a purge takes. */
  public enum PurgeScope {
    /** One URL (every variant), given as an absolute URL. */
    URL,
    /** Every URL that starts with an absolute URL prefix, such as {@code https://www.example.com/img/}. */
    PREFIX,
    /** Every URL of a host, given as the host. */
    SITE,
    /** Every response whose origin tagged it ({@code Surrogate-Key}, {@code Cache-Tag}) with a tag. */
    TAG
  }

  /**
   * A purge and when it was made here: a copy from before it is refused when the purge removed
   * copies, and taken as stale when it was soft. URL purges that remove are kept in {@link
   * #purgedAt} instead.
   */
  private record PurgeRule(PurgeScope scope, String value, long at, boolean soft) {}

  /** The recent purges by prefix, site or tag, newest first, at most {@link #MAX_RULES}, for a day. */
  private final java.util.concurrent.ConcurrentLinkedDeque<PurgeRule> rules = new java.util.concurrent.ConcurrentLinkedDeque<>();

  private static final int MAX_RULES = 1_000;

  /** {@link #purge(PurgeScope, String, boolean)} of one URL, removing its copies. */
  public int purge(String absoluteUrl) {
    return purge(PurgeScope.URL, absoluteUrl, false);
  }

  /**
   * Removes every stored variant of the responses {@code scope} and {@code value} name, over http
   * and https alike (the same URL over TLS and in clear text is one resource to whoever purges
   * it), and for a day refuses peers' copies of them stored before now: their URL records outlive
   * the purge, and a miss here would otherwise fetch back what a purge on every node just removed.
   * How many variants there were, or -1 for a value that names nothing (not an absolute http(s)
   * URL or prefix, an empty host or tag).
   *
   * <p>A {@code soft} purge removes nothing: the copies it names, here and at peers, count as
   * stale from now on (as if their freshness had run out), so a request revalidates with the
   * origin and stale-if-error can still serve them while the origin is down. How many variants it
   * names is not counted (0).
   */
  public int purge(PurgeScope scope, String value, boolean soft) {
    String v = value == null ? "" : value.trim();
    long now = clock.millis();
    if (soft) {
      String ruleValue = switch (scope) {
        case URL, PREFIX -> bothSchemes(v).map(keys -> keys.get(0)).orElse(null);
        case SITE -> Sites.hostOnly(v).isEmpty() || v.contains("/") ? null : Sites.hostOnly(v);
        case TAG -> v.isEmpty() || v.chars().anyMatch(c -> c <= ' ' || c == ',') ? null : v;
      };
      if (ruleValue == null) {
        return -1;
      }
      if (scope == PurgeScope.URL || scope == PurgeScope.PREFIX) {
        for (String k : bothSchemes(v).orElseThrow()) {
          rule(new PurgeRule(scope, k, now, true));
        }
      } else {
        rule(new PurgeRule(scope, ruleValue, now, true));
      }
      return 0;
    }
    switch (scope) {
      case URL -> {
        java.util.Optional<List<String>> keys = bothSchemes(v);
        if (keys.isEmpty()) {
          return -1;
        }
        int removed = 0;
        for (String k : keys.get()) {
          purgedAt.put(k, now);
          removed += store.responses().invalidate(k);
        }
        return removed;
      }
      case PREFIX -> {
        java.util.Optional<List<String>> prefixes = bothSchemes(v);
        if (prefixes.isEmpty()) {
          return -1;
        }
        int removed = 0;
        for (String p : prefixes.get()) {
          rule(new PurgeRule(PurgeScope.PREFIX, p, now, false));
          removed += invalidateAll(store.responses().urlsWhere(p, r -> true));
        }
        return removed;
      }
      case SITE -> {
        String host = Sites.hostOnly(v);
        if (host.isEmpty() || host.contains("/")) {
          return -1;
        }
        rule(new PurgeRule(PurgeScope.SITE, host, now, false));
        int removed = 0;
        for (String scheme : List.of("http://", "https://")) {
          removed += invalidateAll(store.responses().urlsWhere(scheme + (host.contains(":") ? "[" + host + "]" : host) + "/", r -> true));
        }
        return removed;
      }
      case TAG -> {
        if (v.isEmpty() || v.chars().anyMatch(c -> c <= ' ' || c == ',')) {
          return -1;
        }
        rule(new PurgeRule(PurgeScope.TAG, v, now, false));
        return invalidateAll(store.responses().urlsWhere("", r -> tags(r).contains(v)));
      }
    }
    throw new IllegalArgumentException("no purge scope " + scope);
  }

  /** The cache keys of an absolute http(s) URL (or prefix) over http and over https. */
  private static java.util.Optional<List<String>> bothSchemes(String absolute) {
    String key;
    try {
      key = CacheKeys.of(java.net.URI.create(absolute));
    } catch (IllegalArgumentException e) {
      return java.util.Optional.empty();
    }
    if (key == null) {
      return java.util.Optional.empty();
    }
    String other = key.startsWith("https://") ? "http://" + key.substring(8) : "https://" + key.substring(7);
    return java.util.Optional.of(List.of(key, other));
  }

  private int invalidateAll(List<String> urls) {
    long now = clock.millis();
    int removed = 0;
    for (String url : urls) {
      purgedAt.put(url, now);
      removed += store.responses().invalidate(url);
    }
    return removed;
  }

  private void rule(PurgeRule rule) {
    rules.addFirst(rule);
    long dayAgo = rule.at() - java.time.Duration.ofDays(1).toMillis();
    while (rules.size() > MAX_RULES || (rules.peekLast() != null && rules.peekLast().at() < dayAgo)) {
      rules.pollLast();
    }
  }

  /** The tags an origin gave a response: {@code Surrogate-Key} (space-separated) and {@code Cache-Tag} (comma-separated). */
  static java.util.Set<String> tags(StoredResponse r) {
    return tags(r.headers());
  }

  /** The tags in {@code headers}: {@code Surrogate-Key} (space-separated) and {@code Cache-Tag} (comma-separated). */
  static java.util.Set<String> tags(List<StoredResponse.Header> headers) {
    java.util.Set<String> out = new java.util.HashSet<>();
    for (StoredResponse.Header h : headers) {
      if (h.name().equalsIgnoreCase("Surrogate-Key")) {
        for (String t : h.value().trim().split("\\s+")) {
          if (!t.isEmpty()) {
            out.add(t);
          }
        }
      } else if (h.name().equalsIgnoreCase("Cache-Tag")) {
        for (String t : h.value().split(",")) {
          if (!t.isBlank()) {
            out.add(t.trim());
          }
        }
      }
    }
    return out;
  }

  /** When each URL was last purged here, epoch ms (a day, at most 100,000 URLs). */
  private final com.github.benmanes.caffeine.cache.Cache<String, Long> purgedAt =
      com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(java.time.Duration.ofDays(1)).build();

  /**
   * How long after a purge here of a URL (by itself, or as one of those a prefix, site or tag
   * purge removed here) a miss of it goes to the origin instead of the URL's directory ({@code
   * shield=directory}): the directory node and the URL's filler may not have the purge yet (it
   * reaches the cluster within a second or two), and their copy, taken now, would be stored here
   * as new. A prefix, site or tag purge sends no other URL past the directory: a copy another node
   * answers that such a purge names is refused when it arrives ({@link #purgedCopy}).
   */
  static final long PURGE_BYPASS_MILLIS = 60_000;

  /** Whether a purge here in the last {@link #PURGE_BYPASS_MILLIS} named {@code url} itself. */
  private boolean purgedLately(String url) {
    long since = clock.millis() - PURGE_BYPASS_MILLIS;
    Long at = purgedAt.getIfPresent(url);
    if (at != null && at >= since) {
      return true;
    }
    for (PurgeRule rule : rules) {
      if (rule.at() < since) {
        break; // newest first
      }
      if (rule.scope() == PurgeScope.URL && url.equals(rule.value())) {
        return true; // a soft purge of the URL
      }
    }
    return false;
  }

  /**
   * The authority of a cache key ({@code scheme://authority/path?query}), read without {@link
   * java.net.URI}: a key's path and query are the request's, which may hold characters a URI may
   * not (a raw {@code |} in a query).
   */
  static String authority(String url) {
    int start = url.indexOf("://");
    start = start < 0 ? 0 : start + 3;
    int end = start;
    while (end < url.length() && url.charAt(end) != '/' && url.charAt(end) != '?') {
      end++;
    }
    return url.substring(start, end);
  }

  /**
   * Whether the copy of {@code url} another node of the cluster answered with {@code head},
   * received at {@code now}, may be older than a purge here that names it (by URL, prefix, site or
   * tag, soft or not): that node has not had the purge yet, and the copy must not be stored or
   * served here (see {@link #originAnswered} for its age). A {@code 304} that would freshen
   * {@code validating}, the copy stored here, is refused when a purge here since that copy was
   * stored names it: the node that sent the 304 may hold the same pre-purge copy.
   */
  boolean purgedCopy(String url, HttpFields head, long now, StoredResponse validating) {
    Long at = purgedAt.getIfPresent(url);
    PurgeRule newest = rules.peekFirst();
    if (at == null && newest == null) {
      return false;
    }
    if (validating != null) {
      return purgedSince(validating) || ruleTakes(validating, true);
    }
    long fetched = originAnswered(head, now);
    // the answer's fields are copied only when a rule is as new as the copy (newest first)
    return at != null && fetched <= at || newest != null && newest.at() >= fetched && ruleNames(url, fetched, null, StoredHeaders.from(head));
  }

  /**
   * When, at the latest, the origin answered a response another node passed on with {@code head}
   * at {@code now}, epoch ms: {@code Age} seconds before now, less a second for what the field
   * rounds away, and no later than its {@code Date} (a fill still under way at that node carries
   * no {@code Age}). A negative or unreadable {@code Age} or {@code Date} makes it as old as can be.
   */
  static long originAnswered(HttpFields head, long now) {
    long fetched = now - 1_000;
    String age = head.get(HttpHeader.AGE);
    if (age != null) {
      String digits = age.trim();
      if (digits.isEmpty() || digits.chars().anyMatch(c -> c < '0' || c > '9')) {
        return Long.MIN_VALUE;
      }
      try {
        fetched = Math.subtractExact(now, Math.multiplyExact(Math.addExact(Long.parseLong(digits), 1), 1_000L));
      } catch (NumberFormatException | ArithmeticException e) {
        return Long.MIN_VALUE;
      }
    }
    String date = head.get(HttpHeader.DATE);
    if (date != null) {
      long at = org.oversky.gateway.http.HttpDates.parse(date, now);
      if (at < 0) {
        return Long.MIN_VALUE;
      }
      fetched = Math.min(fetched, at);
    }
    return fetched;
  }

  /** Whether {@code r} was stored before a purge here removed its URL (by URL, prefix, site or tag). */
  private boolean purgedSince(StoredResponse r) {
    Long at = purgedAt.getIfPresent(r.url());
    return at != null && r.responseTime() <= at || ruleTakes(r, false);
  }

  /** Whether {@code r} was stored before a soft purge here named it: it is stale from then on. */
  private boolean softPurged(StoredResponse r) {
    return !rules.isEmpty() && ruleTakes(r, true);
  }

  /** Runs on every hit while purge rules exist. */
  private boolean ruleTakes(StoredResponse r, boolean soft) {
    return ruleNames(r.url(), r.responseTime(), soft, r.headers());
  }

  /**
   * Whether a rule here ({@code soft} ones, or hard ones; both when null) made at {@code time} or
   * after names the response of {@code url} with {@code headers}. The host and the tags are worked
   * out once, and only when a rule needs them.
   */
  private boolean ruleNames(String url, long time, Boolean soft, List<StoredResponse.Header> headers) {
    String host = null;
    java.util.Set<String> tags = null;
    for (PurgeRule rule : rules) {
      if (soft != null && rule.soft() != soft || time > rule.at()) {
        continue;
      }
      boolean takes = switch (rule.scope()) {
        case URL -> url.equals(rule.value());
        case PREFIX -> url.startsWith(rule.value());
        case SITE -> (host != null ? host : (host = Sites.hostOnly(authority(url)))).equals(rule.value());
        case TAG -> (tags != null ? tags : (tags = tags(headers))).contains(rule.value());
      };
      if (takes) {
        return true;
      }
    }
    return false;
  }
}
