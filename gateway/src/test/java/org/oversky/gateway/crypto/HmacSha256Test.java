package org.oversky.gateway.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class HmacSha256Test {
  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void matchesTheRfc4231Vector() {
    // RFC 4231, test case 2: key "Jefe"
    String want = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
    assertEquals(want, HexFormat.of().formatHex(HmacSha256.of(ascii("Jefe"), ascii("what do ya want for nothing?"))));
    assertEquals(want, HexFormat.of().formatHex(new HmacSha256.Key(ascii("Jefe")).of(ascii("what do ya want for nothing?"))));
  }

  @Test
  void aKeyedKeyGivesEachMessageItsOwnMacWhateverCameBefore() throws Exception {
    HmacSha256.Key key = new HmacSha256.Key(ascii("cluster"));
    byte[] first = key.of(ascii("one"));
    key.of(ascii("two"));
    assertArrayEquals(first, key.of(ascii("one")), "a MAC must not carry state from the message before");
    try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
      List<Future<Boolean>> all = new java.util.ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int n = t;
        all.add(pool.submit(() -> {
          for (int i = 0; i < 2_000; i++) {
            byte[] data = ascii("message " + n + " " + i);
            if (!java.util.Arrays.equals(key.of(data), HmacSha256.of(ascii("cluster"), data))) {
              return false;
            }
          }
          return true;
        }));
      }
      for (Future<Boolean> f : all) {
        assertEquals(Boolean.TRUE, f.get(), "one key, MACs from four threads at once");
      }
    }
  }
}
