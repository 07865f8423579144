package org.oversky.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oversky.cache.StoreFixtures.bodyFile;
import static org.oversky.cache.StoreFixtures.put;
import static org.oversky.cache.StoreFixtures.randomBytes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oversky.cache.StoredResponse.Header;
import org.oversky.conf.StoreConfig;

/** The URL index kept beside the bodies: variants per URL, invalidation, and following the bodies' lifetime. */
class ResponseIndexTest {
  private static final int KIB = 1024;
  private static final StoreConfig CONFIG = new StoreConfig(1024 * KIB, 8 * KIB, KIB, 64L * 1024 * KIB);
  private static final String URL = "http://a/x";

  @TempDir Path dir;
  private ContentStore store;
  private ResponseIndex index;

  @BeforeEach
  void open() throws IOException {
    store = ContentStore.open(dir, CONFIG);
    index = store.responses();
  }

  @AfterEach
  void close() {
    store.close();
  }

  private static StoredResponse response(String url, String variant, ContentKey body) {
    return new StoredResponse(
        url,
        variant,
        200,
        List.of(new Header("Content-Type", "text/plain"), new Header("ETag", "\"" + variant + "\"")),
        body,
        1_700_000_000_000L,
        1_700_000_000_250L);
  }

  private ContentKey storeBody(int size, long seed) throws IOException {
    return put(store, randomBytes(size, seed)).key();
  }

  private void reopen() throws IOException {
    store.close();
    store = ContentStore.open(dir, CONFIG);
    index = store.responses();
  }

  @Test
  void storedResponseIsReadBackWithEveryFieldAndHeadersInOrder() throws IOException {
    ContentKey body = storeBody(300, 1);
    List<Header> headers =
        List.of(
            new Header("Content-Type", "text/html; charset=utf-8"),
            new Header("Set-Cookie", "a=1"),
            new Header("Cache-Control", "max-age=60"),
            new Header("set-cookie", "b=2"),
            new Header("X-Empty", ""),
            new Header("X-Unicode", "caf\u00e9 \u2603"));
    StoredResponse stored =
        new StoredResponse(URL, "accept-encoding=br", 203, headers, body, 1_700_000_000_123L, 1_700_000_004_567L);

    index.put(stored);

    List<StoredResponse> found = index.variants(URL);
    assertEquals(1, found.size());
    StoredResponse back = found.get(0);
    assertEquals(URL, back.url());
    assertEquals("accept-encoding=br", back.variant());
    assertEquals(203, back.status());
    assertEquals(headers, back.headers());
    assertEquals(body, back.body());
    assertEquals(1_700_000_000_123L, back.requestTime());
    assertEquals(1_700_000_004_567L, back.responseTime());
    assertEquals(List.of("a=1", "b=2"), back.values("set-cookie"));
    assertEquals(stored, back);
    assertEquals(1, index.size());
  }

  @Test
  void puttingUrlsNeverStoredReadsNothingFromTheIndexFile() throws IOException {
    // A read of the index file may wait for a commit under way; a crawl's puts are all of new URLs.
    ContentKey body = storeBody(100, 1);
    for (int i = 0; i < 100; i++) {
      index.put(response("http://a/new/" + i, "", body));
    }
    assertEquals(0, index.fileReads());
    assertEquals(1, index.variants("http://a/new/7").size());
  }

  @Test
  void variantsOfOneUrlCoexistAndTheSameVariantIsReplaced() throws IOException {
    ContentKey plain = storeBody(100, 1);
    ContentKey gzip = storeBody(200, 2);
    ContentKey brotli = storeBody(5 * KIB, 3);
    StoredResponse none = response(URL, "", plain);
    StoredResponse gz = response(URL, "accept-encoding=gzip", gzip);
    StoredResponse br = response(URL, "accept-encoding=br", brotli);

    index.put(none);
    index.put(gz);
    index.put(br);

    assertEquals(Set.of(none, gz, br), Set.copyOf(index.variants(URL)));
    assertEquals(3, index.variants(URL).size());
    assertEquals(3, index.size());

    ContentKey newGzip = storeBody(250, 4);
    StoredResponse gz2 =
        new StoredResponse(
            URL, "accept-encoding=gzip", 200, List.of(new Header("ETag", "\"v2\"")), newGzip, 1_800_000_000_000L, 1_800_000_000_001L);
    index.put(gz2);

    assertEquals(Set.of(none, gz2, br), Set.copyOf(index.variants(URL)));
    assertEquals(3, index.variants(URL).size());
    assertEquals(3, index.size());
  }

  @Test
  void deletingTheBodyOfAReplacedResponseLeavesItsReplacementAlone() throws IOException {
    ContentKey oldBody = storeBody(100, 1);
    ContentKey newBody = storeBody(100, 2);
    index.put(response(URL, "", oldBody));
    StoredResponse replacement = response(URL, "", newBody);
    index.put(replacement);

    assertTrue(store.delete(oldBody));

    assertEquals(1, index.size());
    assertEquals(List.of(replacement), index.variants(URL));
  }

  @Test
  void urlsSharingAPrefixDoNotSeeEachOthersVariants() throws IOException {
    ContentKey body = storeBody(100, 1);
    List<String> urls = List.of("http://a/", "http://a/x", "http://a/x2", "http://a/x?q", "http://a/x/", "http://a/x?q=1");
    Map<String, List<StoredResponse>> byUrl = new LinkedHashMap<>();
    for (String url : urls) {
      StoredResponse plain = response(url, "", body);
      StoredResponse gz = response(url, "accept-encoding=gzip", body);
      index.put(plain);
      index.put(gz);
      byUrl.put(url, List.of(plain, gz));
    }

    for (String url : urls) {
      assertEquals(Set.copyOf(byUrl.get(url)), Set.copyOf(index.variants(url)), url);
      assertEquals(2, index.variants(url).size(), url);
    }
    assertEquals(List.of(), index.variants("http://a/x?"));
    assertEquals(List.of(), index.variants("http://a"));
    assertEquals(2 * urls.size(), index.size());
  }

  @Test
  void invalidateRemovesEveryVariantOfTheUrlOnlyAndCountsThem() throws IOException {
    ContentKey body = storeBody(100, 1);
    List<String> others = List.of("http://a/", "http://a/x2", "http://a/x?q", "http://a/x/");
    for (String url : others) {
      index.put(response(url, "", body));
    }
    index.put(response(URL, "", body));
    index.put(response(URL, "accept-encoding=gzip", body));
    index.put(response(URL, "accept-encoding=br", body));

    assertEquals(3, index.invalidate(URL));

    assertEquals(List.of(), index.variants(URL));
    assertEquals(others.size(), index.size());
    for (String url : others) {
      assertEquals(List.of(response(url, "", body)), index.variants(url), url);
    }
    assertEquals(0, index.invalidate(URL), "nothing left to invalidate");
    assertTrue(store.contains(body), "invalidating responses does not delete their body");
  }

  @Test
  void aPutOnItsWayToTheCommitterAlreadyCountsAmongTheUrlsOfItsBody() throws IOException {
    List<Runnable> held = new ArrayList<>(); // the committer, held back
    IndexLog file = IndexLog.open(dir.resolve("held.log"), ContentStore.TABLES);
    ResponseIndex pending = new ResponseIndex(store, held::add, file.table(2), file.table(3));
    ContentKey body = storeBody(100, 7);
    pending.put(response(URL, "", body));
    assertEquals(1, held.size(), "the write waits for the committer");
    assertEquals(List.of(URL), pending.urlsOf(body), "a site's body, not a registered one, while its response is being committed");
    held.forEach(Runnable::run);
    assertEquals(List.of(URL), pending.urlsOf(body), "and once it is committed");
    file.close();
  }

  @Test
  void deletingABodyRemovesEveryResponsePointingAtIt() throws IOException {
    ContentKey shared = storeBody(3 * KIB, 1);
    ContentKey kept = storeBody(100, 2);
    index.put(response(URL, "", shared));
    index.put(response(URL, "accept-encoding=gzip", kept));
    index.put(response("http://b/y", "", shared));
    StoredResponse survivor = response(URL, "accept-encoding=gzip", kept);
    assertEquals(3, index.size());
    assertEquals(List.of(URL, "http://b/y").stream().sorted().toList(), index.urlsOf(shared).stream().sorted().toList(),
        "each URL referring to the body once");
    assertEquals(List.of(URL), index.urlsOf(kept));

    assertTrue(store.delete(shared));

    assertEquals(1, index.size(), "the index drops them as soon as the body goes");
    assertEquals(List.of(survivor), index.variants(URL));
    assertEquals(List.of(), index.variants("http://b/y"));
  }

  @Test
  void responsesSurviveAReopenOfTheStore() throws IOException {
    ContentKey inline = storeBody(100, 1);
    ContentKey file = storeBody(20 * KIB, 2);
    StoredResponse a = response(URL, "", inline);
    StoredResponse b = response(URL, "accept-encoding=gzip", file);
    StoredResponse c = response("http://b/y", "", file);
    index.put(a);
    index.put(b);
    index.put(c);

    reopen();

    assertEquals(3, index.size());
    assertEquals(Set.of(a, b), Set.copyOf(index.variants(URL)));
    assertEquals(List.of(c), index.variants("http://b/y"));
  }

  @Test
  void responseWhoseBodyFileWasRemovedWhileClosedIsGoneOnReopen() throws IOException {
    ContentKey file = storeBody(20 * KIB, 1);
    ContentKey other = storeBody(10 * KIB, 2);
    index.put(response(URL, "", file));
    index.put(response("http://b/y", "", file));
    StoredResponse survivor = response(URL, "accept-encoding=gzip", other);
    index.put(survivor);
    store.close();
    Files.delete(bodyFile(dir, file));

    reopen();

    assertFalse(store.contains(file), "precondition: recovery dropped the body");
    assertEquals(1, index.size(), "recovery drops the responses with the body");
    assertEquals(List.of(survivor), index.variants(URL));
    assertEquals(List.of(), index.variants("http://b/y"));
    reopen();
    assertEquals(1, index.size(), "and they stay dropped");
  }

  @Test
  void evictedBodiesTakeTheirResponsesWithThem() throws IOException {
    StoreConfig small = new StoreConfig(64 * KIB, 8 * KIB, KIB, 256 * KIB);
    Path smallDir = dir.resolve("small");
    try (ContentStore tight = ContentStore.open(smallDir, small)) {
      ResponseIndex responses = tight.responses();
      List<ContentKey> bodies = new ArrayList<>();
      List<ContentKey> storedWhenIndexed = new ArrayList<>();
      for (int i = 0; i < 24; i++) { // 24 x 32 KiB = 768 KiB, three times the budget
        ContentKey key = put(tight, randomBytes(32 * KIB, 100 + i)).key();
        bodies.add(key);
        if (tight.contains(key)) {
          storedWhenIndexed.add(key);
        }
        responses.put(response("http://a/" + i, "", key)); // as the proxy does: commit, then index
      }
      long stored = bodies.stream().filter(tight::contains).count();
      assertNotEquals(0, stored, "precondition: something was kept");
      assertTrue(
          storedWhenIndexed.stream().anyMatch(k -> !tight.contains(k)),
          "precondition: a body was evicted after its response was indexed");

      assertEquals(stored, responses.size(), "size counts only responses whose body is stored");
      for (int i = 0; i < bodies.size(); i++) {
        List<StoredResponse> found = responses.variants("http://a/" + i);
        if (tight.contains(bodies.get(i))) {
          assertEquals(List.of(response("http://a/" + i, "", bodies.get(i))), found, "kept body " + i);
        } else {
          assertEquals(List.of(), found, "evicted body " + i);
        }
      }
    }
  }

  @Test
  void responseForABodyNoLongerStoredIsNotIndexed() throws IOException {
    ContentKey body = storeBody(3 * KIB, 1);
    assertTrue(store.delete(body));

    index.put(response(URL, "", body));

    assertEquals(0, index.size());
    assertEquals(List.of(), index.variants(URL));
    reopen();
    assertEquals(0, index.size(), "nothing was left behind in the index file");
  }
}
