package org.oversky.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class ContentKeyTest {
  /** SHA-256 of "abc" (FIPS 180-2 test vector). */
  private static final String ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

  @Test
  void acceptsSixtyFourLowercaseHexDigits() {
    ContentKey key = new ContentKey(ABC);

    assertEquals(ABC, key.hex());
    assertEquals(ABC, key.toString());
    assertTrue(ContentKey.isWellFormed(ABC));
    assertEquals(new ContentKey(ABC), key);
  }

  @ParameterizedTest(name = "''{0}''")
  @NullAndEmptySource
  @ValueSource(
      strings = {
        "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", // uppercase
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015aD", // one uppercase digit
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a", // 63
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad0", // 65
        "ga7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", // 'g'
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a ", // space
        "../816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" // path
      })
  void refusesAnythingButSixtyFourLowercaseHexDigits(String text) {
    assertFalse(ContentKey.isWellFormed(text));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ContentKey(text));
    assertTrue(e.getMessage().contains("64 lowercase hex"), e.getMessage());
  }

  @Test
  void ofDigestIsTheLowercaseHexOfTheDigest() throws NoSuchAlgorithmException {
    byte[] digest = MessageDigest.getInstance("SHA-256").digest("abc".getBytes(StandardCharsets.US_ASCII));

    ContentKey key = ContentKey.ofDigest(digest);

    assertEquals(ABC, key.hex());
    assertArrayEquals(digest, key.digest());
  }

  @ParameterizedTest(name = "{0} bytes")
  @ValueSource(ints = {0, 20, 31, 33, 64})
  void ofDigestRefusesDigestsThatAreNotThirtyTwoBytes(int length) {
    assertThrows(IllegalArgumentException.class, () -> ContentKey.ofDigest(new byte[length]));
  }

  @Test
  void base64IsStandardBase64OfTheDigest() throws NoSuchAlgorithmException {
    byte[] digest = MessageDigest.getInstance("SHA-256").digest("abc".getBytes(StandardCharsets.US_ASCII));

    ContentKey key = new ContentKey(ABC);

    assertEquals(Base64.getEncoder().encodeToString(digest), key.base64());
    assertEquals("ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=", key.base64());
  }
}
