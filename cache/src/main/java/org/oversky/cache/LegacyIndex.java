package org.oversky.cache;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import org.mapdb.DB;
import org.mapdb.DBException;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The index file of earlier versions ({@code index.db}, MapDB with transactions), moved once into
 * the {@link IndexLog}: its four maps become the log's four tables, then the MapDB files go.
 */
final class LegacyIndex {
  private static final Logger LOG = LoggerFactory.getLogger(LegacyIndex.class);
  static final String FILE = "index.db";
  /** Bytes of records per batch of the new file, at most about. */
  private static final int BATCH_BYTES = 8 << 20;

  private LegacyIndex() {}

  /** Whether {@code dir} holds an index file of an earlier version. */
  static boolean present(Path dir) {
    return Files.isRegularFile(dir.resolve(FILE));
  }

  /**
   * Copies {@code dir}'s MapDB index into a new index log at {@code target} (written aside, then
   * renamed, so a crash leaves the old file to migrate again), then deletes the MapDB files. When
   * an index log is already there (a crash after the rename), only the deletion is left to do.
   *
   * @return false when the MapDB file cannot be read: it is set aside and the caller rebuilds from
   *     the body files
   */
  static boolean migrate(Path dir, Path target) throws IOException {
    if (!Files.exists(target)) {
      Path next = target.resolveSibling(target.getFileName() + ".migrating");
      Files.deleteIfExists(next);
      long copied;
      try {
        copied = copy(dir.resolve(FILE), next);
      } catch (DBException.FileLocked another) {
        throw new IOException("the store in " + dir + " is open in another process; stop it first", another);
      } catch (DBException | IndexOutOfBoundsException broken) {
        // MapDB has known write-ahead-log faults after a crash.
        Files.deleteIfExists(next);
        Path aside = dir.resolve(FILE + ".broken-" + System.currentTimeMillis());
        LOG.error("the store's index in {} cannot be read; it is moved to {} and rebuilt from the body files, each verified", dir, aside, broken);
        moveAll(dir, aside);
        return false;
      }
      Files.move(next, target, StandardCopyOption.ATOMIC_MOVE);
      LOG.info("the store's index in {} moved from {} to {}: {} records", dir, FILE, target.getFileName(), copied);
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, FILE + "*")) {
      for (Path f : files) {
        if (Files.isRegularFile(f)) {
          Files.delete(f);
        }
      }
    }
    return true;
  }

  private static long copy(Path from, Path to) throws IOException {
    long copied = 0;
    DB db = DBMaker.fileDB(from.toFile()).fileChannelEnable().transactionEnable().make();
    try (IndexLog log = IndexLog.open(to, ContentStore.TABLES)) {
      copied += copy(db.hashMap("meta", Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen(), log, 0);
      copied += copy(db.hashMap("inline", Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen(), log, 1);
      copied += copy(db.treeMap("responses", Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen(), log, 2);
      long refs = 0;
      for (String key : db.treeMap("body-refs", Serializer.STRING, Serializer.BOOLEAN).createOrOpen().keySet()) {
        log.table(3).put(key, new byte[0]);
        refs++;
        if (log.batchBytes() > BATCH_BYTES) {
          log.commit();
        }
      }
      log.commit();
      copied += refs;
    } finally {
      db.close();
    }
    return copied;
  }

  private static long copy(Map<String, byte[]> map, IndexLog log, int table) throws IOException {
    long n = 0;
    for (Map.Entry<String, byte[]> e : map.entrySet()) {
      log.table(table).put(e.getKey(), e.getValue());
      n++;
      if (log.batchBytes() > BATCH_BYTES) {
        log.commit();
      }
    }
    return n;
  }

  private static void moveAll(Path dir, Path aside) throws IOException {
    Files.createDirectories(aside);
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, FILE + "*")) {
      for (Path f : files) {
        if (!f.equals(aside) && Files.isRegularFile(f)) {
          Files.move(f, aside.resolve(f.getFileName()));
        }
      }
    }
  }
}
