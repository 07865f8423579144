package org.oversky.cache;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BiConsumer;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's index file: an append-only log of puts and removals in a few named tables. Every
 * key is held in memory in order, with its value too in a table that keeps values in memory;
 * other tables keep where the value lies in the file and read it from there.
 *
 * <p>Why not a B-tree with a write-ahead log (MapDB, before): each stored response cost four tree
 * walks and a log that was written, read back for its checksum and copied again, about a third of
 * a node's CPU in a crawl of cold misses. Here a batch is one write and one sync.
 *
 * <p>The file is an 8-byte magic, then records: {@code int length} (of what follows it), {@code
 * int CRC-32C} (of what follows it), {@code byte table}, {@code byte op} (put, remove, commit),
 * {@code short} key length, the key in UTF-8, the value. {@link #commit} ends a batch with a
 * commit record and syncs the file. At open the records are replayed; those after the last commit
 * record (a batch the process did not finish, or a torn or damaged tail) are dropped and the file
 * is cut there, so a batch counts whole or not at all, as a transaction did. When the file holds
 * more than twice what its live records take (and at least {@link #COMPACT_MIN_BYTES}), the commit
 * writes the live records into a new file and renames it over the old one.
 *
 * <p>One writer: every change and commit comes from one thread at a time (the store's committer,
 * or the opener before the store serves). Reads may come from any thread.
 */
final class IndexLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(IndexLog.class);
  private static final byte[] MAGIC = "OVSKIDX1".getBytes(StandardCharsets.US_ASCII);
  private static final byte PUT = 1;
  private static final byte REMOVE = 2;
  private static final byte COMMIT = 3;
  /** Bytes of a record before its key: length, CRC, table, op, key length. */
  private static final int HEAD = 4 + 4 + 1 + 1 + 2;
  /** Most bytes of one value (the packed reference keeps 24 bits of length). */
  static final int MAX_VALUE = (1 << 24) - 1;
  /** Most bytes of one record, for a reader that meets a damaged length. */
  private static final int MAX_RECORD = HEAD + 0xFFFF + MAX_VALUE;
  /** The suffix of a compaction's new file until it is renamed over the old one. */
  static final String COMPACTING = ".compacting";
  /** A file smaller than this is never compacted. */
  static final long COMPACT_MIN_BYTES = 64L << 20;

  private final Path file;
  private final List<Table> tables = new ArrayList<>();
  /** Guards {@link #channel} and the file offsets against a compaction's swap; reads take it shared. */
  private final ReentrantReadWriteLock swap = new ReentrantReadWriteLock();
  private FileChannel channel;
  /** The file's length: where the next batch is written. */
  private long end;
  /** Records of the batch under way, not yet written. */
  private final ByteBufferOut batch = new ByteBufferOut();
  /** The values of the batch under way that go into tables keeping them on disk, to point at the file once written. */
  private final List<Placed> placed = new ArrayList<>();
  /** What the live records take in the file, about. */
  private long liveBytes;
  private boolean closed;

  /** The file does not start as an index file does: another file, or one damaged at its start. */
  static final class NotAnIndexException extends IOException {
    NotAnIndexException(String message) {
      super(message);
    }
  }

  private record Placed(Table table, String key, byte[] value, long offset) {}

  private IndexLog(Path file) {
    this.file = file;
  }

  /**
   * Opens {@code file} (creating it when missing) with the tables named in order, each keeping its
   * values in memory or not, and replays it.
   *
   * @throws IOException when the file is not an index log (its first bytes), or cannot be read
   */
  static IndexLog open(Path file, List<Boolean> valuesInMemory) throws IOException {
    IndexLog log = new IndexLog(file);
    for (int i = 0; i < valuesInMemory.size(); i++) {
      log.tables.add(log.new Table((byte) i, valuesInMemory.get(i)));
    }
    if (!Files.exists(file)) {
      writeEmpty(file);
    }
    log.channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      log.replay();
    } catch (IOException | RuntimeException e) {
      log.channel.close();
      throw e;
    }
    return log;
  }

  /** Table {@code i}, in the order given to {@link #open}. */
  Table table(int i) {
    return tables.get(i);
  }

  private static void writeEmpty(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(MAGIC));
      ch.force(true);
    }
    syncDirectory(file.getParent());
  }

  private void replay() throws IOException {
    long size = channel.size();
    List<Runnable> pending = new ArrayList<>();
    long committedEnd = MAGIC.length;
    long offset = MAGIC.length;
    int dropped = 0;
    CRC32C crc = new CRC32C();
    InputStream raw = Channels.newInputStream(channel.position(0));
    DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 16));
    byte[] magic = new byte[MAGIC.length];
    try {
      in.readFully(magic);
    } catch (EOFException e) {
      throw new NotAnIndexException(file + " is not an oversky index file: " + size + " bytes");
    }
    if (!java.util.Arrays.equals(magic, MAGIC)) {
      throw new NotAnIndexException(file + " is not an oversky index file (its first bytes are not " + new String(MAGIC, StandardCharsets.US_ASCII) + ")");
    }
    while (offset < size) {
      int length;
      byte[] body;
      try {
        length = in.readInt();
        if (length < HEAD - 4 || length > MAX_RECORD || offset + 4 + length > size) {
          break; // a torn or damaged tail
        }
        body = new byte[length];
        in.readFully(body);
      } catch (EOFException e) {
        break;
      }
      ByteBuffer b = ByteBuffer.wrap(body);
      int sum = b.getInt();
      crc.reset();
      crc.update(body, 4, length - 4);
      if ((int) crc.getValue() != sum) {
        break;
      }
      byte table = b.get();
      byte op = b.get();
      int keyLength = Short.toUnsignedInt(b.getShort());
      long valueOffset = offset + HEAD + keyLength;
      int valueLength = length - (HEAD - 4) - keyLength;
      if (op == COMMIT) {
        pending.forEach(Runnable::run);
        dropped = 0;
        pending.clear();
        committedEnd = offset + 4 + length;
      } else if (table < 0 || table >= tables.size() || valueLength < 0 || (op != PUT && op != REMOVE)) {
        break;
      } else {
        Table t = tables.get(table);
        String key = new String(body, HEAD - 4, keyLength, StandardCharsets.UTF_8);
        if (op == PUT) {
          Object value = t.inMemory ? java.util.Arrays.copyOfRange(body, HEAD - 4 + keyLength, length) : pack(valueOffset, valueLength);
          long recordBytes = 4L + length;
          pending.add(() -> t.replayed(key, value, recordBytes));
        } else {
          pending.add(() -> t.replayed(key, null, 0));
        }
        dropped++;
      }
      offset += 4 + length;
    }
    if (committedEnd < size) {
      LOG.warn("the index file {} ends with {} bytes of a batch that was not finished ({} records); they are dropped",
          file, size - committedEnd, dropped);
      channel.truncate(committedEnd);
      channel.force(true);
    }
    end = committedEnd;
  }

  private static long pack(long offset, int length) {
    return (offset << 24) | length;
  }

  /** Appends a record to the batch; its value, for a table keeping values on disk, is placed once written. */
  private void append(Table table, byte op, String key, byte[] value) {
    if (closed) {
      throw new IllegalStateException("the index file is closed");
    }
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    if (k.length > 0xFFFF) {
      throw new IllegalArgumentException("an index key is at most 65,535 bytes, got " + k.length);
    }
    int valueLength = value == null ? 0 : value.length;
    if (valueLength > MAX_VALUE) {
      throw new IllegalArgumentException("an index value is at most " + MAX_VALUE + " bytes, got " + valueLength);
    }
    int length = HEAD - 4 + k.length + valueLength;
    int start = batch.size();
    ByteBuffer head = ByteBuffer.allocate(HEAD);
    head.putInt(length).putInt(0).put(table == null ? 0 : table.id).put(op).putShort((short) k.length);
    batch.write(head.array());
    batch.write(k);
    if (value != null) {
      batch.write(value);
    }
    CRC32C crc = new CRC32C();
    crc.update(batch.array(), start + 8, length - 4);
    batch.putInt(start + 4, (int) crc.getValue());
    if (op == PUT && table != null && !table.inMemory) {
      placed.add(new Placed(table, key, value, start + HEAD + k.length));
    }
  }

  /**
   * Writes the batch and a commit record, and syncs the file: what was changed since the last
   * commit survives any crash from now on. Then compacts the file if it is mostly dead records.
   */
  void commit() throws IOException {
    append(null, COMMIT, "", null);
    ByteBuffer out = ByteBuffer.wrap(batch.array(), 0, batch.size());
    long at = end;
    while (out.hasRemaining()) {
      at += channel.write(out, at);
    }
    channel.force(false);
    for (Placed p : placed) {
      p.table.entries.replace(p.key, p.value, pack(end + p.offset, p.value.length)); // unless changed again since
    }
    end = at;
    placed.clear();
    batch.reset();
    if (end > COMPACT_MIN_BYTES && end > 2 * liveBytes) {
      compact();
    }
  }

  /** Writes the live records into a new file, renamed over this one. */
  void compact() throws IOException {
    if (!batch.isEmpty()) {
      throw new IllegalStateException("compact after a commit, not within a batch");
    }
    long before = end;
    Path next = file.resolveSibling(file.getFileName() + COMPACTING);
    Files.deleteIfExists(next);
    List<Placed> moved = new ArrayList<>();
    long written;
    try (FileChannel out = FileChannel.open(next, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      written = out.write(ByteBuffer.wrap(MAGIC));
      for (Table t : tables) {
        for (Map.Entry<String, Object> e : t.entries.entrySet()) {
          byte[] value = t.value(e.getValue());
          append(t, PUT, e.getKey(), value);
          if (batch.size() > (1 << 20)) {
            written = drain(out, written, moved);
          }
        }
      }
      append(null, COMMIT, "", null);
      written = drain(out, written, moved);
      out.force(true);
    }
    swap.writeLock().lock();
    try {
      Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      syncDirectory(file.getParent());
      channel.close();
      channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
      for (Placed p : moved) {
        p.table.entries.put(p.key, p.offset);
      }
      end = written;
      liveBytes = written - MAGIC.length;
    } finally {
      swap.writeLock().unlock();
    }
    LOG.info("compacted the index file {}: {} -> {} bytes", file, before, written);
  }

  /** Writes the batch to {@code out} at {@code at}; the values placed go to {@code moved} with their packed offsets. */
  private long drain(FileChannel out, long at, List<Placed> moved) throws IOException {
    for (Placed p : placed) {
      moved.add(new Placed(p.table, p.key, null, pack(at + p.offset, p.value.length)));
    }
    placed.clear();
    ByteBuffer b = ByteBuffer.wrap(batch.array(), 0, batch.size());
    while (b.hasRemaining()) {
      at += out.write(b, at);
    }
    batch.reset();
    return at;
  }

  private static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      LOG.debug("directory sync not supported for {}: {}", dir, e.toString()); // the rename is still atomic
    }
  }

  /** The bytes of the batch under way, not yet written. */
  int batchBytes() {
    return batch.size();
  }

  /** The file's length, for tests and status. */
  long fileBytes() {
    return end;
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    swap.writeLock().lock();
    try {
      channel.close();
    } finally {
      swap.writeLock().unlock();
    }
  }

  boolean isClosed() {
    return closed;
  }

  /**
   * One table: its keys in order, each with its value or where the value lies in the file.
   * Changes go into the batch under way and show at once; {@link IndexLog#commit} makes them durable.
   */
  final class Table {
    private final byte id;
    private final boolean inMemory;
    /** byte[] values (in memory, or of the batch under way), or Long packed file references. */
    private final ConcurrentSkipListMap<String, Object> entries = new ConcurrentSkipListMap<>();

    private Table(byte id, boolean inMemory) {
      this.id = id;
      this.inMemory = inMemory;
    }

    private void replayed(String key, Object value, long recordBytes) {
      Object old = value == null ? entries.remove(key) : entries.put(key, value);
      liveBytes += recordBytes - (old == null ? 0 : recordBytes(key, old));
    }

    private long recordBytes(String key, Object value) {
      int valueLength = value instanceof byte[] b ? b.length : (int) ((Long) value & 0xFFFFFF);
      return HEAD + key.length() + valueLength;
    }

    private byte[] value(Object stored) {
      if (stored instanceof byte[] b) {
        return b;
      }
      long packed = (Long) stored;
      int length = (int) (packed & 0xFFFFFF);
      ByteBuffer buf = ByteBuffer.allocate(length);
      long at = packed >>> 24;
      try {
        while (buf.hasRemaining()) {
          int n = channel.read(buf, at + buf.position());
          if (n < 0) {
            throw new IllegalStateException("the index file " + file + " ends before a value at " + at);
          }
        }
      } catch (IOException e) {
        throw new java.io.UncheckedIOException("reading the index file " + file, e);
      }
      return buf.array();
    }

    /** The value under {@code key}, or null. */
    byte[] get(String key) {
      swap.readLock().lock();
      try {
        Object stored = entries.get(key);
        return stored == null ? null : value(stored);
      } finally {
        swap.readLock().unlock();
      }
    }

    boolean containsKey(String key) {
      return entries.containsKey(key);
    }

    /** The length of the value under {@code key}, read from memory; -1 when there is none. */
    int valueLength(String key) {
      Object stored = entries.get(key);
      return stored == null ? -1 : stored instanceof byte[] b ? b.length : (int) ((Long) stored & 0xFFFFFF);
    }

    /** Puts {@code value} under {@code key}; the value it replaced, or null. */
    byte[] put(String key, byte[] value) {
      byte[] old = inMemory ? null : get(key);
      append(this, PUT, key, value);
      Object before = entries.put(key, value);
      if (inMemory && before instanceof byte[] b) {
        old = b;
      }
      liveBytes += recordBytes(key, value) - (before == null ? 0 : recordBytes(key, before));
      return old;
    }

    /** Removes {@code key}; whether it was there. */
    boolean remove(String key) {
      Object before = entries.remove(key);
      if (before == null) {
        return false;
      }
      append(this, REMOVE, key, null);
      liveBytes -= recordBytes(key, before);
      return true;
    }

    /** The keys from {@code from} (included) to {@code to} (excluded), in order, a snapshot. */
    List<String> keys(String from, String to) {
      return new ArrayList<>(entries.subMap(from, true, to, false).keySet());
    }

    /** Each key from {@code from} (included) to {@code to} (excluded) with its value, in order. */
    void forEach(String from, String to, BiConsumer<String, byte[]> action) {
      forEach(entries.subMap(from, true, to, false), action);
    }

    /** Every key with its value, in order. */
    void forEach(BiConsumer<String, byte[]> action) {
      forEach(entries, action);
    }

    private void forEach(java.util.NavigableMap<String, Object> range, BiConsumer<String, byte[]> action) {
      for (String key : range.keySet()) {
        byte[] v;
        swap.readLock().lock();
        try {
          Object stored = entries.get(key);
          if (stored == null) {
            continue;
          }
          v = value(stored);
        } finally {
          swap.readLock().unlock();
        }
        action.accept(key, v);
      }
    }

    /** Every key, in order, a snapshot. */
    List<String> keys() {
      return new ArrayList<>(entries.keySet());
    }

    /** Removes every key from {@code from} (included) to {@code to} (excluded). */
    void removeRange(String from, String to) {
      for (String key : keys(from, to)) {
        remove(key);
      }
    }

    int size() {
      return entries.size();
    }
  }

  /** A growable byte array that can patch an int in place. */
  private static final class ByteBufferOut extends java.io.ByteArrayOutputStream {
    ByteBufferOut() {
      super(1 << 16);
    }

    byte[] array() {
      return buf;
    }

    void putInt(int at, int v) {
      buf[at] = (byte) (v >>> 24);
      buf[at + 1] = (byte) (v >>> 16);
      buf[at + 2] = (byte) (v >>> 8);
      buf[at + 3] = (byte) v;
    }

    boolean isEmpty() {
      return count == 0;
    }

    @Override
    public void write(byte[] b) {
      write(b, 0, b.length);
    }
  }
}
