package org.oversky.gateway.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class HumanTest {
  @Test
  void sizesInBinaryUnitsWithOneDecimalBelowTen() {
    assertEquals("0 bytes", Human.bytes(0));
    assertEquals("1 byte", Human.bytes(1));
    assertEquals("1023 bytes", Human.bytes(1023));
    assertEquals("1.0 KiB", Human.bytes(1024));
    assertEquals("1.5 KiB", Human.bytes(1536));
    assertEquals("12 MiB", Human.bytes(12L << 20));
    assertEquals("10 GiB", Human.bytes(10L << 30));
    assertEquals("2.3 TiB", Human.bytes((long) (2.3 * (1L << 40))));
  }

  @Test
  void durationsInTheTwoLargestUnits() {
    assertEquals("0 s", Human.duration(0));
    assertEquals("45 s", Human.duration(45));
    assertEquals("3 min 20 s", Human.duration(200));
    assertEquals("5 h 12 min", Human.duration(5 * 3600 + 12 * 60 + 7));
    assertEquals("3 d 4 h", Human.duration(3 * 86_400 + 4 * 3600 + 59));
  }

  @Test
  void countsTakeTheSingularOnlyForOne() {
    assertEquals("1 bucket", Human.count(1, "bucket", "buckets"));
    assertEquals("0 buckets", Human.count(0, "bucket", "buckets"));
    assertEquals("1 hit", Human.count((Object) 1L, "hit", "hits"));
    assertEquals("12,345 bodies", Human.count((Object) 12_345, "body", "bodies"));
    assertEquals("0 hits", Human.count((Object) null, "hit", "hits"), "an absent figure counts as none");
  }
}
