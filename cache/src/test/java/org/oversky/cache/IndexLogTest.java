package org.oversky.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The index file: what is committed survives a reopen, a torn or unfinished batch counts as never made, and compaction keeps the live records. */
class IndexLogTest {
  /** A table keeping values in memory, and one reading them from the file. */
  private static final List<Boolean> TABLES = List.of(true, false);

  @TempDir Path dir;

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static Map<String, String> contents(IndexLog.Table t) {
    Map<String, String> out = new TreeMap<>();
    t.forEach((k, v) -> out.put(k, new String(v, StandardCharsets.UTF_8)));
    return out;
  }

  @Test
  void committedPutsAndRemovalsSurviveAReopenInBothKindsOfTable() throws IOException {
    Path file = dir.resolve("i.log");
    try (IndexLog log = IndexLog.open(file, TABLES)) {
      for (int t = 0; t < 2; t++) {
        log.table(t).put("a", bytes("1"));
        log.table(t).put("b", bytes("2"));
        assertArrayEquals(bytes("2"), log.table(t).get("b"), "seen before the commit");
      }
      log.commit();
      for (int t = 0; t < 2; t++) {
        assertArrayEquals(bytes("1"), log.table(t).put("a", bytes("one")), "a put gives the value it replaced");
        assertTrue(log.table(t).remove("b"));
        assertFalse(log.table(t).remove("b"));
      }
      log.commit();
      assertArrayEquals(bytes("one"), log.table(1).get("a"), "read from the file once committed");
    }
    try (IndexLog log = IndexLog.open(file, TABLES)) {
      for (int t = 0; t < 2; t++) {
        assertEquals(Map.of("a", "one"), contents(log.table(t)));
        assertEquals(3, log.table(t).valueLength("a"));
        assertEquals(-1, log.table(t).valueLength("b"));
      }
    }
  }

  @Test
  void aBatchWithoutItsCommitIsDroppedAtOpenAndTheFileCutThere() throws IOException {
    Path file = dir.resolve("i.log");
    long committed;
    try (IndexLog log = IndexLog.open(file, TABLES)) {
      log.table(1).put("kept", bytes("yes"));
      log.commit();
      committed = Files.size(file);
      log.table(1).put("lost", bytes("no"));
      log.table(0).remove("kept");
      log.commit();
    }
    // The second batch's commit record is cut off, as a crash in its write would leave it.
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.truncate(Files.size(file) - 3);
    }
    try (IndexLog log = IndexLog.open(file, TABLES)) {
      assertEquals(Map.of("kept", "yes"), contents(log.table(1)), "the unfinished batch counts whole or not at all");
      assertEquals(committed, Files.size(file), "the file is cut after the last commit");
      log.table(1).put("next", bytes("ok"));
      log.commit();
    }
    try (IndexLog log = IndexLog.open(file, TABLES)) {
      assertEquals(Map.of("kept", "yes", "next", "ok"), contents(log.table(1)), "written after the cut, read back");
    }
  }

  @Test
  void everyCutOfTheFileReopensAsAPrefixOfItsBatches() throws IOException {
    Path file = dir.resolve("i.log");
    List<Long> ends = new ArrayList<>();
    try (IndexLog log = IndexLog.open(file, TABLES)) {
      for (int i = 0; i < 5; i++) {
        log.table(i % 2).put("k" + i, bytes("v" + i));
        log.table(1).put("last", bytes("batch " + i));
        log.commit();
        ends.add(Files.size(file));
      }
    }
    byte[] whole = Files.readAllBytes(file);
    for (int cut = 0; cut <= whole.length; cut += 7) {
      Path copy = dir.resolve("cut-" + cut);
      Files.write(copy, java.util.Arrays.copyOf(whole, cut));
      int batches = 0;
      while (batches < ends.size() && ends.get(batches) <= cut) {
        batches++;
      }
      if (cut < 8) {
        assertThrows(IndexLog.NotAnIndexException.class, () -> IndexLog.open(copy, TABLES), "cut at " + cut);
        continue;
      }
      try (IndexLog log = IndexLog.open(copy, TABLES)) {
        String last = log.table(1).get("last") == null ? null : new String(log.table(1).get("last"), StandardCharsets.UTF_8);
        assertEquals(batches == 0 ? null : "batch " + (batches - 1), last, "cut at " + cut);
      }
    }
  }

  @Test
  void aDamagedRecordEndsTheReplayThere() throws IOException {
    Path file = dir.resolve("i.log");
    long first;
    try (IndexLog log = IndexLog.open(file, TABLES)) {
      log.table(1).put("a", bytes("first"));
      log.commit();
      first = Files.size(file);
      log.table(1).put("b", bytes("second"));
      log.commit();
    }
    byte[] all = Files.readAllBytes(file);
    all[(int) first + 20] ^= 0x40; // a bit of the second batch's first record
    Files.write(file, all);
    try (IndexLog log = IndexLog.open(file, TABLES)) {
      assertEquals(Map.of("a", "first"), contents(log.table(1)));
    }
  }

  @Test
  void aFileThatIsNotAnIndexIsRefusedUntouched() throws IOException {
    Path file = Files.writeString(dir.resolve("i.log"), "something else entirely");
    assertThrows(IndexLog.NotAnIndexException.class, () -> IndexLog.open(file, TABLES));
    assertEquals("something else entirely", Files.readString(file));
  }

  @Test
  void compactionKeepsTheLiveRecordsAndShrinksTheFile() throws IOException {
    Path file = dir.resolve("i.log");
    try (IndexLog log = IndexLog.open(file, TABLES)) {
      for (int round = 0; round < 20; round++) {
        for (int i = 0; i < 50; i++) {
          log.table(i % 2).put("key" + i, bytes("round " + round + " value " + i));
        }
        log.table(0).remove("key0");
        log.commit();
      }
      long before = log.fileBytes();
      log.compact();
      assertTrue(log.fileBytes() < before / 10, log.fileBytes() + " of " + before);
      assertNull(log.table(0).get("key0"));
      assertArrayEquals(bytes("round 19 value 7"), log.table(1).get("key7"), "read at its new place");
      log.table(1).put("after", bytes("compaction"));
      log.commit();
    }
    assertFalse(Files.exists(dir.resolve("i.log" + IndexLog.COMPACTING)));
    try (IndexLog log = IndexLog.open(file, TABLES)) {
      assertEquals(24, log.table(0).size(), "the even keys but key0");
      assertEquals("round 19 value 8", new String(log.table(0).get("key8"), StandardCharsets.UTF_8));
      assertEquals("compaction", new String(log.table(1).get("after"), StandardCharsets.UTF_8));
      assertEquals(26, log.table(1).size());
    }
  }
}
