package org.oversky.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The URL index: for each site URL, its stored responses (one per {@code Vary} variant), kept in
 * the store's index file beside the bodies they point to. A response whose body leaves the store
 * leaves the index with it, so the index never answers with a body that is gone.
 */
public final class ResponseIndex {
  private static final Logger LOG = LoggerFactory.getLogger(ResponseIndex.class);

  private final ContentStore store;
  /** Tells the group commit the index changed (it commits in batches, off the request path). */
  private final Runnable changed;
  private final Object lock;
  private final NavigableMap<String, byte[]> responses;
  private final NavigableMap<String, Boolean> bodyRefs;
  // Decoded variants of recently used URLs, so that a hit reads no index file.
  // Maintenance runs on the calling thread: no hand-off to a pool on every miss.
  private final Cache<String, List<StoredResponse>> memo =
      Caffeine.newBuilder().maximumSize(100_000).executor(Runnable::run).build();
  private final List<Consumer<StoredResponse>> listeners =
      new CopyOnWriteArrayList<>();
  /** Every URL ever put (and those found at open): a URL it has never seen needs no index read. */
  private final UrlFilter urls = new UrlFilter(24);

  ResponseIndex(
      ContentStore store,
      Runnable changed,
      Object lock,
      NavigableMap<String, byte[]> responses,
      NavigableMap<String, Boolean> bodyRefs) {
    this.store = store;
    this.changed = changed;
    this.lock = lock;
    this.responses = responses;
    this.bodyRefs = bodyRefs;
    for (String key : responses.keySet()) {
      int end = key.indexOf('\u0000');
      urls.add(end < 0 ? key : key.substring(0, end));
    }
  }

  /**
   * The stored variants of {@code url} if they are in memory, without reading the index file:
   * safe on a thread that must not block. Null means "not in memory", not "none stored".
   */
  public List<StoredResponse> variantsInMemory(String url) {
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
    // Read and remember under the lock, so that a concurrent put cannot be missed by the memo.
    synchronized (lock) {
      List<StoredResponse> out = new ArrayList<>(1);
      boolean dropped = false;
      for (byte[] data : new ArrayList<>(prefix(responses, StoredResponse.urlPrefix(url)).values())) {
        StoredResponse r = decode(data);
        if (r == null) {
          continue;
        }
        if (store.contains(r.body())) {
          out.add(r);
        } else {
          removeLocked(r);
          dropped = true;
        }
      }
      if (dropped) {
        changed.run();
      }
      List<StoredResponse> result = List.copyOf(out);
      memo.put(url, result);
      return result;
    }
  }

  /**
   * Stores {@code response}, replacing the variant of the same URL it selects. Does nothing when
   * its body is no longer in the store (the policy may evict a body as soon as it is committed).
   */
  public void put(StoredResponse response) {
    synchronized (lock) {
      if (!store.contains(response.body())) {
        return; // checked under the lock the store's removal takes, so a later removal still sees it
      }
      putLocked(response);
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

  private void putLocked(StoredResponse response) {
    urls.add(response.url());
    byte[] old = responses.get(response.indexKey());
    if (old != null) {
      StoredResponse previous = decode(old);
      if (previous != null) {
        bodyRefs.remove(refKey(previous));
      }
    }
    responses.put(response.indexKey(), response.encode());
    bodyRefs.put(refKey(response), Boolean.TRUE);
    changed.run();
    memo.invalidate(response.url());
  }

  /** Removes every variant of {@code url}; how many there were. */
  public int invalidate(String url) {
    synchronized (lock) {
      List<StoredResponse> all = new ArrayList<>();
      for (byte[] data : prefix(responses, StoredResponse.urlPrefix(url)).values()) {
        StoredResponse r = decode(data);
        if (r != null) {
          all.add(r);
        }
      }
      prefix(responses, StoredResponse.urlPrefix(url)).clear();
      all.forEach(r -> bodyRefs.remove(refKey(r)));
      changed.run();
      memo.invalidate(url);
      return all.size();
    }
  }

  /** How many responses are stored. */
  public int size() {
    return responses.size();
  }

  /** Drops every response pointing at a body that left the store (called by the store, under its lock). */
  void bodyRemoved(ContentKey body) {
    NavigableMap<String, Boolean> refs = prefix(bodyRefs, body.hex() + '\u0000');
    for (String ref : new ArrayList<>(refs.keySet())) {
      String indexKey = ref.substring(body.hex().length() + 1);
      responses.remove(indexKey);
      memo.invalidate(indexKey.substring(0, indexKey.indexOf('\u0000')));
    }
    refs.clear();
  }

  private void removeLocked(StoredResponse r) {
    responses.remove(r.indexKey());
    bodyRefs.remove(refKey(r));
    memo.invalidate(r.url());
  }

  private static String refKey(StoredResponse r) {
    return r.body().hex() + '\u0000' + r.indexKey();
  }

  private static <V> NavigableMap<String, V> prefix(NavigableMap<String, V> map, String prefix) {
    return map.subMap(prefix, true, prefix.substring(0, prefix.length() - 1) + '\u0001', false);
  }

  private static StoredResponse decode(byte[] data) {
    try {
      return StoredResponse.decode(data);
    } catch (IOException | IllegalArgumentException e) {
      LOG.warn("dropping an unreadable stored response: {}", e.toString());
      return null;
    }
  }

  /** For tests and recovery: every stored response. */
  List<StoredResponse> all() {
    List<StoredResponse> out = new ArrayList<>();
    for (Map.Entry<String, byte[]> e : responses.entrySet()) {
      StoredResponse r = decode(e.getValue());
      if (r != null) {
        out.add(r);
      }
    }
    return out;
  }
}
