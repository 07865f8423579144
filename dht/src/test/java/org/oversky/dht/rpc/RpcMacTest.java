package org.oversky.dht.rpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.oversky.dht.rpc.RpcFixtures.ALICE;
import static org.oversky.dht.rpc.RpcFixtures.ALICE_KEYS;
import static org.oversky.dht.rpc.RpcFixtures.MALLORY;
import static org.oversky.dht.rpc.RpcFixtures.NOW;
import static org.oversky.dht.rpc.RpcFixtures.codec;
import static org.oversky.dht.rpc.RpcFixtures.id;
import static org.oversky.dht.rpc.RpcFixtures.keyPair;
import static org.oversky.dht.rpc.RpcFixtures.text;
import static org.oversky.dht.rpc.RpcRejectedException.Reason.BAD_FIELD;
import static org.oversky.dht.rpc.RpcRejectedException.Reason.BAD_MAC;
import static org.oversky.dht.rpc.RpcRejectedException.Reason.BAD_SIGNATURE;
import static org.oversky.dht.rpc.RpcRejectedException.Reason.NOT_CANONICAL;
import static org.oversky.dht.rpc.RpcRejectedException.Reason.STALE_SESSION;

import java.net.URI;
import java.security.KeyPair;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Messages with a MAC instead of a signature: made for one receiver under the key the two nodes
 * share (X25519 of their run keys, each signed by its node's Ed25519 identity), taken by that
 * receiver only, and by no node once it has a new X25519 key.
 */
class RpcMacTest {
  private static final KeyPair BOB_KEYS = keyPair(11);
  private static final NodeIdentity BOB = new NodeIdentity(BOB_KEYS, URI.create("http://203.0.113.7:8080"));
  private static final NodeIdentity CAROL = new NodeIdentity(keyPair(12), URI.create("http://203.0.113.8:8080"));
  private final RpcCodec codec = codec();

  private RpcRejectedException.Reason rejection(byte[] body, NodeIdentity at) {
    return assertThrows(RpcRejectedException.class, () -> codec.decode(body, at)).reason();
  }

  @Test
  void aMessageSealedForAPeerCarriesAMacThatThePeerTakesAndNoOtherNode() throws RpcRejectedException {
    Request request = new Request.FindNode(id(4));
    byte[] body = codec.encode(ALICE, request, Optional.of(BOB.sender()));
    String text = text(body);
    assertTrue(text.contains(",\"to\":\"") && text.endsWith("\"}") && text.contains(",\"mac\":\""), text);
    assertFalse(text.contains("\"sig\":"), text);

    Envelope taken = codec.decodeRequest(Rpc.FIND_NODE, body, BOB);
    assertTrue(taken.isMac());
    assertEquals(request, taken.payload());
    assertEquals(ALICE.sender(), taken.sender());
    assertArrayEquals(body, codec.encode(taken), "the decoded envelope encodes to the same bytes");

    assertEquals(STALE_SESSION, rejection(body, CAROL), "made for Bob's X25519 key, not Carol's");
    assertEquals(BAD_MAC, rejection(body, null), "only the receiver can check a MAC");
    NodeIdentity bobRestarted = new NodeIdentity(BOB_KEYS, BOB.baseUrl());
    assertEquals(STALE_SESSION, rejection(body, bobRestarted), "Bob has a new X25519 key since he started again");
  }

  @Test
  void bothSidesDeriveTheSameKeyAndTheAnswerGoesBackWithAMacToo() throws RpcRejectedException {
    assertArrayEquals(ALICE.macKey(BOB.sender().dh().orElseThrow(), BOB.sender().id()),
        BOB.macKey(ALICE.sender().dh().orElseThrow(), ALICE.sender().id()));
    Envelope request = codec.decodeRequest(Rpc.PING, codec.encode(ALICE, new Request.Ping(), Optional.of(BOB.sender())), BOB);
    byte[] answer = codec.encode(BOB, new Response.Pong(), Optional.of(request.sender()));
    assertTrue(codec.decodeResponse(Rpc.PING, answer, ALICE).isMac());
  }

  @Test
  void aChangedByteOfTheMessageBreaksTheMac() {
    byte[] body = codec.encode(ALICE, new Request.FindNode(id(4)), Optional.of(BOB.sender()));
    String text = text(body);
    int start = text.indexOf("\"payload\":");
    int end = text.indexOf(",\"mac\":");
    int macs = 0;
    for (int i = start; i < end; i++) {
      byte[] tampered = body.clone();
      tampered[i] = (byte) (tampered[i] == 'a' ? 'b' : tampered[i] == '0' ? '1' : tampered[i]);
      if (tampered[i] == body[i]) {
        continue;
      }
      RpcRejectedException.Reason reason = rejection(tampered, BOB);
      // a member name changed is a bad field; a hex digit of the MAC'd bytes, a bad MAC
      assertTrue(reason == BAD_MAC || reason == STALE_SESSION || reason == NOT_CANONICAL || reason == BAD_FIELD, "byte " + i + ": " + reason);
      macs += reason == BAD_MAC ? 1 : 0;
    }
    assertTrue(macs > 0, text);
  }

  @Test
  void anX25519KeyTheSendersIdentityDidNotSignIsRefused() {
    // Mallory sends as Alice with her own X25519 key: she could compute a MAC with it, but
    // Alice's Ed25519 key never signed it
    Sender aliceWithMallorysKey = new Sender(ALICE.sender().id(), ALICE_KEYS.getPublic(), ALICE.baseUrl(), MALLORY.sender().dh());
    byte[] mac = NodeIdentity.hmac(MALLORY.macKey(BOB.sender().dh().orElseThrow(), ALICE.sender().id()), new byte[] {1});
    Envelope forged = new Envelope(1, aliceWithMallorysKey, NOW, new Request.Ping(), mac, BOB.sender().dh().orElseThrow().publicKey());

    assertEquals(BAD_SIGNATURE, rejection(codec.encode(forged), BOB));
  }

  @Test
  void anX25519KeyOfSmallOrderIsRefusedAndNeverUsed() throws RpcRejectedException {
    // a key whose agreement is the same for everyone (u = 0): Mallory signs it with her own identity
    byte[] zero = new byte[DhKey.KEY_BYTES];
    Sender mallory = new Sender(MALLORY.sender().id(), MALLORY.sender().publicKey(), MALLORY.baseUrl(),
        Optional.of(new DhKey(zero, Ed25519.sign(RpcFixtures.MALLORY_KEYS.getPrivate(), DhKey.signedBytes(zero)))));
    Envelope forged = new Envelope(1, mallory, NOW, new Request.Ping(), new byte[RpcCodec.MAC_BYTES], BOB.sender().dh().orElseThrow().publicKey());

    assertEquals(RpcRejectedException.Reason.BAD_KEY, rejection(codec.encode(forged), BOB));
    assertFalse(codec.seal(BOB, new Response.Pong(), Optional.of(mallory)).isMac(), "an answer to it is signed");
  }

  @Test
  void aPeerWithoutAnX25519KeyIsSentSignedMessages() throws RpcRejectedException {
    Sender legacy = Sender.of(BOB_KEYS.getPublic(), BOB.baseUrl());
    Envelope sealed = codec.seal(ALICE, new Request.Ping(), Optional.of(legacy));
    assertFalse(sealed.isMac());
    assertEquals(ALICE.sender(), codec.decode(codec.encode(sealed)).sender(), "a signed message: any node checks it");
  }
}
