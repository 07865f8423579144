package org.oversky.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A site with {@code shield=directory} on three real nodes: each URL's directory node serves it
 * when it has it, and otherwise names the node that filled it first, so the node that missed
 * first fills from the origin and every other node fills from a peer (as the cooperative
 * acceptance check wants), with one origin request per URL and no URL records. Claims that do
 * not verify are refused, and a node of another cluster takes no peer copy.
 */
class DirectoryTest {
  private static final String SECRET = "directory-secret";

  private static HttpResponse<byte[]> get(TestNode node, String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(node.url(path)).header("Host", "dir.test").timeout(Duration.ofSeconds(30));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return TestNode.HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static WireMockServer origin(byte[] body) {
    WireMockServer origin = Origins.wireMock();
    origin.stubFor(WireMock.get(WireMock.urlPathMatching("/d/.*")).willReturn(WireMock.ok().withBody(body).withHeader("Cache-Control", "max-age=300")));
    return origin;
  }

  /** The settings of a cluster node with one site, {@code dir.test}, of {@code origin} through the directory. */
  private static Map<String, String> directorySite(WireMockServer origin) {
    return new HashMap<>(Map.of("sites", "dir.test=" + origin.baseUrl() + ";shield=directory", "cluster.secret", SECRET));
  }

  private static int originRequests(WireMockServer origin, String path) {
    return origin.findAll(WireMock.getRequestedFor(WireMock.urlEqualTo(path))).size();
  }


  @Test
  void theFirstMissFillsFromTheOriginAndEveryOtherNodeFromAPeer(@TempDir Path dir) throws Exception {
    byte[] body = Bytes.random(20_000, 41);
    WireMockServer origin = origin(body);
    Map<String, String> settings = directorySite(origin);
    try (Cluster c = Cluster.start(dir, 3, settings).awaitJoined()) {
      // 30 URLs, the first asker taking turns: each URL's directory falls on each node in some of them;
      // some with percent-encoded paths, which a directory sees decoded (a claim names a node, not a URL)
      int urls = 30;
      for (int i = 0; i < urls; i++) {
        String path = i % 3 == 2 ? "/d/x%20" + i : "/d/" + i;
        List<String> statuses = new ArrayList<>();
        for (int j = 0; j < 3; j++) {
          HttpResponse<byte[]> r = get(c.nodes.get((i + j) % 3), path);
          assertEquals(200, r.statusCode(), path);
          assertArrayEquals(body, r.body(), path);
          statuses.add(r.headers().firstValue("Cache-Status").orElse(""));
        }
        assertEquals(1, originRequests(origin, path), path + ": three nodes, one origin request: " + statuses);
        String via = origin.findAll(WireMock.getRequestedFor(WireMock.urlEqualTo(path))).get(0).getHeader("Via");
        assertEquals(1, via.split(",").length, path + ": the node that missed first asks the origin itself, not through the directory: Via " + via);
        assertFalse(statuses.get(0).contains("fwd=peer"), path + ": the first miss fills from the origin: " + statuses);
        assertTrue(statuses.get(1).contains("fwd=peer") && statuses.get(2).contains("fwd=peer"),
            path + ": the later nodes fill from a peer: " + statuses);
      }
      assertEquals(urls, Cluster.clusterFigure(c.nodes, "directoryFillersNamed"), "each URL's directory named its first asker the filler");
      assertEquals(2 * urls, Cluster.clusterFigure(c.nodes, "directoryMissesAsked"), "each URL's two other nodes asked its directory");
      assertEquals(0, Cluster.clusterFigure(c.nodes, "directoryMissesFailedOver"), "and every directory answered");
      // a directory that had no fresh copy named whom to fill from (the filler, or the origin): no body passed through it
      assertTrue(Cluster.clusterFigure(c.nodes, "directoryMissesPointed") > 0, "the directories named whom to fill from");
      for (TestNode n : c.nodes) {
        String metrics = new String(n.get("/metrics").body(), java.nio.charset.StandardCharsets.UTF_8);
        assertFalse(metrics.contains("oversky_cache_requests_total{outcome=\"directory\"}"), "no fill passed through a directory node to the origin");
      }
      assertEquals(0, Cluster.clusterFigure(c.nodes, "recordsPublished"), "no URL records");
      assertEquals(0, Cluster.clusterFigure(c.nodes, "recordLookups"), "no URL record lookups");

      // A client's claim does not verify: refused, and nothing asked of the origin or stored.
      HttpResponse<byte[]> forged = get(c.nodes.get(0), "/d/forged", "Oversky-Claim", "by=http://127.0.0.1:9/; t=" + System.currentTimeMillis() + "; mac=" + "00".repeat(32));
      assertEquals(503, forged.statusCode());
      assertTrue(new String(forged.body(), java.nio.charset.StandardCharsets.UTF_8).contains("Oversky-Claim"), "the refusal names the header");
      assertEquals(0, originRequests(origin, "/d/forged"), "a refused claim asks no origin");
      HttpResponse<byte[]> later = get(c.nodes.get(0), "/d/forged", "Cache-Control", "only-if-cached");
      assertEquals(504, later.statusCode(), "and stores nothing");
      assertEquals(1, Cluster.clusterFigure(c.nodes, "directoryClaimsRefused"), "the refused claim is counted, and no other was refused");

      // A node of another cluster: its claims are refused, it fills from the origin, and takes no peer copy.
      Map<String, String> outsider = new HashMap<>(Map.of("sites", "dir.test=" + origin.baseUrl() + ";shield=directory",
          "cluster.secret", "another-secret", "dht.bootstrap", c.nodes.get(0).base.toString()));
      try (TestNode other = TestNode.start(dir.resolve("outsider"), outsider)) {
        for (int i = 0; i < 12; i++) {
          HttpResponse<byte[]> r = get(other, "/d/" + i);
          assertEquals(200, r.statusCode());
          assertArrayEquals(body, r.body());
          assertFalse(r.headers().firstValue("Cache-Status").orElse("").contains("fwd=peer"),
              "/d/" + i + ": a node of another cluster took a peer copy: " + r.headers().firstValue("Cache-Status"));
        }
      }
    } finally {
      origin.stop();
    }
  }

  /**
   * From the second miss of a URL that its directory sends on to the filler, the directory fills
   * the claim itself and keeps the copy: every claim after that is answered from its store (one
   * request between nodes, not two), and its own clients hit. With four nodes, the fourth to miss
   * a URL is its directory about once in four, and then has the copy it filled for the third.
   * Before, every later node filled from the filler through the directory's 204.
   */
  @Test
  void aDirectoryKeepsACopyOfAUrlMissedOftenAndServesTheClaimsAfter(@TempDir Path dir) throws Exception {
    byte[] body = Bytes.random(6_000, 50);
    WireMockServer origin = origin(body);
    Map<String, String> settings = directorySite(origin);
    try (Cluster c = Cluster.start(dir, 4, settings).awaitJoined()) {
      int urls = 40; // the fourth asker the directory of none of 40: 1 in 100,000
      int directoryHits = 0;
      for (int i = 0; i < urls; i++) {
        String path = "/d/k" + i;
        List<String> statuses = new ArrayList<>();
        for (int j = 0; j < 4; j++) {
          HttpResponse<byte[]> r = get(c.nodes.get((i + j) % 4), path);
          assertArrayEquals(body, r.body(), path);
          statuses.add(r.headers().firstValue("Cache-Status").orElse(""));
        }
        assertEquals(1, originRequests(origin, path), path + ": " + statuses);
        assertTrue(statuses.get(1).contains("fwd=peer") && statuses.get(2).contains("fwd=peer"), path + ": " + statuses);
        assertTrue(statuses.get(3).contains("fwd=peer") || statuses.get(3).startsWith("oversky; hit"), path + ": " + statuses);
        directoryHits += statuses.get(3).startsWith("oversky; hit") ? 1 : 0;
      }
      assertTrue(directoryHits > 0, "a directory that filled the third node's claim holds the copy");
    } finally {
      origin.stop();
    }
  }

  @Test
  void concurrentMissesOfOneUrlCostOneOriginRequestAndADirectoryNodeGoneCostsNone(@TempDir Path dir) throws Exception {
    byte[] body = Bytes.random(50_000, 42);
    WireMockServer origin = Origins.wireMock();
    origin.stubFor(WireMock.get(WireMock.urlPathMatching("/d/.*"))
        .willReturn(WireMock.ok().withBody(body).withHeader("Cache-Control", "max-age=300").withFixedDelay(300)));
    Map<String, String> settings = directorySite(origin);
    try (Cluster c = Cluster.start(dir, 3, settings).awaitJoined()) {
      for (int i = 0; i < 6; i++) {
        String path = "/d/c" + i;
        List<java.util.concurrent.CompletableFuture<HttpResponse<byte[]>>> all = new ArrayList<>();
        for (TestNode n : c.nodes) {
          all.add(TestNode.HTTP.sendAsync(HttpRequest.newBuilder(n.url(path)).header("Host", "dir.test").timeout(Duration.ofSeconds(30)).build(),
              HttpResponse.BodyHandlers.ofByteArray()));
        }
        for (var f : all) {
          HttpResponse<byte[]> r = f.get();
          assertEquals(200, r.statusCode(), path);
          assertArrayEquals(body, r.body(), path);
        }
        assertEquals(1, originRequests(origin, path), path + ": three nodes missing at once, one origin request");
      }
      // The last node stops: the others' misses whose directory it was go to the origin, and are answered.
      List<TestNode> rest = List.of(c.nodes.get(0), c.nodes.get(1));
      c.stop(2);
      for (int i = 0; i < 6; i++) {
        for (TestNode n : rest) {
          HttpResponse<byte[]> r = get(n, "/d/after" + i);
          assertEquals(200, r.statusCode(), "a directory node gone: the miss goes on to the origin");
          assertArrayEquals(body, r.body());
        }
      }
    } finally {
      origin.stop();
    }
  }

  /**
   * A node that filled URLs while it knew no other (as in the cooperative acceptance check, whose
   * first node fetches before the others have joined it) hands its entries to each URL's directory
   * node once the others join, so that their misses fill from it, not from the origin. Before the
   * hand-over, the URLs whose directory was a new node went to the origin again from that node.
   */
  @Test
  void urlsFilledAloneAreHandedToTheirDirectoryWhenOthersJoin(@TempDir Path dir) throws Exception {
    byte[] body = Bytes.random(10_000, 45);
    WireMockServer origin = origin(body);
    Map<String, String> settings = directorySite(origin);
    int urls = 12; // each URL's directory is the first node with odds of 1 in 3: all 12, 1 in 500,000
    try (Cluster c = Cluster.start(dir, 1, settings)) {
      for (int i = 0; i < urls; i++) {
        assertArrayEquals(body, get(c.nodes.get(0), "/d/alone" + i).body());
      }
      for (int i = 1; i < 3; i++) {
        Map<String, String> s = new HashMap<>(settings);
        s.put("dht.bootstrap", c.nodes.get(0).base.toString());
        c.nodes.add(TestNode.start(dir.resolve("node" + i), s));
      }
      c.awaitJoined();
      org.awaitility.Awaitility.await("every node has followed the view of three and every entry handed on has arrived")
          .atMost(Duration.ofSeconds(30))
          .until(() -> Cluster.clusterFigure(c.nodes, "directoryViewFollowed") == 9
              && Cluster.clusterFigure(c.nodes, "directoryEntriesHandedOn") == Cluster.clusterFigure(c.nodes, "directoryEntriesTaken"));
      assertTrue(Cluster.clusterFigure(c.nodes, "directoryEntriesHandedOn") > 0, "the first node handed entries on");
      for (int i = 0; i < urls; i++) {
        String path = "/d/alone" + i;
        for (int j = 1; j < 3; j++) {
          HttpResponse<byte[]> r = get(c.nodes.get(j), path);
          assertArrayEquals(body, r.body(), path);
          String status = r.headers().firstValue("Cache-Status").orElse("");
          assertTrue(status.contains("fwd=peer"), path + " through node " + j + ": a peer fill, not the origin: " + status);
        }
        assertEquals(1, originRequests(origin, path), path + ": one origin request, by the first node");
      }
    } finally {
      origin.stop();
    }
  }

  /**
   * The origin cannot be reached (the connection is reset): the node that asked it answers
   * another node with a {@code 502} saying so, and that answer keeps the directory's proof when the
   * node is the directory, so the claimant passes the error on. Before, the reset answer lost the
   * proof, and the claimant asked the origin again.
   */
  @Test
  void anOriginThatCannotBeReachedIsAskedOnceForAMiss(@TempDir Path dir) throws Exception {
    eachMissAsksAFailingOriginOnce(dir, WireMock.aResponse().withFault(com.github.tomakehurst.wiremock.http.Fault.CONNECTION_RESET_BY_PEER),
        status -> status == 502 || status == 504);
  }

  /**
   * Three nodes each miss 12 URLs whose origin answers {@code failing}: every client request
   * gets an error {@code expected} allows, without the cluster's own field, and costs the origin
   * exactly one request, whichever node is each URL's directory.
   */
  private static void eachMissAsksAFailingOriginOnce(Path dir, com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder failing,
      java.util.function.IntPredicate expected) throws Exception {
    WireMockServer origin = Origins.wireMock();
    origin.stubFor(WireMock.get(WireMock.urlPathMatching("/e/.*")).willReturn(failing));
    Map<String, String> settings = directorySite(origin);
    try (Cluster c = Cluster.start(dir, 3, settings).awaitJoined()) {
      for (int i = 0; i < 12; i++) { // each URL's directory falls on each node in some of them
        String path = "/e/" + i;
        for (int j = 0; j < 3; j++) {
          HttpResponse<byte[]> r = get(c.nodes.get((i + j) % 3), path);
          assertTrue(expected.test(r.statusCode()), path + ": " + r.statusCode());
          assertFalse(r.headers().firstValue("Oversky-Origin-Failed").isPresent(), path + ": the cluster's own field reaches no client");
          assertEquals(j + 1, originRequests(origin, path), path + ": client request " + (j + 1) + " cost the origin one request");
        }
      }
    } finally {
      origin.stop();
    }
  }

  /**
   * For a minute after a purge reaches a directory, it fills no claim from the URL's filler, which
   * may not have the purge yet: the claimant goes to the origin, and the directory stores nothing
   * the purge named. Here the purge reaches two of five nodes only (a signed cluster message to
   * each), and the last two, which have not heard of it, miss every URL: the second of their
   * claims is one a directory would fill itself. Before, a directory that had the purge filled that
   * claim from the filler and stored its copy, the purged content again.
   */
  @Test
  void aDirectoryThatHasAPurgeStoresNoFillersCopyOfIt(@TempDir Path dir) throws Exception {
    byte[] body = Bytes.random(4_000, 49);
    WireMockServer origin = origin(body);
    Map<String, String> settings = directorySite(origin);
    try (Cluster c = Cluster.start(dir, 5, settings).awaitJoined()) {
      int urls = 20; // the directory is node 1 or 2 for none of 20: 1 in 27,000
      for (int i = 0; i < urls; i++) {
        assertArrayEquals(body, get(c.nodes.get(0), "/d/p" + i).body());
      }
      for (int i = 0; i < urls; i++) {
        for (TestNode n : List.of(c.nodes.get(1), c.nodes.get(2))) {
          purgeAt(n, "/d/p" + i, "test-" + i + "-" + n.base.getPort(), c.nodes.get(0));
        }
      }
      for (int i = 0; i < urls; i++) {
        assertArrayEquals(body, get(c.nodes.get(3), "/d/p" + i).body());
        assertArrayEquals(body, get(c.nodes.get(4), "/d/p" + i).body());
      }
      for (int i = 0; i < urls; i++) {
        for (TestNode n : List.of(c.nodes.get(1), c.nodes.get(2))) {
          assertEquals(504, get(n, "/d/p" + i, "Cache-Control", "only-if-cached").statusCode(),
              "/d/p" + i + " through " + n.base + ": the purge holds there, no filler's copy was stored back");
        }
      }
    } finally {
      origin.stop();
    }
  }

  /**
   * A miss that went to the origin past its URL's directory (here: a purge of the last minute on
   * that node alone) leaves the directory without an entry. What that fill stored is handed to
   * the directory a few seconds later, so the next claimant fills from the node, not from the
   * origin. Before, the node marked the URL as known to its directory, and each URL whose
   * directory was another node cost the origin a second request.
   */
  @Test
  void aUrlFilledPastItsDirectoryIsHandedToItAndFilledFromThatNodeAfter(@TempDir Path dir) throws Exception {
    byte[] body = Bytes.random(4_000, 50);
    WireMockServer origin = origin(body);
    Map<String, String> settings = directorySite(origin);
    try (Cluster c = Cluster.start(dir, 3, settings).awaitJoined()) {
      int urls = 12; // the directory is node 0 for all twelve: 1 in 530,000
      TestNode first = c.nodes.get(0);
      for (int i = 0; i < urls; i++) {
        purgeAt(first, "/d/w" + i, "past-" + i, c.nodes.get(1));
      }
      for (int i = 0; i < urls; i++) {
        assertArrayEquals(body, get(first, "/d/w" + i).body()); // for a minute after its purge: to the origin, past the directory
      }
      long past = Cluster.clusterFigure(List.of(first), "directoryMissesWentPast");
      assertTrue(past > 0, "some of the twelve have their directory on another node");
      org.awaitility.Awaitility.await("the fills past their directory are handed to it").atMost(Duration.ofSeconds(30))
          .until(() -> Cluster.clusterFigure(c.nodes.subList(1, 3), "directoryEntriesTaken") >= past); // a hand-over sent again counts twice
      for (int i = 0; i < urls; i++) {
        for (TestNode n : c.nodes.subList(1, 3)) {
          assertArrayEquals(body, get(n, "/d/w" + i).body());
        }
        assertEquals(1, originRequests(origin, "/d/w" + i), "/d/w" + i + ": the other nodes fill from the first");
      }
    } finally {
      origin.stop();
    }
  }

  /**
   * A tag purge that one node has and the others do not have yet. That node's misses of URLs the
   * tag does not name still fill from a peer. A copy the purge names, answered by a node that still
   * holds it, is refused, and the origin's new version is fetched instead. Before, every miss of
   * the node went to the origin for a minute after any tag purge.
   */
  @Test
  void aTagPurgeOnOneNodeSendsOnlyTheCopiesItNamesToTheOrigin(@TempDir Path dir) throws Exception {
    WireMockServer origin = Origins.wireMock();
    java.util.function.Consumer<String> version = v -> {
      origin.stubFor(WireMock.get(WireMock.urlPathMatching("/d/h.*")).willReturn(WireMock.ok().withBody("hot " + v)
          .withHeader("Cache-Control", "max-age=300").withHeader("Surrogate-Key", "hot all")));
      origin.stubFor(WireMock.get(WireMock.urlPathMatching("/d/c.*")).willReturn(WireMock.ok().withBody("cold " + v)
          .withHeader("Cache-Control", "max-age=300").withHeader("Cache-Tag", "cold, all-cold")));
    };
    version.accept("v1");
    byte[] big = Bytes.random(2_000_000, 52);
    origin.stubFor(WireMock.get(WireMock.urlPathEqualTo("/d/big")).willReturn(WireMock.ok().withBody(big)
        .withHeader("Cache-Control", "max-age=300").withHeader("Surrogate-Key", "hot")));
    try (Cluster c = Cluster.start(dir, 3, directorySite(origin)).awaitJoined()) {
      int urls = 6;
      TestNode filler = c.nodes.get(1);
      TestNode purged = c.nodes.get(0);
      for (int i = 0; i < urls; i++) {
        assertEquals("hot v1", text(filler, "/d/h" + i));
        assertEquals("cold v1", text(filler, "/d/c" + i));
      }
      assertEquals("hot v1", text(filler, "/d/hr"));
      assertArrayEquals(big, get(filler, "/d/big").body());
      purgeAt(purged, "tag", "hot", "tag-hot", filler);
      version.accept("v2");
      for (int i = 0; i < urls; i++) {
        HttpResponse<byte[]> cold = get(purged, "/d/c" + i);
        assertEquals("cold v1", new String(cold.body(), java.nio.charset.StandardCharsets.UTF_8), "/d/c" + i + ": not named by the purge");
        assertTrue(cold.headers().firstValue("Cache-Status").orElse("").contains("fwd=peer"),
            "/d/c" + i + ": filled from a peer, not from the origin: " + cold.headers().firstValue("Cache-Status"));
        assertEquals(1, originRequests(origin, "/d/c" + i), "/d/c" + i + ": one origin request in all");
        HttpResponse<byte[]> hot = get(purged, "/d/h" + i);
        assertEquals("hot v2", new String(hot.body(), java.nio.charset.StandardCharsets.UTF_8),
            "/d/h" + i + ": the purge names it, so the copy the other nodes still hold is refused");
        assertEquals(2, originRequests(origin, "/d/h" + i), "/d/h" + i + ": fetched again from the origin");
      }
      // a range miss fetches the whole object in the background, through the directory as well
      HttpResponse<byte[]> range = get(purged, "/d/hr", "Range", "bytes=4-5");
      assertEquals(206, range.statusCode());
      assertEquals("v2", new String(range.body(), java.nio.charset.StandardCharsets.UTF_8), "/d/hr: the range of the origin's new version");
      assertEquals(2, originRequests(origin, "/d/hr"), "/d/hr: the background fill went on to the origin");
      // a refused copy is not read: 2 MB from the origin, not 2 more from the node that held it
      long before = Cluster.clusterFigure(List.of(purged), "bytesFromUpstream");
      assertArrayEquals(big, get(purged, "/d/big").body());
      assertEquals(2, originRequests(origin, "/d/big"), "/d/big: fetched again from the origin");
      long read = Cluster.clusterFigure(List.of(purged), "bytesFromUpstream") - before;
      assertTrue(read < big.length * 3 / 2, "/d/big: " + read + " body bytes read for a body of " + big.length);
      assertEquals(urls + 2, Cluster.clusterFigure(List.of(purged), "purgedCopiesRefused"), "one copy refused for each URL the purge names");
      assertEquals(0, Cluster.clusterFigure(c.nodes.subList(1, 3), "purgedCopiesRefused"), "the nodes without the purge refused nothing");
    } finally {
      origin.stop();
    }
  }

  /**
   * A soft tag purge that one node has and the others do not have yet: the node's stored copy is
   * stale from then on. Its revalidation goes through the directory to a node that still holds
   * the same copy, and that node's 304 is refused: the origin's new version is fetched. Before, the
   * 304 freshened the pre-purge copy here for its whole max-age.
   */
  @Test
  void aSoftTagPurgeOnOneNodeIsNotUndoneByAnotherNodes304(@TempDir Path dir) throws Exception {
    WireMockServer origin = Origins.wireMock();
    java.util.function.Consumer<String> version = v -> origin.stubFor(WireMock.get(WireMock.urlPathMatching("/d/s.*"))
        .willReturn(WireMock.ok().withBody("soft " + v).withHeader("Cache-Control", "max-age=300")
            .withHeader("ETag", "\"" + v + "\"").withHeader("Surrogate-Key", "soft")));
    version.accept("v1");
    try (Cluster c = Cluster.start(dir, 3, directorySite(origin)).awaitJoined()) {
      int urls = 6;
      TestNode filler = c.nodes.get(1);
      TestNode purged = c.nodes.get(0);
      for (int i = 0; i < urls; i++) {
        assertEquals("soft v1", text(filler, "/d/s" + i));
        assertEquals("soft v1", text(purged, "/d/s" + i));
      }
      String message = "{\"scope\":\"tag\",\"value\":\"soft\",\"soft\":true,\"at\":" + System.currentTimeMillis()
          + ",\"id\":\"soft-tag\",\"from\":\"" + filler.base + "\"}";
      postPurge(purged, message);
      version.accept("v2");
      for (int i = 0; i < urls; i++) {
        assertEquals("soft v2", text(purged, "/d/s" + i),
            "/d/s" + i + ": stale since the soft purge, and no other node's 304 freshens it");
      }
    } finally {
      origin.stop();
    }
  }

  /** The body of a GET of {@code path} at {@code node}, as text. */
  private static String text(TestNode node, String path) throws Exception {
    return new String(get(node, path).body(), java.nio.charset.StandardCharsets.UTF_8);
  }

  /** Purges {@code path} of the site at {@code node} alone: a cluster purge message {@code from} another node, signed. */
  private static void purgeAt(TestNode node, String path, String id, TestNode from) throws Exception {
    purgeAt(node, "url", "http://dir.test" + path, id, from);
  }

  /** Purges what {@code scope} and {@code value} name at {@code node} alone, as above. */
  private static void purgeAt(TestNode node, String scope, String value, String id, TestNode from) throws Exception {
    postPurge(node, "{\"scope\":\"" + scope + "\",\"value\":\"" + value + "\",\"soft\":false,\"at\":" + System.currentTimeMillis()
        + ",\"id\":\"" + id + "\",\"from\":\"" + from.base + "\"}");
  }

  /** Sends {@code message}, a cluster purge message, signed, to {@code node}. */
  private static void postPurge(TestNode node, String message) throws Exception {
    HttpResponse<byte[]> r = TestNode.HTTP.send(HttpRequest.newBuilder(node.url("/api/v1/cluster/purge")).header("Content-Type", "application/json")
        .header("Oversky-Cluster-Mac", clusterMac("purge", message)).POST(HttpRequest.BodyPublishers.ofString(message)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, r.statusCode(), new String(r.body(), java.nio.charset.StandardCharsets.UTF_8));
  }

  /** The signature of a cluster message of {@code kind}, as {@code ClusterMessages} makes it. */
  private static String clusterMac(String kind, String body) throws Exception {
    javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
    mac.init(new javax.crypto.spec.SecretKeySpec(SECRET.getBytes(java.nio.charset.StandardCharsets.UTF_8), "HmacSHA256"));
    byte[] key = mac.doFinal(("oversky-cluster-" + kind).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    mac.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
    return java.util.HexFormat.of().formatHex(mac.doFinal(body.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }

  /**
   * A range miss fetches the whole object in the background; with the directory that fetch goes
   * through it as any other miss: from the origin once, by the node that missed first, and from a
   * peer on every other node. Before, every node's range miss fetched the whole object from the
   * origin.
   */
  @Test
  void rangeMissesFillThroughTheDirectoryToo(@TempDir Path dir) throws Exception {
    byte[] body = Bytes.random(300_000, 48);
    WireMockServer origin = origin(body);
    Map<String, String> settings = directorySite(origin);
    try (Cluster c = Cluster.start(dir, 3, settings).awaitJoined()) {
      for (int i = 0; i < 12; i++) { // each URL's directory falls on each node in some of them
        String path = "/d/g" + i;
        for (int j = 0; j < 3; j++) {
          HttpResponse<byte[]> r = get(c.nodes.get((i + j) % 3), path, "Range", "bytes=1000-1999");
          assertEquals(206, r.statusCode(), path);
          assertArrayEquals(java.util.Arrays.copyOfRange(body, 1000, 2000), r.body(), path);
        }
        assertEquals(1, originRequests(origin, path), path + ": three nodes' range misses, one origin request");
      }
      assertEquals(0, Cluster.clusterFigure(c.nodes, "directoryMissesFailedOver"), "every directory answered");
    } finally {
      origin.stop();
    }
  }

  /**
   * When the origin fails (here a 503 to every request), a miss costs it one request, not one for
   * each node on the way: a node of the cluster that asked the origin and got an error says so to
   * the node that asked it ({@code Oversky-Origin-Failed}), which passes the error on instead of
   * asking the origin again. Before, a claim that the directory filled from the URL's filler cost
   * the origin three requests: the filler's, the directory's and the claimant's.
   */
  @Test
  void aFailingOriginIsAskedOnceForAMissNotOnceForEachNode(@TempDir Path dir) throws Exception {
    eachMissAsksAFailingOriginOnce(dir, WireMock.aResponse().withStatus(503).withBody("down"), status -> status == 503);
  }

  /**
   * A node that restarts before the others' probes take it for down keeps its place in their
   * view, so no change of the view hands it its entries again, and its book (in memory) is empty.
   * The others see its new start time in its health answer and hand back the entries it is the
   * directory of. Before, the next claimant of each of its URLs was named the filler and filled
   * from the origin again.
   */
  @Test
  void aNodeRestartedUnseenIsHandedItsEntriesAgain(@TempDir Path dir) throws Exception {
    byte[] body = Bytes.random(8_000, 47);
    WireMockServer origin = origin(body);
    Map<String, String> settings = directorySite(origin);
    try (Cluster c = Cluster.start(dir, 3, settings).awaitJoined()) {
      int urls = 30; // node 2 the directory of none of 30: 1 in 190,000
      for (int i = 0; i < urls; i++) {
        assertArrayEquals(body, get(c.nodes.get(0), "/d/r" + i).body());
      }
      TestNode old = c.nodes.get(2);
      // node 0 has heard node 2 answer (and say when it started) before the restart
      org.awaitility.Awaitility.await("node 0 sees node 2 up").atMost(Duration.ofSeconds(30)).until(() -> c.nodes.get(0).stateOf(old).equals("up"));
      old.close();
      Map<String, String> again = new HashMap<>(settings);
      again.put("listen", "127.0.0.1:" + old.base.getPort());
      again.put("dht.bootstrap", c.nodes.get(0).base.toString());
      c.nodes.set(2, TestNode.start(old.data, again));
      org.awaitility.Awaitility.await("node 0 hands the restarted node its entries").atMost(Duration.ofSeconds(30))
          .until(() -> Cluster.clusterFigure(List.of(c.nodes.get(2)), "directoryEntriesTaken") > 0);
      for (int i = 0; i < urls; i++) {
        String path = "/d/r" + i;
        HttpResponse<byte[]> r = get(c.nodes.get(1), path);
        assertArrayEquals(body, r.body(), path);
        assertEquals(1, originRequests(origin, path), path + ": filled from node 0's copy, not the origin again: "
            + r.headers().firstValue("Cache-Status").orElse(""));
      }
    } finally {
      origin.stop();
    }
  }

  /**
   * The origin's directives for the CDN ({@code Oversky-Cache-Control}) reach the node that fills
   * from a peer, so it keeps the copy as long as they say, not as long as the browsers'
   * {@code Cache-Control}; a client never sees them, not even with a made-up node header. Before,
   * every node stripped them from its answers, those to the cluster's nodes too, and a peer fill
   * was stored for a second here.
   */
  @Test
  void aPeerFillKeepsTheOriginsDirectivesForTheCdn(@TempDir Path dir) throws Exception {
    byte[] body = Bytes.random(5_000, 46);
    WireMockServer origin = Origins.wireMock();
    origin.stubFor(WireMock.get(WireMock.urlPathMatching("/t/.*")).willReturn(WireMock.ok().withBody(body)
        .withHeader("Cache-Control", "max-age=1").withHeader("Oversky-Cache-Control", "max-age=300")));
    Map<String, String> settings = directorySite(origin);
    try (Cluster c = Cluster.start(dir, 3, settings).awaitJoined()) {
      for (int i = 0; i < 12; i++) { // each URL's directory falls on each node in some of them
        String path = "/t/" + i;
        get(c.nodes.get(i % 3), path);
        TestNode next = c.nodes.get((i + 1) % 3);
        HttpResponse<byte[]> fill = get(next, path, "Oversky-Node", "by=http://127.0.0.1:9/; t=1; mac=" + "00".repeat(32));
        assertTrue(fill.headers().firstValue("Cache-Status").orElse("").contains("fwd=peer"), path + ": " + fill.headers().map());
        assertTrue(fill.headers().firstValue("Oversky-Cache-Control").isEmpty(), path + ": a client never sees the directives for the CDN");
        String again = get(next, path).headers().firstValue("Cache-Status").orElse("");
        java.util.regex.Matcher ttl = java.util.regex.Pattern.compile("hit; ttl=(-?\\d+)").matcher(again);
        assertTrue(ttl.find() && Integer.parseInt(ttl.group(1)) > 100,
            path + ": the peer's copy is fresh for the 300 s of Oversky-Cache-Control, not the 1 s of Cache-Control: " + again);
      }
      assertEquals(12, origin.findAll(WireMock.getRequestedFor(WireMock.urlPathMatching("/t/.*"))).size(), "one origin request a URL");
    } finally {
      origin.stop();
    }
  }

  /**
   * A node of another cluster in the same DHT is in every node's view, so it is some URLs'
   * directory as the cluster's nodes reckon. One that does not play along (no directory: it
   * serves its own copies to whoever asks) must not fill their caches: its answer carries no
   * proof of the cluster's key, and the miss goes on to the origin. Before the proof, the
   * cluster's nodes stored its copies (here another origin's bodies) as peer fills.
   */
  @Test
  void aNodeOfAnotherClusterTakenForADirectoryFillsNoCache(@TempDir Path dir) throws Exception {
    byte[] body = Bytes.random(10_000, 43);
    byte[] other = Bytes.random(10_000, 44);
    WireMockServer origin = origin(body);
    WireMockServer elsewhere = origin(other);
    Map<String, String> settings = directorySite(origin);
    try (Cluster c = Cluster.start(dir, 3, settings).awaitJoined()) {
      Map<String, String> outsider = new HashMap<>(Map.of("sites", "dir.test=" + elsewhere.baseUrl() + ";shield=off",
          "cluster.secret", "another-secret", "dht.bootstrap", c.nodes.get(0).base.toString()));
      try (TestNode stranger = TestNode.start(dir.resolve("stranger"), outsider)) {
        int urls = 40; // each the stranger's with odds of 1 in 4: none of 40, 1 in 100,000
        for (int i = 0; i < urls; i++) {
          assertArrayEquals(other, get(stranger, "/d/s" + i).body());
        }
        org.awaitility.Awaitility.await("every node knows the stranger").atMost(Duration.ofSeconds(30))
            .until(() -> c.nodes.stream().allMatch(n -> {
              try {
                return Cluster.hosts(n) >= 3;
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            }));
        for (int i = 0; i < urls; i++) {
          for (TestNode n : c.nodes) {
            HttpResponse<byte[]> r = get(n, "/d/s" + i);
            assertEquals(200, r.statusCode());
            assertArrayEquals(body, r.body(), "/d/s" + i + " through " + n.base + ": the cluster's origin's body, not the stranger's copy");
          }
        }
        assertTrue(Cluster.clusterFigure(c.nodes, "directoryMissesFailedOver") > 0, "the misses the stranger answered without the proof are counted");
      }
    } finally {
      origin.stop();
      elsewhere.stop();
    }
  }

  /**
   * A revalidation goes to the URL's directory too. A node of another cluster taken for one
   * holds its own copy under the same validator, fresh, and answers the conditional request with
   * a 304 that carries no proof of the cluster's key. That 304 must not freshen the stored
   * response: the request goes on to the origin, whose body has changed. Before the check, the
   * node served its old body, freshened by the stranger.
   */
  @Test
  void aNodeOfAnotherClusterCannotFreshenAStoredResponse(@TempDir Path dir) throws Exception {
    WireMockServer origin = Origins.wireMock();
    WireMockServer elsewhere = Origins.wireMock();
    origin.stubFor(WireMock.get(WireMock.urlPathMatching("/v/.*"))
        .willReturn(WireMock.ok().withBody("first").withHeader("ETag", "\"v1\"").withHeader("Cache-Control", "no-cache")));
    elsewhere.stubFor(WireMock.get(WireMock.urlPathMatching("/v/.*"))
        .willReturn(WireMock.ok().withBody("first").withHeader("ETag", "\"v1\"").withHeader("Cache-Control", "max-age=300")));
    Map<String, String> settings = directorySite(origin);
    try (Cluster c = Cluster.start(dir, 3, settings).awaitJoined()) {
      Map<String, String> outsider = new HashMap<>(Map.of("sites", "dir.test=" + elsewhere.baseUrl() + ";shield=off",
          "cluster.secret", "another-secret", "dht.bootstrap", c.nodes.get(0).base.toString()));
      try (TestNode stranger = TestNode.start(dir.resolve("stranger"), outsider)) {
        int urls = 40; // each the stranger's with odds of 1 in 4: none of 40, 1 in 100,000
        for (int i = 0; i < urls; i++) {
          assertEquals("first", text(stranger, "/v/" + i));
        }
        org.awaitility.Awaitility.await("every node knows the stranger").atMost(Duration.ofSeconds(30))
            .until(() -> c.nodes.stream().allMatch(n -> {
              try {
                return Cluster.hosts(n) >= 3;
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            }));
        for (int i = 0; i < urls; i++) {
          for (TestNode n : c.nodes) {
            assertEquals("first", text(n, "/v/" + i));
          }
        }
        origin.stubFor(WireMock.get(WireMock.urlPathMatching("/v/.*"))
            .willReturn(WireMock.ok().withBody("second").withHeader("ETag", "\"v2\"").withHeader("Cache-Control", "no-cache")));
        for (int i = 0; i < urls; i++) {
          for (TestNode n : c.nodes) {
            HttpResponse<byte[]> r = get(n, "/v/" + i);
            assertEquals(200, r.statusCode());
            assertEquals("second", new String(r.body(), java.nio.charset.StandardCharsets.UTF_8),
                "/v/" + i + " through " + n.base + ": the origin's new body, not the stored one freshened by the stranger's 304");
          }
        }
      }
    } finally {
      origin.stop();
      elsewhere.stop();
    }
  }

  /**
   * A URL whose responses may not be stored (no-store) gains nothing from the directory: each
   * node whose fill of it was not stored sends its next misses of it straight to the origin (one
   * hop in the origin's Via), not through the directory and the URL's filler (up to three), which
   * store nothing either.
   */
  @Test
  void aUrlThatIsNotStoredSkipsTheDirectoryAfterItsFirstFill(@TempDir Path dir) throws Exception {
    WireMockServer origin = Origins.wireMock();
    origin.stubFor(WireMock.get(WireMock.urlPathMatching("/n/.*")).willReturn(WireMock.ok().withBody("dynamic").withHeader("Cache-Control", "no-store")));
    Map<String, String> settings = directorySite(origin);
    try (Cluster c = Cluster.start(dir, 3, settings).awaitJoined()) {
      for (int i = 0; i < 4; i++) {
        String path = "/n/" + i;
        for (int round = 0; round < 2; round++) {
          for (TestNode n : c.nodes) {
            assertEquals("dynamic", new String(get(n, path).body(), java.nio.charset.StandardCharsets.UTF_8));
          }
        }
        List<com.github.tomakehurst.wiremock.verification.LoggedRequest> asked = origin.findAll(WireMock.getRequestedFor(WireMock.urlEqualTo(path)));
        assertEquals(6, asked.size(), path + ": nothing stored, every request reaches the origin");
        for (var r : asked.subList(3, 6)) {
          assertEquals(1, r.getHeader("Via").split(",").length, path + ": the second round goes straight to the origin: Via " + r.getHeader("Via"));
        }
      }
    } finally {
      origin.stop();
    }
  }
}
