package org.oversky.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oversky.dht.id.NodeId;
import org.oversky.dht.rpc.Envelope;
import org.oversky.dht.rpc.NodeIdentity;
import org.oversky.dht.rpc.Request;
import org.oversky.dht.rpc.Response;
import org.oversky.dht.rpc.Rpc;
import org.oversky.dht.rpc.RpcCodec;
import org.oversky.dht.rpc.SignedRecord;

/**
 * Cooperative caching between real nodes of one site cluster: a miss on one node is filled from
 * another node's copy, the origin sees one request, and untrusted records, lying peers, a slow
 * DHT and a dead origin are each handled as a CDN user would expect. The sites take {@code
 * shield=off}: cooperation by URL records, as a site without a cluster secret has it.
 */
class CooperativeCacheTest {
  private static final String HOST = "site.test";
  private static final String BODY = "a cacheable object";

  private static Map<String, String> site(WireMockServer origin, String... more) {
    Map<String, String> s = new HashMap<>();
    s.put("sites", HOST + "=" + origin.baseUrl() + ";shield=off"); // URL records, not the default directory (DirectoryTest)
    for (int i = 0; i < more.length; i += 2) {
      s.put(more[i], more[i + 1]);
    }
    return s;
  }

  static HttpResponse<String> siteGet(TestNode node, String path) throws Exception {
    return TestNode.HTTP.send(
        HttpRequest.newBuilder(node.url(path)).timeout(Duration.ofSeconds(30)).header("Host", HOST).build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private static String cacheStatus(HttpResponse<?> r) {
    return r.headers().firstValue("Cache-Status").orElse("");
  }

  private static Map<?, ?> cluster(TestNode node) throws Exception {
    return (Map<?, ?>) Jsons.parse(node.get("/api/v1/status").body()).get("cluster");
  }

  private static long figure(TestNode node, String name) throws Exception {
    return ((Number) cluster(node).get(name)).longValue();
  }

  private static WireMockServer origin(String path, String cacheControl) {
    WireMockServer origin = Origins.wireMock();
    origin.stubFor(get(path).willReturn(aResponse().withHeader("Cache-Control", cacheControl).withBody(BODY)));
    return origin;
  }

  private static int originCount(WireMockServer origin, String path) {
    return origin.countRequestsMatching(getRequestedFor(urlEqualTo(path)).build()).getCount();
  }

  /**
   * Waits until node {@code i}'s response record is out: published, and held by as many nodes as
   * {@code cluster.record-copies} (3 by default) asks, or by all when there are fewer.
   */
  private static void awaitPublished(Cluster c, int i) {
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() ->
        figure(c.get(i), "recordsPublished") >= 1 && holding(c).size() >= Math.min(3, c.nodes.size()));
  }

  /** The {@code put_record} requests {@code node} has received. */
  private static long recordPuts(TestNode node) throws Exception {
    Map<?, ?> dht = (Map<?, ?>) Jsons.parse(node.get("/api/v1/status").body()).get("dht");
    return ((Number) ((Map<?, ?>) dht.get("rpcReceivedByType")).get("put_record")).longValue();
  }

  private static int valueRecords(TestNode node) throws Exception {
    Map<?, ?> dht = (Map<?, ?>) Jsons.parse(node.get("/api/v1/status").body()).get("dht");
    return ((Number) dht.get("valueRecordsHeld")).intValue();
  }

  /** The indexes of the running nodes that hold a value record. */
  private static java.util.List<Integer> holding(Cluster c) throws Exception {
    java.util.List<Integer> out = new java.util.ArrayList<>();
    for (int j = 0; j < c.nodes.size(); j++) {
      if (c.get(j) != null && valueRecords(c.get(j)) >= 1) {
        out.add(j);
      }
    }
    return out;
  }

  @Test
  void aUrlRecordIsHeldByItsPlacementsNodesOnlyAndFoundThereWhenOneOfThemIsGone(@TempDir Path dir) throws Exception {
    WireMockServer origin = origin("/obj", "public, max-age=300");
    try (Cluster c = Cluster.start(dir, 6, site(origin, "cluster.secret", "s3cret", "cluster.record-copies", "2")).awaitJoined()) {
      assertEquals(BODY, siteGet(c.get(0), "/obj").body());
      await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> holding(c).size() >= 2);
      java.util.List<Integer> holders = holding(c);
      assertEquals(2, holders.size(), "two of six nodes hold the record, not all: " + holders);
      // one holder other than the publisher goes away; misses elsewhere ask both holders at once
      int gone = holders.get(0) != 0 ? holders.get(0) : holders.get(1);
      c.stop(gone);
      for (int i = 1; i < 6; i++) {
        if (i == gone) {
          continue;
        }
        HttpResponse<String> r = siteGet(c.get(i), "/obj");
        assertEquals(BODY, r.body());
        assertTrue(cacheStatus(r).contains("fwd=peer"), "node " + i + " (holders " + holders + ", " + gone + " gone): " + cacheStatus(r));
      }
      assertEquals(1, originCount(origin, "/obj"));
      int kept = holders.get(0) == gone ? holders.get(1) : holders.get(0);
      if (kept != 0) {
        assertTrue(figure(c.get(kept), "recordLookupsHeldHere") >= 1, "the holder read its own store");
      }
    } finally {
      origin.stop();
    }
  }

  @Test
  void anObjectFetchedThroughOneNodeIsServedByFourOthersWithoutTheOrigin(@TempDir Path dir) throws Exception {
    WireMockServer origin = origin("/obj", "public, max-age=300");
    try (Cluster c = Cluster.start(dir, 5, site(origin, "cluster.secret", "s3cret")).awaitJoined()) {
      HttpResponse<String> first = siteGet(c.get(0), "/obj");
      assertEquals(BODY, first.body());
      assertTrue(cacheStatus(first).contains("fwd=uri-miss"), cacheStatus(first));
      awaitPublished(c, 0);
      for (int i = 1; i < 5; i++) {
        HttpResponse<String> r = siteGet(c.get(i), "/obj");
        assertEquals(200, r.statusCode());
        assertEquals(BODY, r.body());
        assertTrue(cacheStatus(r).contains("fwd=peer"), "node " + i + ": " + cacheStatus(r));
        HttpResponse<String> again = siteGet(c.get(i), "/obj");
        assertTrue(cacheStatus(again).contains("hit"), "then a local hit: " + cacheStatus(again));
      }
      assertEquals(1, originCount(origin, "/obj"));
      assertEquals(1, figure(c.get(3), "peerFills"));
      assertEquals(BODY.length(), figure(c.get(3), "bytesFromPeers"));
      String metrics = new String(c.get(3).get("/metrics").body(), StandardCharsets.UTF_8);
      assertTrue(metrics.contains("oversky_cluster_peer_fills_total 1.0"), "metrics show the peer fill");
      assertTrue(metrics.contains("outcome=\"peer\""), "and the cache outcome");
    } finally {
      origin.stop();
    }
  }

  @Test
  void aResponseFreshLongerThanARecordLivesIsPublishedAgain(@TempDir Path dir) throws Exception {
    // Records live an hour, the response a day; the test advances the nodes' clock.
    WireMockServer origin = origin("/obj", "public, max-age=86400");
    Map<String, String> s = site(origin, "cluster.secret", "s3cret", "dht.provider-ttl", "1h", "dht.republish-interval", "20m");
    TestClock clock = new TestClock();
    try (Cluster c = Cluster.start(dir, 2, s, clock).awaitJoined()) {
      assertEquals(BODY, siteGet(c.get(0), "/obj").body());
      awaitPublished(c, 0);
      // Three record lifetimes: a record not published again would be gone by then. Each round's
      // republication reaches the other node before the clock moves on (the sends are
      // asynchronous: without the wait, a run that advanced the clock faster than they landed
      // left node 1 with records expired on arrival, and its request went to the origin).
      for (int step = 0; step < 9; step++) {
        long landed = recordPuts(c.get(1));
        clock.advance(Duration.ofMinutes(20).plusSeconds(1));
        for (TestNode n : c.nodes) {
          n.server.gateway().dht().maintainNow();
        }
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> recordPuts(c.get(1)) > landed);
      }
      assertTrue(figure(c.get(0), "recordsPublished") >= 4, "published again: " + figure(c.get(0), "recordsPublished"));
      HttpResponse<String> r = siteGet(c.get(1), "/obj");
      assertTrue(cacheStatus(r).contains("fwd=peer"), cacheStatus(r));
      assertEquals(1, originCount(origin, "/obj"));
    } finally {
      origin.stop();
    }
  }

  @Test
  void eachVariantOfAVaryingResponseIsSharedForRequestsThatSelectIt(@TempDir Path dir) throws Exception {
    WireMockServer origin = Origins.wireMock();
    for (String lang : new String[] {"en", "de", "fr"}) {
      origin.stubFor(get("/page").withHeader("Accept-Language", com.github.tomakehurst.wiremock.client.WireMock.equalTo(lang))
          .willReturn(aResponse().withHeader("Cache-Control", "public, max-age=300").withHeader("Vary", "Accept-Language")
              .withBody("page in " + lang)));
    }
    try (Cluster c = Cluster.start(dir, 2, site(origin, "cluster.secret", "s3cret")).awaitJoined()) {
      assertEquals("page in en", langGet(c.get(0), "en").body());
      assertEquals("page in de", langGet(c.get(0), "de").body());
      await().atMost(Duration.ofSeconds(20)).until(() -> figure(c.get(0), "recordsPublished") >= 2);
      await().atMost(Duration.ofSeconds(20)).until(() -> {
        Map<?, ?> dht = (Map<?, ?>) Jsons.parse(c.get(1).get("/api/v1/status").body()).get("dht");
        return ((Number) dht.get("valueRecordsHeld")).intValue() >= 3; // two variants and the vary record
      });
      HttpResponse<String> de = langGet(c.get(1), "de");
      assertEquals("page in de", de.body());
      assertTrue(cacheStatus(de).contains("fwd=peer"), cacheStatus(de));
      HttpResponse<String> fr = langGet(c.get(1), "fr");
      assertEquals("page in fr", fr.body());
      assertFalse(cacheStatus(fr).contains("fwd=peer"), "no node has the French page yet: " + cacheStatus(fr));
      assertEquals(3, origin.countRequestsMatching(getRequestedFor(urlEqualTo("/page")).build()).getCount());
    } finally {
      origin.stop();
    }
  }

  private static HttpResponse<String> langGet(TestNode node, String lang) throws Exception {
    return TestNode.HTTP.send(
        HttpRequest.newBuilder(node.url("/page")).timeout(Duration.ofSeconds(30)).header("Host", HOST)
            .header("Accept-Language", lang).build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  @Test
  void whenTheOriginIsDownThePeersCopyIsServed(@TempDir Path dir) throws Exception {
    WireMockServer origin = origin("/obj", "public, max-age=300");
    try (Cluster c = Cluster.start(dir, 2, site(origin, "cluster.secret", "s3cret")).awaitJoined()) {
      assertEquals(BODY, siteGet(c.get(0), "/obj").body());
      awaitPublished(c, 0);
      origin.stop();
      HttpResponse<String> r = siteGet(c.get(1), "/obj");
      assertEquals(200, r.statusCode());
      assertEquals(BODY, r.body());
      assertTrue(cacheStatus(r).contains("fwd=peer"), cacheStatus(r));
    } finally {
      origin.stop();
    }
  }

  @Test
  void withTheOriginDownAStalePeerCopyIsServedOnlyWithinStaleIfError(@TempDir Path dir) throws Exception {
    WireMockServer origin = origin("/tolerant", "public, max-age=1, stale-if-error=600");
    origin.stubFor(get("/strict").willReturn(aResponse().withHeader("Cache-Control", "public, max-age=1").withBody(BODY)));
    try (Cluster c = Cluster.start(dir, 2, site(origin, "cluster.secret", "s3cret")).awaitJoined()) {
      assertEquals(BODY, siteGet(c.get(0), "/tolerant").body());
      assertEquals(BODY, siteGet(c.get(0), "/strict").body());
      await().atMost(Duration.ofSeconds(20)).until(() -> figure(c.get(0), "recordsPublished") >= 2);
      long staleAt = System.currentTimeMillis() + 2_500;
      // Both copies go stale: the test waits for the clock, which is what it is about.
      await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> System.currentTimeMillis() > staleAt);
      origin.stop();
      HttpResponse<String> tolerant = siteGet(c.get(1), "/tolerant");
      assertEquals(200, tolerant.statusCode());
      assertEquals(BODY, tolerant.body());
      assertTrue(cacheStatus(tolerant).contains("fwd=peer") && cacheStatus(tolerant).contains("detail=origin-error"), cacheStatus(tolerant));
      HttpResponse<String> strict = siteGet(c.get(1), "/strict");
      assertEquals(502, strict.statusCode(), "a stale copy without stale-if-error is not served: " + cacheStatus(strict));
    } finally {
      origin.stop();
    }
  }

  @Test
  void aNodeWithAnotherSecretTakesNothingAndANoStoreResponseIsNeverPublished(@TempDir Path dir) throws Exception {
    WireMockServer origin = origin("/obj", "public, max-age=300");
    origin.stubFor(get("/private").willReturn(aResponse().withHeader("Cache-Control", "no-store").withBody(BODY)));
    try (Cluster c = Cluster.start(dir, 2, site(origin, "cluster.secret", "s3cret")).awaitJoined();
        TestNode outsider =
            TestNode.start(dir.resolve("outsider"), site(origin, "cluster.secret", "other", "dht.bootstrap", c.get(0).base.toString()))) {
      assertEquals(BODY, siteGet(c.get(0), "/obj").body());
      awaitPublished(c, 0);
      await().atMost(Duration.ofSeconds(20)).until(() -> Cluster.hosts(outsider) >= 2);
      HttpResponse<String> r = siteGet(outsider, "/obj");
      assertEquals(BODY, r.body());
      assertFalse(cacheStatus(r).contains("fwd=peer"), cacheStatus(r));
      assertEquals(2, originCount(origin, "/obj"));

      assertEquals(BODY, siteGet(c.get(0), "/private").body());
      assertEquals(BODY, siteGet(c.get(1), "/private").body());
      assertEquals(2, originCount(origin, "/private"), "no-store: each node asks the origin");
      assertEquals(1, figure(c.get(0), "recordsPublished"), "only /obj was published");
      assertEquals(0, figure(c.get(1), "recordsPublished"));
    } finally {
      origin.stop();
    }
  }

  @Test
  void aForgedRecordFromAnUntrustedNodeIsIgnoredAndCounted(@TempDir Path dir) throws Exception {
    WireMockServer origin = origin("/obj", "public, max-age=300");
    // Trust by allow-list: the DHT key is the plain one, so a forger can compute and write it.
    NodeIdentity forger = NodeIdentity.generate(URI.create("http://127.0.0.1:" + NodeProcess.freePort()));
    try (TestNode victim = TestNode.start(dir.resolve("v"), site(origin, "cluster.trusted-nodes", "ab".repeat(32)))) {
      HttpResponse<byte[]> put = putUrlRecord(victim, forger, forger.baseUrl(), "cd".repeat(32));
      assertEquals(200, put.statusCode(), new String(put.body()));

      HttpResponse<String> r = siteGet(victim, "/obj");
      assertEquals(BODY, r.body());
      assertTrue(cacheStatus(r).contains("fwd=uri-miss"), cacheStatus(r));
      assertEquals(1, originCount(origin, "/obj"));
      assertTrue(figure(victim, "untrustedRecordsIgnored") >= 1);
    } finally {
      origin.stop();
    }
  }

  @Test
  void aTrustedRecordThatCannotBeReadIsCountedAndLogged(@TempDir Path dir) throws Exception {
    WireMockServer origin = origin("/obj", "public, max-age=300");
    NodeIdentity friend = NodeIdentity.generate(URI.create("http://127.0.0.1:" + NodeProcess.freePort()));
    String trusted = friend.sender().id().hex();
    try (TestNode node = TestNode.start(dir.resolve("n"), site(origin, "cluster.trusted-nodes", trusted))) {
      String unreadable = "{\"kind\":\"response\",\"url\":\"http://site.test/obj\",\"status\":\"two hundred\"}";
      assertEquals(200, putUrlRecordJson(node, friend, unreadable).statusCode());

      HttpResponse<String> r = siteGet(node, "/obj");
      assertEquals(BODY, r.body());
      assertTrue(cacheStatus(r).contains("fwd=uri-miss"), cacheStatus(r));
      String metrics = new String(node.get("/metrics").body(), StandardCharsets.UTF_8);
      assertTrue(
          metrics.lines().anyMatch(l -> l.startsWith("oversky_failures_total{kind=\"cluster-record-unreadable\"}") && !l.endsWith(" 0.0")),
          "the unreadable trusted record is counted: " + metrics.lines().filter(l -> l.contains("failures")).toList());
    } finally {
      origin.stop();
    }
  }

  @Test
  void aPeerServingWrongBytesIsSkippedAndTheOriginAnswers(@TempDir Path dir) throws Exception {
    WireMockServer origin = origin("/obj", "public, max-age=300");
    WireMockServer liar = Origins.wireMock();
    NodeIdentity friend = NodeIdentity.generate(URI.create(liar.baseUrl()));
    String friendId = NodeId.ofPublicKey(friend.keyPair().getPublic()).hex();
    try (TestNode node = TestNode.start(dir.resolve("n"), site(origin, "cluster.trusted-nodes", friendId))) {
      String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(BODY.getBytes(StandardCharsets.UTF_8)));
      liar.stubFor(get("/key/" + sha).willReturn(aResponse().withBody("not the object at all")));
      HttpResponse<byte[]> put = putUrlRecord(node, friend, URI.create(liar.baseUrl()), sha);
      assertEquals(200, put.statusCode(), new String(put.body()));

      HttpResponse<String> r = siteGet(node, "/obj");
      assertEquals(BODY, r.body(), "the client gets the origin's bytes, never the liar's");
      assertFalse(cacheStatus(r).contains("fwd=peer"), cacheStatus(r));
      assertEquals(1, originCount(origin, "/obj"));
      assertEquals(1, liar.countRequestsMatching(getRequestedFor(urlEqualTo("/key/" + sha)).build()).getCount());
      Map<?, ?> dht = (Map<?, ?>) Jsons.parse(node.get("/api/v1/status").body()).get("dht");
      assertEquals(1, ((Number) dht.get("peerMismatches")).intValue());
    } finally {
      origin.stop();
      liar.stop();
    }
  }

  @Test
  void aSlowDhtFallsBackToTheOriginWithinTheBudget(@TempDir Path dir) throws Exception {
    WireMockServer origin = Origins.wireMock();
    origin.stubFor(get(com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching("/obj[0-9]+"))
        .willReturn(aResponse().withHeader("Cache-Control", "public, max-age=300").withBody(BODY)));
    CountDownLatch release = new CountDownLatch(1);
    try (StallingPeer stall = new StallingPeer(release);
        TestNode node = TestNode.start(dir.resolve("n"), site(origin, "cluster.secret", "s3cret", "cluster.lookup-budget", "200ms"))) {
      HttpResponse<byte[]> joined = node.post("/api/v1/hosts", "{\"url\":\"" + stall.base + "\"}");
      assertEquals(200, joined.statusCode(), new String(joined.body()));
      // A URL whose first holder is the node itself claims it in its own store, with no message:
      // a URL of the stalled peer's comes within a few (each is either's, by rendezvous hashing).
      long timeouts = 0;
      for (int i = 0; i < 20 && timeouts == 0; i++) {
        HttpResponse<String> r = siteGet(node, "/obj" + i);
        assertEquals(BODY, r.body());
        assertTrue(cacheStatus(r).contains("fwd=uri-miss"), cacheStatus(r));
        timeouts = figure(node, "recordLookupTimeouts");
      }
      assertTrue(timeouts >= 1, "a record lookup at the stalled peer ran out of its budget, and the origin answered");
    } finally {
      release.countDown();
      origin.stop();
    }
  }

  @Test
  void aMissWaitsForAnotherNodeFetchingTheSameUrl(@TempDir Path dir) throws Exception {
    WireMockServer origin = Origins.wireMock();
    origin.stubFor(get("/slow").willReturn(aResponse().withHeader("Cache-Control", "public, max-age=300")
        .withBody(BODY).withFixedDelay(1500)));
    try (Cluster c = Cluster.start(dir, 3, site(origin, "cluster.secret", "s3cret", "cluster.collapse-wait", "10s")).awaitJoined()) {
      CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> {
        try {
          return siteGet(c.get(0), "/slow");
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      // Node 0's marker is out when the URL's first holder holds it (node 0's claim).
      await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> !holding(c).isEmpty());
      long sentBefore = dhtFigure(c.get(1), "rpcSent");
      HttpResponse<String> second = siteGet(c.get(1), "/slow");
      long sentWhileWaiting = dhtFigure(c.get(1), "rpcSent") - sentBefore;
      assertEquals(BODY, second.body());
      assertTrue(cacheStatus(second).contains("fwd=peer"), cacheStatus(second));
      assertEquals(BODY, first.get(30, TimeUnit.SECONDS).body());
      assertEquals(1, originCount(origin, "/slow"));
      long waits = figure(c.get(1), "waitsForPeers");
      assertTrue(waits >= 5, "waited about 1.5 s, 50 ms at a time: " + waits);
      // Node 1 is one of the URL's holders (3 nodes, 3 copies): it asks the first holder once,
      // and each look while it waits is at its own store, which the record reaches.
      assertTrue(sentWhileWaiting < 10, "DHT requests sent while waiting: " + sentWhileWaiting);
    } finally {
      origin.stop();
    }
  }

  /**
   * A node out of the placeable view when a record was placed (here draining; in the three-node
   * acceptance check, a node the publisher had not yet added) is handed the record when it comes
   * back, so a miss there, where it ranks first and claims the URL at its own store, finds it.
   */
  @Test
  void aNodeThatBecomesAHolderAfterARecordWasPlacedIsHandedIt(@TempDir Path dir) throws Exception {
    WireMockServer origin = origin("/obj", "public, max-age=300");
    try (Cluster c = Cluster.start(dir, 3, site(origin, "cluster.secret", "s3cret", "admin-token", "t0ken")).awaitJoined()) {
      TestNode late = c.get(2);
      assertEquals(200, drain(late, "POST"));
      await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() ->
          c.get(0).stateOf(late).equals("draining") && c.get(1).stateOf(late).equals("draining"));
      assertEquals(BODY, siteGet(c.get(0), "/obj").body());
      await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() ->
          valueRecords(c.get(0)) >= 1 && valueRecords(c.get(1)) >= 1);
      assertEquals(0, valueRecords(late), "placed without the draining node; handed on " + figure(c.get(0), "recordsHandedOn")
          + "/" + figure(c.get(1), "recordsHandedOn") + ", published " + figure(c.get(0), "recordsPublished") + " markers " + figure(c.get(0), "markersPublished"));

      assertEquals(200, drain(late, "DELETE"));
      await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> valueRecords(late) >= 1);
      assertTrue(figure(c.get(0), "recordsHandedOn") >= 1, "the publisher handed it on");
      HttpResponse<String> r = siteGet(late, "/obj");
      assertEquals(BODY, r.body());
      assertTrue(cacheStatus(r).contains("fwd=peer"), cacheStatus(r));
      assertEquals(1, originCount(origin, "/obj"));
    } finally {
      origin.stop();
    }
  }

  private static int drain(TestNode node, String method) throws Exception {
    return TestNode.HTTP.send(
        HttpRequest.newBuilder(node.url("/api/v1/drain")).timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer t0ken")
            .method(method, HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  @Test
  void aLeadingMissClaimsTheUrlInItsLookupSoItsMarkerCostsNoMessageOfItsOwn(@TempDir Path dir) throws Exception {
    WireMockServer origin = origin("/obj", "public, max-age=300");
    try (Cluster c = Cluster.start(dir, 3, site(origin, "cluster.secret", "s3cret")).awaitJoined()) {
      long putsBefore = received(c, "put_record");
      long getsBefore = received(c, "get_record");
      assertEquals(BODY, siteGet(c.get(0), "/obj").body());
      awaitPublished(c, 0);
      assertEquals(1, figure(c.get(0), "markersPublished"), "the URL was claimed for node 0");
      assertEquals(2, received(c, "put_record") - putsBefore,
          "the record went to the two other holders; the marker rode on the lookup (a put each before)");
      assertTrue(received(c, "get_record") - getsBefore <= 1, "one lookup at most: at the first holder, unless node 0 is it");
      HttpResponse<String> peer = siteGet(c.get(1), "/obj");
      assertTrue(cacheStatus(peer).contains("fwd=peer"), cacheStatus(peer));
      assertEquals(1, originCount(origin, "/obj"));
    } finally {
      origin.stop();
    }
  }

  /** The DHT requests of one RPC received by the cluster's nodes, in all. */
  private static long received(Cluster c, String rpc) throws Exception {
    long sum = 0;
    for (int i = 0; i < c.nodes.size(); i++) {
      Map<?, ?> dht = (Map<?, ?>) Jsons.parse(c.get(i).get("/api/v1/status").body()).get("dht");
      sum += ((Number) ((Map<?, ?>) dht.get("rpcReceivedByType")).get(rpc)).longValue();
    }
    return sum;
  }

  private static long dhtFigure(TestNode node, String name) throws Exception {
    Map<?, ?> dht = (Map<?, ?>) Jsons.parse(node.get("/api/v1/status").body()).get("dht");
    return ((Number) dht.get(name)).longValue();
  }

  /**
   * Puts, as {@code publisher}, a record without a cluster MAC saying {@code provider} serves
   * {@code http://site.test/obj} with body {@code sha}: a record only the allow-list can make
   * trusted (its DHT key is the plain one, with no secret's tag).
   */
  private static HttpResponse<byte[]> putUrlRecord(TestNode node, NodeIdentity publisher, URI provider, String sha)
      throws Exception {
    String url = "http://" + HOST + "/obj";
    String json = "{\"kind\":\"response\",\"url\":\"" + url + "\",\"provider\":\"" + provider + "\",\"variant\":\"\","
        + "\"status\":200,\"headers\":[[\"Cache-Control\",\"max-age=300\"]],\"body\":\"" + sha + "\","
        + "\"requestTime\":" + System.currentTimeMillis() + ",\"responseTime\":" + System.currentTimeMillis() + "}";
    return putUrlRecordJson(node, publisher, json);
  }

  /** Stores a URL record for {@code http://site.test/obj} whose value holds {@code json}, signed by {@code publisher}. */
  private static HttpResponse<byte[]> putUrlRecordJson(TestNode node, NodeIdentity publisher, String json) throws Exception {
    String url = "http://" + HOST + "/obj";
    NodeId key = NodeId.ofBytes(MessageDigest.getInstance("SHA-256").digest(("oversky-url:" + url).getBytes(StandardCharsets.UTF_8)));
    byte[] value = new byte[1 + 32 + json.length()];
    value[0] = 1;
    System.arraycopy(json.getBytes(StandardCharsets.UTF_8), 0, value, 33, json.length());
    SignedRecord record = SignedRecord.sign(key, value, System.currentTimeMillis() + 60_000, publisher.keyPair());
    return TestNode.HTTP.send(
        HttpRequest.newBuilder(node.url("/dht/v1/put_record"))
            .POST(HttpRequest.BodyPublishers.ofByteArray(new RpcCodec().encode(publisher, new Request.PutRecord(record))))
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  /** A DHT node that answers pings but never answers anything else (until released). */
  static final class StallingPeer implements AutoCloseable {
    final HttpServer server;
    final URI base;

    StallingPeer(CountDownLatch release) throws Exception {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.setExecutor(Executors.newCachedThreadPool());
      base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
      NodeIdentity me = NodeIdentity.generate(base);
      RpcCodec codec = new RpcCodec();
      server.createContext("/dht/v1/", exchange -> {
        try (exchange) {
          byte[] in = exchange.getRequestBody().readAllBytes();
          Envelope request = codec.decode(in, me);
          if (request.rpc() != Rpc.PING) {
            release.await(30, TimeUnit.SECONDS);
          }
          Response answer = switch (request.rpc()) {
            case PING -> new Response.Pong();
            case FIND_NODE -> new Response.Nodes(java.util.List.of());
            case GET_RECORD -> new Response.RecordReply(java.util.Optional.empty(), java.util.List.of());
            case GET_PROVIDERS -> new Response.Providers(java.util.List.of(), java.util.List.of());
            case ADD_PROVIDER -> new Response.ProviderAdded();
            case ADD_PROVIDERS ->
                new Response.ProvidersAdded(((org.oversky.dht.rpc.Request.AddProviders) request.payload()).keys().size());
            case PUT_RECORD -> new Response.RecordStored();
            case HAND_OVER -> new Response.HandedOver(0);
          };
          byte[] out = codec.encode(me, answer);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, out.length);
          exchange.getResponseBody().write(out);
        } catch (Exception e) {
          exchange.sendResponseHeaders(500, -1);
        }
      });
      server.start();
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }
}
