package org.oversky.cache;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class UrlFilterTest {
  @Test
  void everyUrlAddedMightBeContainedAndFewOthersAre() {
    UrlFilter f = new UrlFilter(20); // 1 Mbit
    for (int i = 0; i < 50_000; i++) {
      f.add("http://site.test/page/" + i);
    }
    for (int i = 0; i < 50_000; i++) {
      assertTrue(f.mightContain("http://site.test/page/" + i), "added " + i);
    }
    int maybe = 0;
    for (int i = 0; i < 100_000; i++) {
      if (f.mightContain("http://site.test/other/" + i)) {
        maybe++;
      }
    }
    // 50,000 URLs in 2^20 bits with 7 hashes: about 1 % false "maybe"s; allow five times that.
    assertTrue(maybe < 5_000, maybe + " false maybes in 100,000");
  }

  @Test
  void anEmptyFilterKnowsNothingIsThere() {
    UrlFilter f = new UrlFilter(10);
    assertFalse(f.mightContain("http://site.test/"));
    assertFalse(f.mightContain(""));
  }
}
