package org.oversky.dht.id;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.interfaces.EdECPublicKey;
import java.security.spec.NamedParameterSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class NodeIdTest {
  /** SHA-256 of "abc" (FIPS 180-2 test vector): a content key, which lives in the same space. */
  private static final String ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

  private final SplittableRandom random = new SplittableRandom(42);

  @Test
  void hexRoundTripsThroughBytesAndWords() throws Exception {
    NodeId id = NodeId.ofHex(ABC);
    byte[] digest = MessageDigest.getInstance("SHA-256").digest("abc".getBytes(StandardCharsets.US_ASCII));

    assertEquals(ABC, id.hex());
    assertEquals(ABC, id.toString());
    assertArrayEquals(digest, id.bytes());
    assertEquals(id, NodeId.ofBytes(digest));
    assertEquals(0xba7816bf8f01cfeaL, id.w0());
    assertEquals(0xb410ff61f20015adL, id.w3());
  }

  @Test
  void randomIdsRoundTripThroughHex() {
    for (int i = 0; i < 1000; i++) {
      NodeId id = NodeId.random(random);
      assertEquals(id, NodeId.ofHex(id.hex()));
      assertEquals(id, NodeId.ofBytes(id.bytes()));
    }
  }

  @ParameterizedTest(name = "''{0}''")
  @NullAndEmptySource
  @ValueSource(
      strings = {
        "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", // uppercase
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a", // 63
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad0", // 65
        "ga7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", // 'g'
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a ", // space
        "0xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015" // prefix
      })
  void refusesAnythingButSixtyFourLowercaseHexDigits(String text) {
    assertFalse(NodeId.isWellFormed(text));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NodeId.ofHex(text));
    assertTrue(e.getMessage().contains("64 lowercase hex digits"), e.getMessage());
  }

  @Test
  void errorForHugeInputQuotesOnlyItsStart() {
    String huge = "a".repeat(100_000);

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NodeId.ofHex(huge));

    assertTrue(e.getMessage().length() < 300, e.getMessage());
    assertTrue(e.getMessage().contains("100000 chars"), e.getMessage());
  }

  @ParameterizedTest(name = "{0} bytes")
  @ValueSource(ints = {0, 20, 31, 33, 64})
  void ofBytesRefusesAnythingButThirtyTwoBytes(int length) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> NodeId.ofBytes(new byte[length]));
    assertTrue(e.getMessage().contains("32 bytes, got " + length), e.getMessage());
  }

  @Test
  void distanceIsZeroExactlyForTheSameId() {
    NodeId zero = new NodeId(0, 0, 0, 0);
    for (int i = 0; i < 1000; i++) {
      NodeId a = NodeId.random(random);
      NodeId b = NodeId.random(random);
      assertEquals(zero, a.xor(a));
      assertNotEquals(zero, a.xor(b));
      assertEquals(0, a.compareDistance(a, a));
      assertTrue(a.compareDistance(a, b) < 0, "an id is closer to itself than to any other");
    }
  }

  @Test
  void distanceIsSymmetric() {
    for (int i = 0; i < 1000; i++) {
      NodeId a = NodeId.random(random);
      NodeId b = NodeId.random(random);
      assertEquals(a.xor(b), b.xor(a));
    }
  }

  @Test
  void distancesComposeByXorAndObeyTheTriangleInequality() {
    for (int i = 0; i < 1000; i++) {
      NodeId a = NodeId.random(random);
      NodeId b = NodeId.random(random);
      NodeId c = NodeId.random(random);
      assertEquals(a.xor(c), a.xor(b).xor(b.xor(c)));
      BigInteger ab = number(a.xor(b));
      BigInteger bc = number(b.xor(c));
      BigInteger ac = number(a.xor(c));
      assertTrue(ac.compareTo(ab.add(bc)) <= 0, "d(a,c) <= d(a,b) + d(b,c)");
    }
  }

  @Test
  void compareDistanceAgreesWithTheNumericXorDistance() {
    for (int i = 0; i < 5000; i++) {
      NodeId target = NodeId.random(random);
      NodeId a = NodeId.random(random);
      // Often share leading words with a, so the later words decide.
      NodeId b = i % 2 == 0 ? NodeId.random(random) : new NodeId(a.w0(), a.w1(), random.nextLong(), random.nextLong());
      int expected = number(a.xor(target)).compareTo(number(b.xor(target)));
      assertEquals(Integer.signum(expected), Integer.signum(target.compareDistance(a, b)));
      assertEquals(Integer.signum(expected), Integer.signum(target.closestFirst().compare(a, b)));
    }
  }

  @Test
  void distancesFromOnePointNeverTieSoTheClosestIsUnique() {
    NodeId target = NodeId.random(random);
    List<NodeId> ids = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      ids.add(NodeId.random(random));
    }
    // Near neighbours of the target, which differ only in low bits.
    for (int bit = 200; bit < 256; bit++) {
      ids.add(flip(target, bit));
    }

    ids.sort(target.closestFirst());

    for (int i = 1; i < ids.size(); i++) {
      assertTrue(target.compareDistance(ids.get(i - 1), ids.get(i)) < 0, "strictly ordered at " + i);
    }
    assertEquals(flip(target, 255), ids.getFirst());
  }

  @Test
  void compareToIsUnsignedNumericOrder() {
    NodeId high = NodeId.ofHex("8" + "0".repeat(63));
    NodeId low = NodeId.ofHex("7" + "f".repeat(63));
    assertTrue(high.compareTo(low) > 0);
    for (int i = 0; i < 1000; i++) {
      NodeId a = NodeId.random(random);
      NodeId b = NodeId.random(random);
      assertEquals(Integer.signum(number(a).compareTo(number(b))), Integer.signum(a.compareTo(b)));
    }
  }

  @Test
  void commonPrefixLengthOfAnIdWithItselfIsAllBits() {
    NodeId a = NodeId.random(random);
    assertEquals(NodeId.BITS, a.commonPrefixLength(a));
  }

  @Test
  void commonPrefixLengthIsTheIndexOfTheFirstDifferingBit() {
    NodeId a = NodeId.random(random);
    for (int bit = 0; bit < NodeId.BITS; bit++) {
      NodeId b = flip(a, bit);
      assertEquals(bit, a.commonPrefixLength(b), "bit " + bit);
      assertEquals(bit, b.commonPrefixLength(a), "bit " + bit);
      assertNotEquals(a.testBit(bit), b.testBit(bit));
    }
  }

  @Test
  void commonPrefixLengthCountsTheLeadingZerosOfTheDistance() {
    for (int i = 0; i < 1000; i++) {
      NodeId a = NodeId.random(random);
      NodeId b = flip(a, random.nextInt(NodeId.BITS));
      NodeId c = i % 2 == 0 ? NodeId.random(random) : b;
      assertEquals(NodeId.BITS - number(a.xor(c)).bitLength(), a.commonPrefixLength(c));
    }
  }

  @Test
  void testBitReadsMostSignificantFirst() {
    NodeId id = NodeId.ofHex("8" + "0".repeat(62) + "1");
    assertTrue(id.testBit(0));
    assertFalse(id.testBit(1));
    assertTrue(id.testBit(255));
    assertThrows(IndexOutOfBoundsException.class, () -> id.testBit(256));
  }

  @Test
  void idOfAnEd25519KeyIsTheSha256OfItsRawKey() throws Exception {
    PublicKey key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic();
    byte[] raw = rawFromPoint((EdECPublicKey) key);

    NodeId id = NodeId.ofPublicKey(key);

    assertArrayEquals(raw, NodeId.rawEd25519(key));
    assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(raw), id.bytes());
    assertEquals(id, NodeId.ofRawPublicKey(raw));
    assertNotEquals(
        NodeId.ofBytes(MessageDigest.getInstance("SHA-256").digest(key.getEncoded())),
        id,
        "the id hashes the raw key, not its X.509 encoding");
  }

  @Test
  void idOfAnEd25519KeyFromTheGenericEdDsaGeneratorIsTheSame() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EdDSA");
    generator.initialize(NamedParameterSpec.ED25519);
    PublicKey key = generator.generateKeyPair().getPublic();

    assertEquals(NodeId.ofRawPublicKey(rawFromPoint((EdECPublicKey) key)), NodeId.ofPublicKey(key));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"Ed448", "EC", "RSA"})
  void ofPublicKeyRefusesKeysThatAreNotEd25519(String algorithm) throws Exception {
    PublicKey key = KeyPairGenerator.getInstance(algorithm).generateKeyPair().getPublic();

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NodeId.ofPublicKey(key));

    assertTrue(e.getMessage().contains("Ed25519"), e.getMessage());
    assertTrue(e.getMessage().contains(key.getAlgorithm()), e.getMessage());
  }

  @ParameterizedTest(name = "{0} bytes")
  @ValueSource(ints = {0, 31, 33, 44})
  void ofRawPublicKeyRefusesAnythingButThirtyTwoBytes(int length) {
    assertThrows(IllegalArgumentException.class, () -> NodeId.ofRawPublicKey(new byte[length]));
  }

  /** RFC 8032 encoding, derived from the point rather than the X.509 bytes: y little-endian, x's parity in the top bit. */
  private static byte[] rawFromPoint(EdECPublicKey key) {
    byte[] bigEndian = key.getPoint().getY().toByteArray();
    byte[] raw = new byte[32];
    for (int i = 0; i < bigEndian.length && i < 32; i++) {
      raw[i] = bigEndian[bigEndian.length - 1 - i];
    }
    if (key.getPoint().isXOdd()) {
      raw[31] |= (byte) 0x80;
    }
    return raw;
  }

  private static BigInteger number(NodeId id) {
    return new BigInteger(1, id.bytes());
  }

  private static NodeId flip(NodeId id, int bit) {
    byte[] bytes = id.bytes();
    bytes[bit / 8] ^= (byte) (0x80 >>> (bit % 8));
    return NodeId.ofBytes(bytes);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 7, 63, 64, 65, 128, 200, 255, 256})
  void thePrefixRangeHoldsExactlyTheIdsSharingThePrefix(int bits) {
    SplittableRandom random = new SplittableRandom(bits);
    NodeId id = NodeId.random(random);
    NodeId low = id.lowestWithPrefix(bits);
    NodeId high = id.highestWithPrefix(bits);
    assertTrue(low.compareTo(id) <= 0 && id.compareTo(high) <= 0);
    assertTrue(low.commonPrefixLength(id) >= bits && high.commonPrefixLength(id) >= bits);
    // the ids just outside the range share fewer bits
    if (bits > 0 && !low.equals(new NodeId(0, 0, 0, 0))) {
      BigInteger justBelow = new BigInteger(1, low.bytes()).subtract(BigInteger.ONE).add(BigInteger.ONE.shiftLeft(256));
      NodeId below = NodeId.ofBytes(java.util.Arrays.copyOfRange(justBelow.toByteArray(), 1, 33)); // 256 bits, no sign byte
      assertTrue(below.commonPrefixLength(id) < bits, "below the range: " + below);
    }
    for (int i = 0; i < 1000; i++) {
      NodeId other = NodeId.random(random);
      boolean shares = other.commonPrefixLength(id) >= bits;
      boolean inRange = low.compareTo(other) <= 0 && other.compareTo(high) <= 0;
      assertEquals(shares, inRange, other.toString());
    }
    assertThrows(IllegalArgumentException.class, () -> id.lowestWithPrefix(257));
  }
}
