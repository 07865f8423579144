package org.oversky.gateway.coop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.oversky.conf.ClusterSettings;
import org.oversky.dht.id.NodeId;
import org.oversky.dht.rpc.SignedRecord;

class ClusterTrustTest {
  private static final String URL = "https://www.example.com/a";
  private static final byte[] JSON = "{\"kind\":\"response\"}".getBytes(StandardCharsets.UTF_8);

  private static ClusterTrust trust(String secret, String... trusted) {
    return new ClusterTrust(new ClusterSettings(secret, List.of(trusted), Duration.ofMillis(150), Duration.ofSeconds(2), 3));
  }

  private static KeyPair keys() throws Exception {
    return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
  }

  private static SignedRecord record(ClusterTrust sealer, NodeId key, KeyPair publisher) {
    return SignedRecord.sign(key, sealer.seal(key, JSON), System.currentTimeMillis() + 60_000, publisher);
  }

  @Test
  void aRecordSealedWithTheSecretIsTrustedWhoeverSignedIt() throws Exception {
    ClusterTrust a = trust("s3cret");
    NodeId key = a.urlKey(URL, "");
    Optional<byte[]> opened = trust("s3cret").open(record(a, key, keys()));
    assertArrayEquals(JSON, opened.orElseThrow());
  }

  @Test
  void anotherSecretOrNoneIsNotTrusted() throws Exception {
    ClusterTrust mine = trust("s3cret");
    NodeId key = mine.urlKey(URL, "");
    assertTrue(mine.open(record(trust("other"), key, keys())).isEmpty());
    assertTrue(mine.open(record(trust(""), key, keys())).isEmpty());
  }

  @Test
  void aSealedRecordMovedToAnotherKeyIsNotTrusted() throws Exception {
    ClusterTrust t = trust("s3cret");
    NodeId key = t.urlKey(URL, "");
    NodeId other = t.urlKey(URL + "?x", "");
    byte[] value = t.seal(key, JSON);
    SignedRecord moved = SignedRecord.sign(other, value, System.currentTimeMillis() + 60_000, keys());
    assertTrue(t.open(moved).isEmpty());
  }

  @Test
  void allowListedPublishersAreTrustedWithoutTheSecret() throws Exception {
    KeyPair friend = keys();
    String friendId = NodeId.ofPublicKey(friend.getPublic()).hex();
    ClusterTrust t = trust("", friendId);
    NodeId key = t.urlKey(URL, "");
    assertTrue(t.open(record(t, key, friend)).isPresent());
    assertTrue(t.open(record(t, key, keys())).isEmpty(), "a stranger is not");
  }

  @Test
  void theSecretChangesTheKeysSoOtherClustersWriteElsewhere() {
    NodeId plain = trust("").urlKey(URL, "");
    assertNotEquals(plain, trust("s3cret").urlKey(URL, ""));
    assertNotEquals(trust("one").urlKey(URL, ""), trust("two").urlKey(URL, ""));
    assertEquals(trust("one").urlKey(URL, ""), trust("one").urlKey(URL, ""));
    assertNotEquals(plain, trust("").urlKey(URL, "gzip"), "the variant is part of the key");
  }

  @Test
  void valuesOfAnotherVersionOrTooShortAreNotTrusted() throws Exception {
    ClusterTrust t = trust("s3cret");
    NodeId key = t.urlKey(URL, "");
    byte[] value = t.seal(key, JSON);
    value[0] = 2;
    assertTrue(t.open(SignedRecord.sign(key, value, System.currentTimeMillis() + 60_000, keys())).isEmpty());
    assertTrue(t.open(SignedRecord.sign(key, new byte[] {1, 2, 3}, System.currentTimeMillis() + 60_000, keys())).isEmpty());
  }
}
