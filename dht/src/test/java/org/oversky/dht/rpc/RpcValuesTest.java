package org.oversky.dht.rpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oversky.dht.rpc.RpcFixtures.ALICE;
import static org.oversky.dht.rpc.RpcFixtures.ALICE_KEYS;
import static org.oversky.dht.rpc.RpcFixtures.MALLORY_KEYS;
import static org.oversky.dht.rpc.RpcFixtures.PUBLISHER_KEYS;
import static org.oversky.dht.rpc.RpcFixtures.contacts;
import static org.oversky.dht.rpc.RpcFixtures.id;

import java.net.URI;
import java.security.KeyPairGenerator;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.oversky.dht.id.NodeId;

/** The records refuse values the codec would refuse, so a bad message cannot even be built. */
class RpcValuesTest {
  @ParameterizedTest(name = "{0}")
  @EnumSource(Rpc.class)
  void everyRpcHasAPathUnderDhtV1AndReadsBackFromItsWireName(Rpc rpc) {
    assertEquals("/dht/v1/" + rpc.wireName(), rpc.path());
    assertEquals(Optional.of(rpc), Rpc.ofWireName(rpc.wireName()));
    assertEquals(Optional.empty(), Rpc.ofWireName(rpc.name()));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "ftp://203.0.113.5",
        "/relative",
        "HTTP://203.0.113.5",
        "http://user@203.0.113.5",
        "http://203.0.113.5/?q",
        "http://203.0.113.5/#f",
      })
  void recordsRefuseUrlsAMessageCannotCarry(String url) {
    URI uri = URI.create(url);
    assertThrows(IllegalArgumentException.class, () -> new ContactInfo(id(1), uri));
    assertThrows(IllegalArgumentException.class, () -> new ProviderInfo(id(1), uri, 0));
    assertThrows(IllegalArgumentException.class, () -> new Request.AddProvider(id(1), uri, 0));
    assertThrows(IllegalArgumentException.class, () -> Sender.of(ALICE_KEYS.getPublic(), uri));
  }

  @Test
  void recordsRefuseAUrlLongerThanTheBound() {
    URI longest = URI.create("http://a.example/" + "p".repeat(Urls.MAX_CHARS - 17));
    URI tooLong = URI.create(longest + "p");

    new ContactInfo(id(1), longest);
    assertThrows(IllegalArgumentException.class, () -> new ContactInfo(id(1), tooLong));
  }

  @Test
  void answersListAtMostTwentyContactsAndCopyTheirLists() {
    new Response.Nodes(contacts(Response.MAX_CONTACTS));
    assertThrows(IllegalArgumentException.class, () -> new Response.Nodes(contacts(21)));
    assertThrows(IllegalArgumentException.class, () -> new Response.Providers(List.of(), contacts(21)));
    assertThrows(
        IllegalArgumentException.class, () -> new Response.RecordReply(Optional.empty(), contacts(21)));

    java.util.ArrayList<ContactInfo> list = new java.util.ArrayList<>(contacts(2));
    Response.Nodes nodes = new Response.Nodes(list);
    list.clear();
    assertEquals(2, nodes.nodes().size());
  }

  @Test
  void aSenderWhoseIdIsNotTheHashOfItsKeyCannotBeMade() {
    URI url = URI.create("http://203.0.113.5");
    NodeId malloryId = NodeId.ofPublicKey(MALLORY_KEYS.getPublic());

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new Sender(malloryId, ALICE_KEYS.getPublic(), url));
    assertTrue(e.getMessage().contains("SHA-256"), e.getMessage());
    assertEquals(NodeId.ofPublicKey(ALICE_KEYS.getPublic()), Sender.of(ALICE_KEYS.getPublic(), url).id());
  }

  @Test
  void anIdentityNeedsAnEd25519KeyAndDoesNotPrintItsPrivateKey() throws Exception {
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(1024);
    URI url = URI.create("http://203.0.113.5");

    assertThrows(IllegalArgumentException.class, () -> new NodeIdentity(rsa.generateKeyPair(), url));
    assertFalse(ALICE.toString().contains("Private"), ALICE.toString());
    assertTrue(ALICE.toString().contains(ALICE.sender().id().hex()));
    assertNotEquals(ALICE.sender().id(), NodeIdentity.generate(url).sender().id());
  }

  @Test
  void aSignedRecordVerifiesUntilAnyOfItsPartsChanges() {
    SignedRecord record = SignedRecord.sign(id(1), new byte[] {1, 2, 3}, 1000, PUBLISHER_KEYS);

    assertTrue(record.verifies());
    assertEquals(NodeId.ofPublicKey(PUBLISHER_KEYS.getPublic()), record.publisherId());
    byte[] sig = record.signature();
    assertFalse(new SignedRecord(id(2), record.value(), 1000, record.publisher(), sig).verifies());
    assertFalse(new SignedRecord(id(1), new byte[] {1, 2, 4}, 1000, record.publisher(), sig).verifies());
    assertFalse(new SignedRecord(id(1), record.value(), 1001, record.publisher(), sig).verifies());
    assertFalse(new SignedRecord(id(1), record.value(), 1000, MALLORY_KEYS.getPublic(), sig).verifies());
    byte[] flipped = sig.clone();
    flipped[5] ^= 1;
    assertFalse(new SignedRecord(id(1), record.value(), 1000, record.publisher(), flipped).verifies());
    assertTrue(new SignedRecord(id(1), record.value(), 1000, record.publisher(), sig).verifies(), "verified before: remembered");
  }

  @Test
  void aSignedRecordBoundsItsValueAndCopiesItsArrays() {
    byte[] value = new byte[] {1, 2, 3};
    SignedRecord record = SignedRecord.sign(id(1), value, 1000, PUBLISHER_KEYS);
    value[0] = 9;
    record.value()[1] = 9;

    assertArrayEquals(new byte[] {1, 2, 3}, record.value());
    assertTrue(record.verifies());
    assertEquals(record, SignedRecord.sign(id(1), new byte[] {1, 2, 3}, 1000, PUBLISHER_KEYS));
    assertThrows(
        IllegalArgumentException.class,
        () -> SignedRecord.sign(id(1), new byte[SignedRecord.MAX_VALUE_BYTES + 1], 1000, PUBLISHER_KEYS));
    assertThrows(
        IllegalArgumentException.class,
        () -> new SignedRecord(id(1), value, 1000, PUBLISHER_KEYS.getPublic(), new byte[63]));
    assertThrows(IllegalArgumentException.class, () -> SignedRecord.sign(id(1), value, -1, PUBLISHER_KEYS));
  }

  @Test
  void envelopesCompareBySignatureContentAndCopyIt() {
    byte[] sig = new byte[64];
    Envelope a = new Envelope(1, ALICE.sender(), 5, new Request.Ping(), sig);
    sig[0] = 1;
    Envelope b = new Envelope(1, ALICE.sender(), 5, new Request.Ping(), new byte[64]);

    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
    a.signature()[0] = 7;
    assertTrue(Arrays.equals(new byte[64], a.signature()));
    assertEquals(Rpc.PING, a.rpc());
    assertTrue(a.isRequest());
    assertThrows(IllegalArgumentException.class, () -> new Envelope(0, ALICE.sender(), 5, new Request.Ping(), sig));
    assertThrows(IllegalArgumentException.class, () -> new Envelope(1, ALICE.sender(), -1, new Request.Ping(), sig));
    assertThrows(IllegalArgumentException.class, () -> new Envelope(1, ALICE.sender(), 5, new Request.Ping(), new byte[3]));
  }

  @Test
  void everyPayloadTypeBelongsToOneRpcAndOneDirection() {
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (Payload payload : RpcFixtures.everyPayload()) {
      seen.add(payload.rpc() + "/" + payload.isRequest());
    }
    assertEquals(Rpc.values().length * 2, seen.size());
  }
}
