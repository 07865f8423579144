package org.oversky.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The URL index: for each site URL, its stored responses (one per {@code Vary} variant), kept in
 * the store's index file beside the bodies they point to. A response whose body leaves the store
 * leaves the index with it, so the index never answers with a body that is gone.
 *
 * <p>A put or an invalidation takes effect at once, in memory (the URL's overlay and memo), and
 * its write to the index file is handed to the store's one writer, which makes it with its next
 * batch: no request writes the index file or waits for its commit.
 */
public final class ResponseIndex {
  private static final Logger LOG = LoggerFactory.getLogger(ResponseIndex.class);

  private final ContentStore store;
  /** Hands a write of the index file to the store's one writer (the group commit). */
  private final Consumer<Runnable> writes;
  /**
   * The variants of URLs with writes not yet made to the index file: authoritative while
   * present. Guarded by {@code overlayLock}, with the count of each URL's writes in flight.
   */
  private final Map<String, List<StoredResponse>> overlay = new java.util.concurrent.ConcurrentHashMap<>();
  /** Counts the changes made (under overlayLock), so that a read of the index file that met one is not memoized. */
  private long changes;
  private final Map<String, Integer> inFlight = new java.util.HashMap<>();
  private final Object overlayLock = new Object();
  private final IndexLog.Table responses;
  /** Keys {@code body hex NUL index key}: the responses each body serves, for its removal. */
  private final IndexLog.Table bodyRefs;
  private static final byte[] REF = new byte[0];
  // Decoded variants of recently used URLs, so that a hit reads no index file.
  // Maintenance runs on the calling thread: no hand-off to a pool on every miss.
  private final Cache<String, List<StoredResponse>> memo =
      Caffeine.newBuilder().maximumSize(100_000).executor(Runnable::run).build();
  private final List<Consumer<StoredResponse>> listeners =
      new CopyOnWriteArrayList<>();
  /** Every URL ever put (and those found at open): a URL it has never seen needs no index read. */
  private final UrlFilter urls = new UrlFilter(24);
  private final java.util.concurrent.atomic.LongAdder fileReads = new java.util.concurrent.atomic.LongAdder();

  ResponseIndex(
      ContentStore store,
      Consumer<Runnable> writes,
      IndexLog.Table responses,
      IndexLog.Table bodyRefs) {
    this.store = store;
    this.writes = writes;
    this.responses = responses;
    this.bodyRefs = bodyRefs;
    for (String key : responses.keys()) {
      int end = key.indexOf('\u0000');
      urls.add(end < 0 ? key : key.substring(0, end));
    }
  }

  /**
   * The stored variants of {@code url} if they are in memory, without reading the index file:
   * safe on a thread that must not block. Null means "not in memory", not "none stored".
   */
  public List<StoredResponse> variantsInMemory(String url) {
    List<StoredResponse> pending = overlay.get(url); // no lock: the hit path must not wait
    if (pending != null) {
      return present(pending);
    }
    List<StoredResponse> known = memo.getIfPresent(url);
    if (known == null) {
      return null;
    }
    for (StoredResponse r : known) {
      if (!store.contains(r.body())) {
        return null; // let variants() clean up
      }
    }
    return known;
  }

  /** Whether {@code url} certainly has no stored response, known without reading the index file. */
  public boolean neverStored(String url) {
    return !overlay.containsKey(url) && !urls.mightContain(url);
  }

  /** The stored variants of {@code url}; any whose body has left the store are dropped. */
  public List<StoredResponse> variants(String url) {
    List<StoredResponse> known = variantsInMemory(url);
    if (known != null) {
      return known;
    }
    if (!urls.mightContain(url)) {
      // Never stored: nothing to read. A put adds its URL to the filter before it writes it.
      return List.of();
    }
    // Read without a lock (a compaction of the index file may make the read wait), and remember the result
    // only when no change was made meanwhile: an older read must not overwrite a put's memo.
    long before;
    synchronized (overlayLock) {
      before = changes;
    }
    List<StoredResponse> result = present(read(url));
    synchronized (overlayLock) {
      List<StoredResponse> pending = overlay.get(url);
      if (pending != null) {
        return present(pending);
      }
      if (changes == before) {
        memo.put(url, result);
      }
    }
    return result;
  }

  /**
   * What the index file holds for {@code url} (a compaction under way may make it wait).
   * Not under the index lock: the committer takes {@code overlayLock} while it holds that one.
   */
  private List<StoredResponse> read(String url) {
    fileReads.increment();
    List<StoredResponse> out = new ArrayList<>(1);
    String prefix = StoredResponse.urlPrefix(url);
    responses.forEach(prefix, end(prefix), (key, data) -> {
      StoredResponse r = decode(data);
      if (r != null) {
        out.add(r);
      }
    });
    return out;
  }

  /** The responses whose bodies are still stored (those of removed bodies go with the removal's write). */
  private List<StoredResponse> present(List<StoredResponse> variants) {
    for (StoredResponse r : variants) {
      if (!store.contains(r.body())) {
        return variants.stream().filter(v -> store.contains(v.body())).toList();
      }
    }
    return variants;
  }

  /** The current variants of {@code url}, as a put or an invalidation starts from; under overlayLock. */
  private List<StoredResponse> currentLocked(String url) {
    List<StoredResponse> pending = overlay.get(url);
    if (pending != null) {
      return pending;
    }
    List<StoredResponse> known = memo.getIfPresent(url);
    if (known != null) {
      return known;
    }
    return urls.mightContain(url) ? read(url) : List.of();
  }

  /**
   * Makes {@code next} the variants of {@code url} at once (memo and overlay) and hands {@code
   * write} to the committer; the overlay entry goes when the URL's last write is made.
   */
  private void changeLocked(String url, List<StoredResponse> next, Runnable write) {
    changes++;
    overlay.put(url, next);
    memo.put(url, next);
    inFlight.merge(url, 1, Integer::sum);
    writes.accept(() -> {
      try {
        write.run();
      } finally {
        synchronized (overlayLock) {
          if (inFlight.merge(url, -1, Integer::sum) <= 0) {
            inFlight.remove(url);
            overlay.remove(url);
          }
        }
      }
    });
  }

  /**
   * Stores {@code response}, replacing the variant of the same URL it selects. Does nothing when
   * its body is no longer in the store (the policy may evict a body as soon as it is committed).
   */
  public void put(StoredResponse response) {
    if (!store.contains(response.body())) {
      return;
    }
    synchronized (overlayLock) {
      // Asked before the URL is added: a URL never stored has nothing to read in the index
      // file, whose read may wait for a commit under way.
      List<StoredResponse> current = currentLocked(response.url());
      urls.add(response.url());
      List<StoredResponse> next = new ArrayList<>();
      for (StoredResponse r : current) {
        if (!r.variant().equals(response.variant())) {
          next.add(r);
        }
      }
      next.add(response);
      changeLocked(response.url(), List.copyOf(next), () -> putLocked(response));
    }
    for (Consumer<StoredResponse> l : listeners) {
      l.accept(response);
    }
  }

  /**
   * Calls {@code listener} after every {@link #put} that stored a response (new, replaced or
   * freshened by a validation), on the thread that put it.
   */
  public void addListener(Consumer<StoredResponse> listener) {
    listeners.add(listener);
  }

  /** The index file's part of a put: on the committer, under the index lock. */
  private void putLocked(StoredResponse response) {
    if (!store.contains(response.body())) {
      return; // its body left before the write: its removal found no reference to it
    }
    byte[] old = responses.put(response.indexKey(), response.encode()); // one walk of the tree, not a get and a put
    if (old != null) {
      StoredResponse previous = decode(old);
      if (previous != null) {
        bodyRefs.remove(refKey(previous));
      }
    }
    bodyRefs.put(refKey(response), REF);
  }

  /** Removes every variant of {@code url}; how many there were. From now on, none is served. */
  public int invalidate(String url) {
    synchronized (overlayLock) {
      int count = currentLocked(url).size();
      changeLocked(url, List.of(), () -> {
        String prefix = StoredResponse.urlPrefix(url);
        List<StoredResponse> all = new ArrayList<>();
        responses.forEach(prefix, end(prefix), (key, data) -> {
          StoredResponse r = decode(data);
          if (r != null) {
            all.add(r);
          }
        });
        responses.removeRange(prefix, end(prefix));
        all.forEach(r -> bodyRefs.remove(refKey(r)));
      });
      return count;
    }
  }

  /**
   * The URLs of the stored responses that {@code test} takes, each once, in URL order, among those
   * whose URL starts with {@code prefix} ("" for all): after the writes under way (a batch, some
   * milliseconds), reading the index file. For purges by prefix, site or tag, not for serving.
   */
  public List<String> urlsWhere(String prefix, java.util.function.Predicate<StoredResponse> test) {
    try {
      store.flush();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    List<String> out = new ArrayList<>();
    java.util.function.BiConsumer<String, byte[]> each = (key, value) -> {
      String url = key.substring(0, Math.max(0, key.indexOf('\u0000')));
      if (!url.isEmpty() && (out.isEmpty() || !out.get(out.size() - 1).equals(url))) {
        StoredResponse r = decode(value);
        if (r != null && test.test(r)) {
          out.add(url);
        }
      }
    };
    if (prefix.isEmpty()) {
      responses.forEach(each);
    } else {
      responses.forEach(prefix, prefix + '\uffff', each);
    }
    return out;
  }

  /** How many responses are stored: waits for the writes under way (a batch, some milliseconds). */
  public int size() {
    try {
      store.flush();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return responses.size();
  }

  /**
   * The URLs of the responses that refer to {@code body}, each once: as the index file has them,
   * and those of puts still on their way to the committer (a removal on its way is not seen yet).
   * Without the puts, a site's body stored a moment before its response passed for a registered
   * body while the committer lagged, and was copied to other nodes (seen with 30 busy nodes).
   */
  public List<String> urlsOf(ContentKey body) {
    String prefix = body.hex() + '\u0000';
    java.util.Set<String> out = new java.util.LinkedHashSet<>();
    bodyRefs.keys(prefix, end(prefix))
        .forEach(ref -> out.add(ref.substring(prefix.length(), ref.indexOf('\u0000', prefix.length()))));
    overlay.forEach((url, variants) -> {
      for (StoredResponse r : variants) {
        if (r.body().equals(body)) {
          out.add(url);
        }
      }
    });
    return List.copyOf(out);
  }

  /**
   * Drops every response pointing at a body that left the store: the index file's part of a
   * removal, on the committer under the index lock (or at open, during recovery).
   */
  void bodyRemoved(ContentKey body) {
    String prefix = body.hex() + '\u0000';
    for (String ref : bodyRefs.keys(prefix, end(prefix))) {
      String indexKey = ref.substring(body.hex().length() + 1);
      responses.remove(indexKey);
      synchronized (overlayLock) {
        changes++; // a read under way must not put the removed response back in the memo
        memo.invalidate(indexKey.substring(0, indexKey.indexOf('\u0000')));
      }
    }
    bodyRefs.removeRange(prefix, end(prefix));
  }


  private static String refKey(StoredResponse r) {
    return r.body().hex() + '\u0000' + r.indexKey();
  }

  /** The first key after every key that starts with {@code prefix}, which ends with NUL. */
  private static String end(String prefix) {
    return prefix.substring(0, prefix.length() - 1) + '\u0001';
  }

  private static StoredResponse decode(byte[] data) {
    try {
      return StoredResponse.decode(data);
    } catch (IOException | IllegalArgumentException e) {
      LOG.warn("dropping an unreadable stored response: {}", e.toString());
      return null;
    }
  }

  /** For tests: how many times the index file was read for a URL's variants. */
  long fileReads() {
    return fileReads.sum();
  }

  /** For tests and recovery: every stored response. */
  List<StoredResponse> all() {
    List<StoredResponse> out = new ArrayList<>();
    responses.forEach((key, value) -> {
      StoredResponse r = decode(value);
      if (r != null) {
        out.add(r);
      }
    });
    return out;
  }
}
