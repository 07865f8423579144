package org.oversky.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.oversky.conf.StoreConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The content-addressed store. Three tiers: a heap tier of small bodies (Caffeine, bounded in
 * bytes), one index file ({@link IndexLog}: an append-only log with every key in memory) holding
 * the metadata, the site responses and the smallest bodies, and a file
 * per larger body named by its key ({@code bodies/ab/cdef…}), written to a temp file and renamed
 * into place; a {@link GroupCommit} syncs new files in batches and only then indexes them on disk,
 * so no request waits for a disk sync. A Caffeine policy over the metadata (weight = size) keeps the
 * disk budget; its removal listener deletes what it evicts.
 *
 * <p>Opening a store recovers from a crash: temp files are removed, index entries whose body is
 * gone are dropped, and body files that were never indexed are deleted.
 */
public final class ContentStore implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ContentStore.class);
  private static final int KIB = 1024;
  /** Present while the index is rebuilt from the body files; a start that finds it rebuilds again. */
  static final String REBUILD_MARKER = "rebuilding";
  /** How long a batch of changes gathers before it is synced and committed. */
  private static final long COMMIT_WINDOW_MILLIS = 20;

  private final Path bodies;
  private final Path temp;
  private final StoreConfig config;
  /** The index file, and its tables: body metadata, inline bodies (the two by key), site responses, and body references. */
  private final IndexLog log;
  private final IndexLog.Table index;
  private final IndexLog.Table inlineBodies;
  /** Held while the store is open: a second process (or a second open in this one) is refused. */
  private final java.nio.channels.FileLock lock;
  private final ResponseIndex responses;
  private final Cache<ContentKey, StoredBody> policy;
  private final Cache<ContentKey, ByteBuffer> hot;
  /** The mapped windows of bodies on disk, shared by their readers (see {@link MappedBody}). */
  private final Cache<ContentKey, MappedBody> mapped;
  private final Object indexLock = new Object();
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong evictions = new AtomicLong();
  private final List<StoreListener> listeners = new CopyOnWriteArrayList<>();
  private final GroupCommit commits;
  /** Inline bodies stored but not yet written to the index file (the committer writes them). */
  private final Map<ContentKey, byte[]> pendingInline = new java.util.concurrent.ConcurrentHashMap<>();
  /** Orders the renames of new body files and the deletions of evicted ones (the same key may come back). */
  private final Object fileLock = new Object();

  /**
   * The most bytes of body files kept mapped (address space and page-cache pages, not heap): 512
   * bodies of 4 MiB, or the windows of a few large ones. Each body counts as {@link
   * #MAPPED_LEAST_BYTES} at least, so that the mappings stay far below the kernel's limit (65,530
   * by default) however small the bodies: at most 8,192 bodies.
   */
  static final long MAPPED_BYTES = 2L << 30;
  static final long MAPPED_LEAST_BYTES = 256L << 10;
  /** A body's windows are dropped this long after their last reader asked for them. */
  static final java.time.Duration MAPPED_IDLE = java.time.Duration.ofMinutes(1);

  /** The index file's name in the store's directory. */
  static final String INDEX_FILE = "index.log";
  /**
   * The index file's tables, in order, each keeping its values in memory or not: body metadata
   * (small, and every body's is in memory anyway), inline bodies, site responses, and the
   * references from bodies to the responses that use them (keys only).
   */
  static final List<Boolean> TABLES = List.of(true, false, false, true);

  /** Opened by {@link #open}, which closes {@code log} and {@code lock} when this constructor fails. */
  private ContentStore(Path dir, StoreConfig config, IndexLog log, java.nio.channels.FileLock lock) throws IOException {
    this.config = config;
    this.bodies = Files.createDirectories(dir.resolve("bodies"));
    this.temp = Files.createDirectories(dir.resolve("tmp"));
    this.log = log;
    this.lock = lock;
    this.index = log.table(0);
    this.inlineBodies = log.table(1);
    this.commits = new GroupCommit(this::commitBatch, indexLock, COMMIT_WINDOW_MILLIS);
    try {
      this.responses = new ResponseIndex(this, commits::write, log.table(2), log.table(3));
    } catch (RuntimeException e) {
      commits.close();
      throw e;
    }
    this.hot =
        Caffeine.newBuilder()
            .maximumWeight(config.hotBytes())
            .weigher((ContentKey k, ByteBuffer v) -> v.capacity())
            .executor(Runnable::run)
            .build();
    this.mapped =
        Caffeine.newBuilder()
            .maximumWeight(MAPPED_BYTES / KIB)
            .weigher((ContentKey k, MappedBody v) -> weight(Math.max(MAPPED_LEAST_BYTES, v.size())))
            .expireAfterAccess(MAPPED_IDLE)
            .executor(Runnable::run)
            .build();
    this.policy =
        Caffeine.newBuilder()
            .maximumWeight(Math.max(1, config.diskBytes() / KIB))
            .weigher((ContentKey k, StoredBody v) -> weight(v.size()))
            .executor(Runnable::run)
            .removalListener(this::onRemoval)
            .build();
  }

  /** Opens (creating if needed) the store in {@code dir}, recovering from any earlier crash. */
  public static ContentStore open(Path dir, StoreConfig config) throws IOException {
    Files.createDirectories(dir);
    java.nio.channels.FileLock lock = lock(dir);
    try {
      // A rebuild that did not finish is done again, before its orphans could be taken for waste.
      boolean rebuild = Files.exists(dir.resolve(REBUILD_MARKER));
      Path file = dir.resolve(INDEX_FILE);
      Files.deleteIfExists(dir.resolve(INDEX_FILE + IndexLog.COMPACTING)); // a compaction cut short: the old file stands
      if (LegacyIndex.present(dir)) {
        rebuild |= !LegacyIndex.migrate(dir, file);
      }
      IndexLog log;
      try {
        log = IndexLog.open(file, TABLES);
      } catch (IndexLog.NotAnIndexException broken) {
        // Nothing is lost that the body files hold: they are named by their keys, so each one is
        // verified and indexed again. Stored site responses are lost; they are fetched again.
        Path aside = dir.resolve(INDEX_FILE + ".broken-" + System.currentTimeMillis());
        LOG.error("the store's index in {} cannot be read; it is moved to {} and rebuilt from the body files, each verified", dir, aside, broken);
        Files.move(file, aside);
        log = IndexLog.open(file, TABLES);
        rebuild = true;
      }
      return open(dir, config, log, lock, rebuild);
    } catch (IOException | RuntimeException e) {
      closeAfter(e, () -> release(lock));
      throw e;
    }
  }

  /** Locks the store's directory for this process; refused when another holds it. */
  private static java.nio.channels.FileLock lock(Path dir) throws IOException {
    FileChannel ch = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    java.nio.channels.FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (java.nio.channels.OverlappingFileLockException held) {
      lock = null;
    }
    if (lock == null) {
      ch.close();
      throw new IOException("the store in " + dir + " is open in another process; stop it first");
    }
    return lock;
  }

  private static void release(java.nio.channels.FileLock lock) {
    try {
      lock.channel().close(); // releases the lock
    } catch (IOException e) {
      LOG.warn("could not release the store's lock file: {}", e.toString());
    }
  }

  private static ContentStore open(Path dir, StoreConfig config, IndexLog log, java.nio.channels.FileLock lock, boolean rebuild)
      throws IOException {
    ContentStore store;
    try {
      store = new ContentStore(dir, config, log, lock);
    } catch (IOException | RuntimeException e) {
      closeAfter(e, () -> closeQuietly(log));
      throw e;
    }
    try {
      if (rebuild) {
        Path marker = dir.resolve(REBUILD_MARKER);
        Files.writeString(marker, "the index is being rebuilt from the body files\n");
        store.reindexFiles();
        Files.delete(marker);
      }
      store.recover();
    } catch (IOException | RuntimeException e) {
      closeAfter(e, store::closeIndex);
      throw e;
    }
    return store;
  }

  private static void closeQuietly(IndexLog log) {
    try {
      log.close();
    } catch (IOException e) {
      LOG.warn("could not close the index file: {}", e.toString());
    }
  }

  /** Closes what a failed open made, keeping the failure that matters (a broken index may fail to close too). */
  private static void closeAfter(Exception failure, Runnable close) {
    try {
      close.run();
    } catch (RuntimeException alsoBroken) {
      failure.addSuppressed(alsoBroken);
    }
  }

  /**
   * Indexes every body file whose bytes hash to its name (its type is lost: they are served as
   * application/octet-stream); deletes the others. For a store whose index file was lost.
   */
  private void reindexFiles() throws IOException {
    int kept = 0;
    int dropped = 0;
    List<Path> all;
    try (Stream<Path> files = Files.walk(bodies, 2)) {
      all = files.filter(Files::isRegularFile).toList();
    }
    for (Path p : all) {
      String hex = p.getParent().getFileName().toString() + p.getFileName();
      ContentKey actual = ContentKey.isWellFormed(hex) ? hash(p) : null;
      if (actual != null && actual.hex().equals(hex)) {
        index.put(hex, new StoredBody(actual, Files.size(p), "application/octet-stream", System.currentTimeMillis(), false).encode());
        kept++;
        if (kept % 10_000 == 0) {
          log.commit(); // one batch need not hold them all
        }
      } else {
        Files.deleteIfExists(p);
        dropped++;
      }
    }
    synchronized (indexLock) {
      log.commit();
    }
    LOG.warn("store rebuilt from its files: {} bodies verified and kept, {} dropped", kept, dropped);
  }

  private static ContentKey hash(Path file) throws IOException {
    java.security.MessageDigest sha;
    try {
      sha = java.security.MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer buf = ByteBuffer.allocate(1 << 16);
      while (ch.read(buf.clear()) >= 0) {
        sha.update(buf.flip());
      }
    }
    return ContentKey.ofDigest(sha.digest());
  }

  /** The URL index of stored site responses, which point at bodies of this store. */
  public ResponseIndex responses() {
    return responses;
  }

  /** Receives to be told of bodies stored and removed. */
  public void addListener(StoreListener listener) {
    listeners.add(listener);
  }

  /** Stops telling {@code listener} about stored and removed bodies. */
  public void removeListener(StoreListener listener) {
    listeners.remove(listener);
  }

  /**
   * A writer for a new body; nothing is stored until its {@code commit}.
   *
   * @param contentType the media type to store with it
   * @param maxBytes the most bytes to accept (further capped by the disk budget)
   */
  public BodyWriter newWriter(String contentType, long maxBytes) {
    return writer(contentType, maxBytes, false, -1);
  }

  /**
   * A writer as {@link #newWriter(String, long)} for a body announced as {@code expectedLength}
   * bytes (-1: unknown): one small enough to live in the index is received into an array of that
   * size, not one grown by doubling and copied again at the commit.
   */
  public BodyWriter newWriter(String contentType, long maxBytes, long expectedLength) {
    return writer(contentType, maxBytes, false, expectedLength);
  }

  /**
   * A writer as {@link #newWriter(String, long)} that readers can follow while the body arrives
   * ({@link BodyWriter#newReader}): every byte goes to a temp file at once. A body announced as
   * small enough to live in the index ({@code expectedLength}, -1 when unknown) is not worth a
   * file nobody keeps: it stays in heap, and its writer is not {@link BodyWriter#followable()}.
   */
  public BodyWriter newFollowableWriter(String contentType, long maxBytes, long expectedLength) {
    boolean small = expectedLength >= 0 && expectedLength <= inlineMax();
    return writer(contentType, maxBytes, !small, expectedLength);
  }

  private BodyWriter writer(String contentType, long maxBytes, boolean followable, long expectedLength) {
    return new BodyWriter(this, contentType, Math.min(maxBytes, config.diskBytes()), inlineMax(), followable, expectedLength);
  }

  private int inlineMax() {
    return (int) Math.min(config.inlineMaxBytes(), 1 << 24);
  }

  /** The metadata of a stored body, without reading it. */
  public Optional<StoredBody> info(ContentKey key) {
    return Optional.ofNullable(policy.getIfPresent(key));
  }

  /** Whether a body is stored under {@code key}. */
  public boolean contains(ContentKey key) {
    return policy.asMap().containsKey(key);
  }

  /**
   * The body if it is in memory, without touching the disk: in the hot tier, or a body of one
   * mapped window whose pages are all resident ({@link MappedBody#residentWhole}). Safe to call
   * on a thread that must not block. Empty means "not in memory", not "not stored"; then use
   * {@link #open}.
   */
  public Optional<Body> openInMemory(ContentKey key) {
    ByteBuffer cached = hot.getIfPresent(key);
    if (cached == null) {
      MappedBody file = mapped.getIfPresent(key);
      cached = file == null ? null : file.residentWhole();
    }
    if (cached == null) {
      return Optional.empty();
    }
    StoredBody meta = policy.getIfPresent(key);
    return meta == null ? Optional.empty() : Optional.of(new Body.InMemory(meta, cached));
  }

  /**
   * Opens a stored body for reading; may read the disk. Small bodies come from memory; large
   * ones as an open file the caller must close.
   */
  public Optional<Body> open(ContentKey key) throws IOException {
    StoredBody meta = policy.getIfPresent(key);
    if (meta == null) {
      return Optional.empty();
    }
    ByteBuffer cached = hot.getIfPresent(key);
    if (cached != null) {
      return Optional.of(new Body.InMemory(meta, cached));
    }
    if (meta.inline()) {
      byte[] data = pendingInline.get(key);
      if (data == null) {
        data = inlineBodies.get(key.hex());
      }
      if (data == null) {
        return healMissing(key);
      }
      return Optional.of(new Body.InMemory(meta, keepHot(key, data)));
    }
    FileChannel channel;
    try {
      channel = FileChannel.open(pathOf(key), StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      return healMissing(key);
    }
    if (meta.size() <= config.hotMaxObjectBytes() && meta.size() <= config.hotBytes()) {
      try (channel) {
        ByteBuffer buf = ByteBuffer.allocateDirect((int) meta.size());
        while (buf.hasRemaining() && channel.read(buf) >= 0) {
          // reads until full
        }
        buf.flip();
        ByteBuffer data = buf.asReadOnlyBuffer();
        hot.put(key, data);
        return Optional.of(new Body.InMemory(meta, data));
      }
    }
    return Optional.of(new Body.Disk(meta, channel, mapped.get(key, k -> new MappedBody(meta))));
  }

  /** Removes a body; false when there was none. */
  public boolean delete(ContentKey key) {
    return policy.asMap().remove(key) != null;
  }

  /** Every stored body's metadata, a snapshot. */
  public List<StoredBody> list() {
    return new ArrayList<>(policy.asMap().values());
  }

  /** Current figures. */
  public StoreStats stats() {
    return new StoreStats(
        policy.estimatedSize(),
        bytes.get(),
        config.diskBytes(),
        evictions.get(),
        hot.policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L));
  }

  @Override
  public void close() {
    commits.close();
    closeIndex();
  }

  /** Closes the index file and lets go of the directory's lock. */
  private void closeIndex() {
    synchronized (indexLock) {
      if (!log.isClosed()) {
        closeQuietly(log);
        release(lock);
      }
    }
  }

  // --- used by BodyWriter ---

  Path newTempFile() {
    return temp.resolve(UUID.randomUUID() + ".part");
  }

  StoredBody commitInline(ContentKey key, String contentType, byte[] data) {
    StoredBody existing = policy.getIfPresent(key);
    if (existing != null) {
      return existing;
    }
    StoredBody meta = new StoredBody(key, data.length, contentType, System.currentTimeMillis(), true);
    // Served from memory now (admitted before its write is queued, so that the committer finds
    // it); written to the index file by the committer, with its batch.
    synchronized (fileLock) {
      pendingInline.put(key, data);
      keepHot(key, data);
      admit(meta);
    }
    commits.write(() -> {
      if (policy.getIfPresent(key) == meta) {
        inlineBodies.put(key.hex(), data);
        index.put(key.hex(), meta.encode());
      }
      pendingInline.remove(key, data);
    });
    return meta;
  }

  StoredBody commitFile(ContentKey key, String contentType, long size, Path tempFile) throws IOException {
    StoredBody existing = policy.getIfPresent(key);
    if (existing != null) {
      return existing;
    }
    StoredBody meta = new StoredBody(key, size, contentType, System.currentTimeMillis(), false);
    Path target = pathOf(key);
    // Renamed and admitted under one lock, so that a late removal of an earlier copy of the same
    // key (Caffeine tells of a removal after the entry has left) cannot delete this file.
    synchronized (fileLock) {
      try {
        moveInto(tempFile, target);
      } catch (NoSuchFileException e) { // the first body of its directory (a stat of each level per body cost more)
        Files.createDirectories(target.getParent());
        moveInto(tempFile, target);
      }
      admit(meta);
    }
    // Served from now on; indexed on disk once the group commit has synced the file.
    commits.addFile(meta, target);
    return meta;
  }

  private static void moveInto(Path tempFile, Path target) throws IOException {
    try {
      Files.move(tempFile, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("the data directory must allow atomic renames from tmp/ to bodies/", e);
    }
  }

  /** The group commit's batch: index the bodies now on disk that are still stored, then commit. */
  private void commitBatch(List<StoredBody> synced) {
    if (log.isClosed()) {
      return;
    }
    for (StoredBody meta : synced) {
      // This very copy: one removed and stored again since has a file not synced yet.
      if (policy.getIfPresent(meta.key()) == meta) {
        index.put(meta.key().hex(), meta.encode());
      }
    }
    try {
      log.commit();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("committing the index file", e);
    }
  }

  /**
   * Waits until every change made so far is on disk: bodies synced, index committed. Requests
   * never need this; counts of what the index file holds and tests do.
   */
  public void flush() throws InterruptedException {
    commits.flush();
  }

  private StoredBody admit(StoredBody meta) {
    bytes.addAndGet(meta.size());
    policy.put(meta.key(), meta);
    for (StoreListener l : listeners) {
      l.stored(meta);
    }
    return meta;
  }

  // --- internals ---

  private static int weight(long size) {
    return (int) Math.min(Integer.MAX_VALUE, Math.max(1, (size + KIB - 1) / KIB));
  }

  private Path pathOf(ContentKey key) {
    return bodies.resolve(key.hex().substring(0, 2)).resolve(key.hex().substring(2));
  }

  /** The bytes as a shared read-only buffer, kept in the hot tier when small enough. */
  private ByteBuffer keepHot(ContentKey key, byte[] data) {
    if (data.length > config.hotMaxObjectBytes()) {
      return ByteBuffer.wrap(data).asReadOnlyBuffer();
    }
    ByteBuffer direct = ByteBuffer.allocateDirect(data.length).put(data).flip().asReadOnlyBuffer();
    hot.put(key, direct);
    return direct;
  }

  private Optional<Body> healMissing(ContentKey key) {
    LOG.warn("body {} was indexed but is gone; dropping it from the index", key);
    policy.invalidate(key);
    return Optional.empty();
  }

  private void onRemoval(ContentKey key, StoredBody meta, RemovalCause cause) {
    if (key == null || meta == null || cause == RemovalCause.REPLACED) {
      return;
    }
    bytes.addAndGet(-meta.size());
    if (cause.wasEvicted()) {
      evictions.incrementAndGet();
    }
    // The index file forgets this copy in any case. A copy stored again after this removal is
    // written by its own write or batch, which come after this one; one stored again in the
    // moment before Caffeine told of the removal loses its index entry: a cache miss after the
    // next start, never wrong bytes.
    commits.write(() -> {
      if (log.isClosed()) {
        return;
      }
      index.remove(key.hex());
      inlineBodies.remove(key.hex());
      responses.bodyRemoved(key);
    });
    synchronized (fileLock) {
      if (policy.asMap().containsKey(key)) {
        return; // stored again meanwhile: its file, hot bytes and pending write are the new copy's
      }
      hot.invalidate(key);
      mapped.invalidate(key); // its windows go with the next collection, and the file's blocks with them
      pendingInline.remove(key);
      commits.forget(key);
      if (!meta.inline()) {
        try {
          Files.deleteIfExists(pathOf(key));
        } catch (IOException e) {
          LOG.warn("could not delete the body file of {}: {}", key, e.toString());
        }
      }
    }
    for (StoreListener l : listeners) {
      l.removed(meta, cause.wasEvicted());
    }
  }

  private void recover() throws IOException {
    int temps = 0;
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(temp)) {
      for (Path p : dir) {
        Files.deleteIfExists(p);
        temps++;
      }
    }
    List<StoredBody> found = new ArrayList<>();
    int dropped = 0;
    synchronized (indexLock) {
      for (String hex : index.keys()) {
        StoredBody meta = decodeOrNull(hex, index.get(hex));
        if (meta != null && isComplete(meta)) {
          found.add(meta);
        } else {
          index.remove(hex);
          inlineBodies.remove(hex);
          if (ContentKey.isWellFormed(hex)) {
            responses.bodyRemoved(new ContentKey(hex));
          }
          dropped++;
        }
      }
      int orphans = removeOrphanFiles();
      log.commit();
      if (temps + dropped + orphans > 0) {
        LOG.info(
            "store recovery: removed {} temp files, {} index entries without a body, {} unindexed body files",
            temps,
            dropped,
            orphans);
      }
    }
    for (StoredBody meta : found) {
      bytes.addAndGet(meta.size());
      policy.put(meta.key(), meta);
    }
  }

  private StoredBody decodeOrNull(String hex, byte[] data) {
    try {
      return StoredBody.decode(new ContentKey(hex), data);
    } catch (IOException | IllegalArgumentException e) {
      return null;
    }
  }

  private boolean isComplete(StoredBody meta) throws IOException {
    if (meta.inline()) {
      return inlineBodies.valueLength(meta.key().hex()) == meta.size(); // no read of each body at every start
    }
    Path p = pathOf(meta.key());
    return Files.isRegularFile(p) && Files.size(p) == meta.size();
  }

  private int removeOrphanFiles() throws IOException {
    int removed = 0;
    try (Stream<Path> files = Files.walk(bodies, 2)) {
      for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        String hex = p.getParent().getFileName().toString() + p.getFileName();
        if (!ContentKey.isWellFormed(hex) || !index.containsKey(hex)) {
          Files.deleteIfExists(p);
          removed++;
        }
      }
    }
    return removed;
  }
}
