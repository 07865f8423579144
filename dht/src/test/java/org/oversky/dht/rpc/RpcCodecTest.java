package org.oversky.dht.rpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.oversky.dht.rpc.RpcFixtures.ALICE;
import static org.oversky.dht.rpc.RpcFixtures.ALICE_KEYS;
import static org.oversky.dht.rpc.RpcFixtures.MALLORY;
import static org.oversky.dht.rpc.RpcFixtures.MALLORY_KEYS;
import static org.oversky.dht.rpc.RpcFixtures.NOW;
import static org.oversky.dht.rpc.RpcFixtures.bytes;
import static org.oversky.dht.rpc.RpcFixtures.codec;
import static org.oversky.dht.rpc.RpcFixtures.codecAt;
import static org.oversky.dht.rpc.RpcFixtures.contacts;
import static org.oversky.dht.rpc.RpcFixtures.id;
import static org.oversky.dht.rpc.RpcFixtures.signRaw;
import static org.oversky.dht.rpc.RpcFixtures.text;
import static org.oversky.dht.rpc.RpcFixtures.unsigned;
import static org.oversky.dht.rpc.RpcRejectedException.Reason.BAD_FIELD;
import static org.oversky.dht.rpc.RpcRejectedException.Reason.BAD_HEX;
import static org.oversky.dht.rpc.RpcRejectedException.Reason.BAD_KEY;
import static org.oversky.dht.rpc.RpcRejectedException.Reason.BAD_RECORD_SIGNATURE;
import static org.oversky.dht.rpc.RpcRejectedException.Reason.BAD_SIGNATURE;
import static org.oversky.dht.rpc.RpcRejectedException.Reason.BAD_URL;
import static org.oversky.dht.rpc.RpcRejectedException.Reason.BODY_TOO_LARGE;
import static org.oversky.dht.rpc.RpcRejectedException.Reason.FUTURE_TIMESTAMP;
import static org.oversky.dht.rpc.RpcRejectedException.Reason.ID_MISMATCH;
import static org.oversky.dht.rpc.RpcRejectedException.Reason.MALFORMED_JSON;
import static org.oversky.dht.rpc.RpcRejectedException.Reason.NOT_CANONICAL;
import static org.oversky.dht.rpc.RpcRejectedException.Reason.STALE_TIMESTAMP;
import static org.oversky.dht.rpc.RpcRejectedException.Reason.TOO_LONG;
import static org.oversky.dht.rpc.RpcRejectedException.Reason.UNEXPECTED_MESSAGE;
import static org.oversky.dht.rpc.RpcRejectedException.Reason.UNKNOWN_RPC;
import static org.oversky.dht.rpc.RpcRejectedException.Reason.UNSUPPORTED_VERSION;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.oversky.dht.id.NodeId;

class RpcCodecTest {
  private final RpcCodec codec = codec();

  static List<Payload> everyPayload() {
    return RpcFixtures.everyPayload();
  }

  private static RpcRejectedException.Reason rejection(RpcCodec codec, byte[] body) {
    RpcRejectedException e = assertThrows(RpcRejectedException.class, () -> codec.decode(body));
    assertTrue(e.getMessage().length() > e.reason().name().length() + 10, e.getMessage());
    return e.reason();
  }

  private RpcRejectedException.Reason rejection(byte[] body) {
    return rejection(codec, body);
  }

  private String unsignedFindNode() {
    return unsigned(codec.encode(ALICE, new Request.FindNode(id(4))));
  }

  // --- round trips ---

  @ParameterizedTest(name = "{0}")
  @MethodSource("everyPayload")
  void everyMessageTypeRoundTripsToTheSameBytes(Payload payload) throws RpcRejectedException {
    Envelope sent = codec.sign(ALICE, payload);
    byte[] body = codec.encode(sent);

    Envelope received = codec.decode(body);

    assertEquals(sent, received);
    assertEquals(ALICE.sender(), received.sender());
    assertEquals(payload, received.payload());
    assertEquals(NOW, received.timestampMillis());
    assertArrayEquals(body, codec.encode(received));
    Envelope checked =
        payload.isRequest()
            ? codec.decodeRequest(payload.rpc(), body)
            : codec.decodeResponse(payload.rpc(), body);
    assertEquals(sent, checked);
  }

  @Test
  void decodeRequestRefusesAnotherRpcOrAnAnswer() {
    byte[] findNode = codec.encode(ALICE, new Request.FindNode(id(4)));
    byte[] pong = codec.encode(ALICE, new Response.Pong());

    assertEquals(
        UNEXPECTED_MESSAGE,
        assertThrows(RpcRejectedException.class, () -> codec.decodeRequest(Rpc.PING, findNode)).reason());
    assertEquals(
        UNEXPECTED_MESSAGE,
        assertThrows(RpcRejectedException.class, () -> codec.decodeRequest(Rpc.PING, pong)).reason());
    assertEquals(
        UNEXPECTED_MESSAGE,
        assertThrows(RpcRejectedException.class, () -> codec.decodeResponse(Rpc.FIND_NODE, findNode))
            .reason());
  }

  @Test
  void theSignatureCoversExactlyTheBodyWithoutItsSigMember() {
    byte[] body = codec.encode(ALICE, new Request.Ping());
    String text = text(body);

    String signed = unsigned(body);

    assertTrue(text.startsWith(signed.substring(0, signed.length() - 1)), text);
    byte[] sig = HexFormat.of().parseHex(text.substring(text.length() - 130, text.length() - 2));
    assertTrue(Ed25519.verify(ALICE_KEYS.getPublic(), bytes(signed), sig));
    assertTrue(text.endsWith(",\"sig\":\"" + HexFormat.of().formatHex(sig) + "\"}"), text);
  }

  @Test
  void theSampleInTheCodecsDocumentationIsAValidMessage() throws RpcRejectedException {
    String sample =
        """
        {"v":1,"rpc":"find_node","kind":"request",
         "sender":{"id":"25204ab6b4f9676489504e2f5889a5a29ecef52264f47bbd1dd76406c7cbc026",
                   "key":"8cf4e5af7fcf22d6bde333d8e42c08b1a15b6681e8feebf0c1a8a6498c353f56",
                   "url":"http://203.0.113.5:8080"},
         "ts":1700000000000,
         "payload":{"target":"6e73e372e2338acae474c66a4b98b030dbef19fc8e7b845f7de4eb0c26f3f89e"},
         "sig":"b632e506773291747a17fffbb2bc9cc1881786069a4aa7ed7d76e1a168e5b457
                9dbc426caa2e380094651513b5b1abaad1abb645975cf98cac9bac7fff42f303"}
        """.replaceAll("\\s", "");

    Envelope decoded = codec.decodeRequest(Rpc.FIND_NODE, bytes(sample));

    assertEquals(Sender.of(ALICE_KEYS.getPublic(), ALICE.baseUrl()), decoded.sender(), "a sender without an X25519 key: signed messages only");
    assertEquals(new Request.FindNode(id(4)), decoded.payload());
    assertEquals(474, sample.length());
  }

  // --- signatures and identities ---

  @ParameterizedTest(name = "{0}")
  @MethodSource("everyPayload")
  void everyAlteredByteOfThePayloadIsRejectedAndHexChangesBreakTheSignature(Payload payload) {
    byte[] body = codec.encode(ALICE, payload);
    String text = text(body);
    int start = text.indexOf("\"payload\":");
    int end = text.lastIndexOf(",\"sig\":");
    boolean[] inHexString = new boolean[body.length];
    Matcher hex = Pattern.compile("\"([0-9a-f]{64}|[0-9a-f]{128})\"").matcher(text);
    while (hex.find()) {
      Arrays.fill(inHexString, hex.start(1), hex.end(1), true);
    }
    int badSignatures = 0;
    for (int i = start; i < end; i++) {
      byte[] tampered = body.clone();
      tampered[i] ^= 1;
      RpcRejectedException.Reason reason = rejection(tampered);
      byte c = tampered[i];
      boolean stillHex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
      if (inHexString[i] && stillHex) {
        // the envelope's signature is checked before a carried record's; a changed publisher key
        // may also not be a point at all
        assertTrue(reason == BAD_SIGNATURE || reason == BAD_KEY, "byte " + i + " of " + text + ": " + reason);
        badSignatures += reason == BAD_SIGNATURE ? 1 : 0;
      }
    }
    if (text.substring(start, end).matches(".*[0-9a-f]{64}.*")) {
      assertTrue(badSignatures > 0, text);
    }
  }

  @Test
  void aPayloadTimestampOrUrlSwappedUnderTheOriginalSignatureIsRejected() {
    Envelope sent = codec.sign(ALICE, new Request.FindNode(id(4)));
    byte[] sig = sent.signature();
    Sender movedAlice = Sender.of(ALICE_KEYS.getPublic(), URI.create("http://203.0.113.66:8080"));

    List<Envelope> forged =
        List.of(
            new Envelope(1, sent.sender(), NOW, new Request.FindNode(id(5)), sig),
            new Envelope(1, sent.sender(), NOW, new Request.GetProviders(id(4)), sig),
            new Envelope(1, sent.sender(), NOW - 1, sent.payload(), sig),
            new Envelope(1, movedAlice, NOW, sent.payload(), sig));

    for (Envelope envelope : forged) {
      assertEquals(BAD_SIGNATURE, rejection(codec.encode(envelope)), envelope.toString());
    }
  }

  @Test
  void aSignatureByAnotherKeyIsRejected() {
    Envelope byMallory = codec.sign(MALLORY, new Request.Ping());
    Envelope claimingAlice = new Envelope(1, ALICE.sender(), NOW, new Request.Ping(), byMallory.signature());

    assertEquals(BAD_SIGNATURE, rejection(codec.encode(claimingAlice)));
  }

  @Test
  void anIdThatIsNotTheHashOfTheKeyIsRejectedEvenWhenTheKeySigned() {
    String unsigned = unsigned(codec.encode(MALLORY, new Request.Ping()));
    String claimingAlicesId = unsigned.replace(MALLORY.sender().id().hex(), ALICE.sender().id().hex());

    assertEquals(ID_MISMATCH, rejection(signRaw(claimingAlicesId, MALLORY_KEYS)));
  }

  @Test
  void aKeyThatIsNotAValidPointIsRejectedWithoutAnyOtherException() {
    byte[] raw = new byte[32];
    Arrays.fill(raw, (byte) 0xff); // y >= p: no Ed25519 point encodes this way
    String unsigned = unsigned(codec.encode(ALICE, new Request.Ping()))
        .replace(HexFormat.of().formatHex(ALICE.sender().rawPublicKey()), HexFormat.of().formatHex(raw))
        .replace(ALICE.sender().id().hex(), NodeId.ofRawPublicKey(raw).hex());

    RpcRejectedException.Reason reason = rejection(signRaw(unsigned, ALICE_KEYS));

    assertTrue(reason == BAD_KEY || reason == BAD_SIGNATURE, reason.toString());
  }

  @Test
  void aRecordWhosePublisherSignatureFailsIsRejected() {
    SignedRecord honest = RpcFixtures.record(bytes("one"));
    SignedRecord forged =
        new SignedRecord(honest.key(), bytes("two"), honest.expiresAt(), honest.publisher(), honest.signature());

    assertEquals(BAD_RECORD_SIGNATURE, rejection(codec.encode(ALICE, new Request.PutRecord(forged))));
    assertEquals(
        BAD_RECORD_SIGNATURE,
        rejection(codec.encode(ALICE, new Response.RecordReply(Optional.of(forged), List.of()))));
  }

  // --- timestamps ---

  @Test
  void timestampsWithinTheSkewEitherWayAreAccepted() throws RpcRejectedException {
    long skew = RpcCodec.DEFAULT_MAX_CLOCK_SKEW.toMillis();

    codec.decode(codecAt(-skew).encode(ALICE, new Request.Ping()));
    codec.decode(codecAt(skew).encode(ALICE, new Request.Ping()));
  }

  @Test
  void aTimestampOlderThanTheSkewIsStale() {
    byte[] old = codecAt(-60_001).encode(ALICE, new Request.Ping());

    assertEquals(STALE_TIMESTAMP, rejection(old));
    assertEquals(STALE_TIMESTAMP, rejection(codecAt(-NOW).encode(ALICE, new Request.Ping())));
  }

  @Test
  void aTimestampFurtherAheadThanTheSkewIsInTheFuture() {
    byte[] ahead = codecAt(60_001).encode(ALICE, new Request.Ping());

    assertEquals(FUTURE_TIMESTAMP, rejection(ahead));
  }

  @Test
  void theSkewIsConfigurable() throws RpcRejectedException {
    byte[] sixSecondsOld = codecAt(-6_000).encode(ALICE, new Request.Ping());

    assertEquals(STALE_TIMESTAMP, rejection(codec(Duration.ofSeconds(5)), sixSecondsOld));
    codec(Duration.ofSeconds(6)).decode(sixSecondsOld);
    assertThrows(IllegalArgumentException.class, () -> codec(Duration.ofSeconds(-1)));
    assertThrows(IllegalArgumentException.class, () -> codec(Duration.ofDays(2)));
  }

  // --- bounds ---

  @Test
  void aBodyOverTheSizeBoundIsRejectedBeforeParsing() {
    byte[] huge = new byte[RpcCodec.MAX_BODY_BYTES + 1];
    Arrays.fill(huge, (byte) '[');

    assertEquals(BODY_TOO_LARGE, rejection(huge));
  }

  @Test
  void listsOverTheirBoundAreRejected() {
    String extra = "{\"id\":\"" + id(99).hex() + "\",\"url\":\"http://198.51.100.99\"},";
    String nodes = unsigned(codec.encode(ALICE, new Response.Nodes(contacts(20))));
    String providers =
        unsigned(codec.encode(ALICE, new Response.Providers(List.of(), contacts(20))));
    String provider = "{\"id\":\"" + id(98).hex() + "\",\"url\":\"http://192.0.2.1\",\"expires\":1},";
    String twentyOneProviders = "\"providers\":[" + provider.repeat(20) + provider.substring(0, provider.length() - 1) + "]";

    assertEquals(TOO_LONG, rejection(signRaw(nodes.replace("\"nodes\":[", "\"nodes\":[" + extra), ALICE_KEYS)));
    assertEquals(TOO_LONG, rejection(signRaw(providers.replace("\"closer\":[", "\"closer\":[" + extra), ALICE_KEYS)));
    assertEquals(TOO_LONG, rejection(signRaw(providers.replace("\"providers\":[]", twentyOneProviders), ALICE_KEYS)));
  }

  @Test
  void anAnnouncementOfManyKeysNamesOneToTheMostKeysEachOnce() {
    String two = unsigned(codec.encode(ALICE, new Request.AddProviders(List.of(id(1), id(2)), URI.create("http://a.example/p"), NOW)));
    String keys = "\"keys\":[\"" + id(1).hex() + "\",\"" + id(2).hex() + "\"]";
    assertTrue(two.contains(keys), two);
    StringBuilder tooMany = new StringBuilder("\"keys\":[");
    for (int i = 0; i <= Request.AddProviders.MAX_KEYS; i++) {
      tooMany.append(i == 0 ? "" : ",").append('"').append(id(1000 + i).hex()).append('"');
    }
    tooMany.append(']');

    assertEquals(BAD_FIELD, rejection(signRaw(two.replace(keys, "\"keys\":[]"), ALICE_KEYS)));
    assertEquals(TOO_LONG, rejection(signRaw(two.replace(keys, tooMany.toString()), ALICE_KEYS)));
    assertEquals(BAD_FIELD, rejection(signRaw(two.replace(id(2).hex(), id(1).hex()), ALICE_KEYS)), "a key twice");
    assertEquals(BAD_HEX, rejection(signRaw(two.replace(id(2).hex(), id(2).hex().toUpperCase(java.util.Locale.ROOT)), ALICE_KEYS)));
    assertEquals(BAD_HEX, rejection(signRaw(two.replace("\"" + id(2).hex() + "\"", "7"), ALICE_KEYS)));
  }

  @Test
  void stringsOverTheirBoundAreRejected() {
    String unsigned = unsigned(codec.encode(ALICE, new Request.AddProvider(id(5), URI.create("http://a.example/p"), NOW)));
    String longUrl = "http://a.example/" + "p".repeat(Urls.MAX_CHARS);
    String longRpc = "find_node".repeat(4);
    String record = unsigned(codec.encode(ALICE, new Request.PutRecord(RpcFixtures.record(new byte[1]))));
    String longValue = "A".repeat(4 * (SignedRecord.MAX_VALUE_BYTES / 3 + 2));

    assertEquals(TOO_LONG, rejection(signRaw(unsigned.replace("http://a.example/p", longUrl), ALICE_KEYS)));
    assertEquals(TOO_LONG, rejection(signRaw(unsigned.replace("add_provider", longRpc), ALICE_KEYS)));
    assertEquals(TOO_LONG, rejection(signRaw(record.replace("\"value\":\"AA==\"", "\"value\":\"" + longValue + "\""), ALICE_KEYS)));
  }

  @Test
  void theLargestLegalMessagesFitTheBodyBound() throws RpcRejectedException {
    String path = "/" + "p".repeat(Urls.MAX_CHARS - "https://node.example:65535/".length());
    URI longUrl = URI.create("https://node.example:65535" + path);
    NodeIdentity longSender = new NodeIdentity(ALICE_KEYS, longUrl);
    List<ContactInfo> closer = new ArrayList<>();
    List<ProviderInfo> providers = new ArrayList<>();
    for (int i = 0; i < Response.MAX_CONTACTS; i++) {
      closer.add(new ContactInfo(id(i), longUrl));
      providers.add(new ProviderInfo(id(i), longUrl, Long.MAX_VALUE));
    }
    SignedRecord largest = RpcFixtures.record(new byte[SignedRecord.MAX_VALUE_BYTES]);

    List<NodeId> keys = new ArrayList<>();
    for (int i = 0; i < Request.AddProviders.MAX_KEYS; i++) {
      keys.add(id(1000 + i));
    }

    List<Request.HandOver.Entry> handed = new ArrayList<>();
    for (int i = 0; i < Request.HandOver.MAX_ENTRIES; i++) {
      handed.add(new Request.HandOver.Entry(id(2000 + i), new ProviderInfo(id(3000 + i), longUrl, Long.MAX_VALUE)));
    }

    for (Payload payload :
        List.of(
            new Request.AddProviders(keys, longUrl, Long.MAX_VALUE),
            new Request.HandOver(handed),
            new Response.Providers(providers, closer),
            new Response.RecordReply(Optional.of(largest), closer),
            new Request.PutRecord(largest),
            new Response.Nodes(closer))) {
      byte[] body = codec.encode(longSender, payload);
      assertTrue(body.length <= RpcCodec.MAX_BODY_BYTES, payload.rpc() + ": " + body.length);
      assertEquals(payload, codec.decode(body).payload());
    }
  }

  // --- malformed input ---

  @ParameterizedTest(name = "[{index}] ''{0}''")
  @ValueSource(
      strings = {
        "",
        " ",
        "{",
        "[]",
        "null",
        "\"text\"",
        "42",
        "{\"v\":1}{}",
        "{\"v\":1,\"v\":1}",
        "{'v':1}",
        "{\"v\":1,}",
        "{\"v\":01}",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
      })
  void malformedJsonIsRejected(String body) {
    assertEquals(MALFORMED_JSON, rejection(bytes(body)));
  }

  @Test
  void invalidUtf8IsRejected() {
    byte[] body = codec.encode(ALICE, new Request.Ping());
    int url = text(body).indexOf("203.0.113.5");
    body[url] = (byte) 0xc3; // a lead byte followed by ASCII
    assertEquals(MALFORMED_JSON, rejection(body));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"upper", "short", "long", "nonhex", "number"})
  void badHexIsRejected(String how) {
    String unsigned = unsignedFindNode();
    String target = id(4).hex();
    String bad =
        switch (how) {
          case "upper" -> target.toUpperCase(java.util.Locale.ROOT);
          case "short" -> target.substring(2);
          case "long" -> target + "00";
          case "nonhex" -> "g" + target.substring(1);
          default -> null;
        };
    String edited =
        bad == null
            ? unsigned.replace("\"" + target + "\"", "12345")
            : unsigned.replace(target, bad);

    assertEquals(BAD_HEX, rejection(signRaw(edited, ALICE_KEYS)));
  }

  @Test
  void badHexInTheSenderOrSignatureIsRejected() {
    byte[] body = codec.encode(ALICE, new Request.Ping());
    String text = text(body);
    String key = HexFormat.of().formatHex(ALICE.sender().rawPublicKey());
    String sig = text.substring(text.lastIndexOf(':') + 2, text.length() - 2);

    assertEquals(BAD_HEX, rejection(bytes(text.replace(ALICE.sender().id().hex(), ALICE.sender().id().hex().toUpperCase(java.util.Locale.ROOT)))));
    assertEquals(BAD_HEX, rejection(bytes(text.replace(key, key.substring(1)))));
    assertEquals(BAD_HEX, rejection(bytes(text.replace(sig, sig.substring(0, 127) + "x"))));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "ftp://203.0.113.5",
        "file:///etc/passwd",
        "/dht/v1",
        "node.example:8080",
        "http:opaque",
        "HTTP://203.0.113.5",
        "http://user@203.0.113.5",
        "http://203.0.113.5/?q=1",
        "http://203.0.113.5/#top",
        "http://203.0.113.5/a b",
        "javascript:alert(1)",
      })
  void urlsThatAreNotHttpBaseUrlsAreRejected(String url) {
    String json = url.replace("\\", "\\\\").replace("\"", "\\\"");
    String sender = unsigned(codec.encode(ALICE, new Request.Ping())).replace("http://203.0.113.5:8080", json);
    String provider =
        unsigned(codec.encode(ALICE, new Request.AddProvider(id(5), URI.create("http://p.example"), NOW)))
            .replace("http://p.example", json);

    assertEquals(BAD_URL, rejection(signRaw(sender, ALICE_KEYS)));
    assertEquals(BAD_URL, rejection(signRaw(provider, ALICE_KEYS)));
  }

  @ParameterizedTest(name = "[{index}] ''{0}''")
  @ValueSource(strings = {"store", "PING", "find-node", ""})
  void anUnknownRpcIsRejected(String rpc) {
    String edited = unsigned(codec.encode(ALICE, new Request.Ping())).replace("\"ping\"", "\"" + rpc + "\"");

    assertEquals(UNKNOWN_RPC, rejection(signRaw(edited, ALICE_KEYS)));
  }

  @Test
  void anotherVersionIsRejected() {
    String unsigned = unsigned(codec.encode(ALICE, new Request.Ping()));

    assertEquals(UNSUPPORTED_VERSION, rejection(signRaw(unsigned.replace("\"v\":1", "\"v\":2"), ALICE_KEYS)));
    assertEquals(UNSUPPORTED_VERSION, rejection(signRaw(unsigned.replace("\"v\":1", "\"v\":0"), ALICE_KEYS)));
    assertEquals(UNSUPPORTED_VERSION, rejection(bytes("{\"v\":2,\"anything\":\"else\"}")));
    assertEquals(BAD_FIELD, rejection(signRaw(unsigned.replace("\"v\":1", "\"v\":\"1\""), ALICE_KEYS)));
    assertEquals(BAD_FIELD, rejection(signRaw(unsigned.replace("\"v\":1", "\"v\":1.0"), ALICE_KEYS)));
  }

  @Test
  void unknownMissingAndMistypedFieldsAreRejected() {
    String ping = unsigned(codec.encode(ALICE, new Request.Ping()));
    String findNode = unsignedFindNode();

    assertEquals(BAD_FIELD, rejection(bytes("{}")));
    assertEquals(BAD_FIELD, rejection(signRaw(ping.replace("\"v\":1,", "\"v\":1,\"x\":1,"), ALICE_KEYS)));
    assertEquals(BAD_FIELD, rejection(signRaw(ping.replace("\"payload\":{}", "\"payload\":{\"x\":1}"), ALICE_KEYS)));
    assertEquals(BAD_FIELD, rejection(signRaw(ping.replace("\"ts\":" + NOW + ",", ""), ALICE_KEYS)));
    assertEquals(BAD_FIELD, rejection(signRaw(ping.replace("\"ts\":" + NOW, "\"ts\":-1"), ALICE_KEYS)));
    assertEquals(BAD_FIELD, rejection(signRaw(ping.replace("\"ts\":" + NOW, "\"ts\":99999999999999999999"), ALICE_KEYS)));
    assertEquals(BAD_FIELD, rejection(signRaw(ping.replace("\"payload\":{}", "\"payload\":[]"), ALICE_KEYS)));
    assertEquals(BAD_FIELD, rejection(signRaw(ping.replace("\"request\"", "\"reply\""), ALICE_KEYS)));
    assertEquals(BAD_FIELD, rejection(signRaw(findNode.replace("\"target\"", "\"key\""), ALICE_KEYS)));
    assertEquals(BAD_FIELD, rejection(bytes(text(codec.encode(ALICE, new Request.Ping())).replaceAll(",\"sig\":\"[0-9a-f]+\"", ""))));
  }

  @Test
  void aNonCanonicalEncodingOfValidFieldsIsRejected() {
    String ping = unsigned(codec.encode(ALICE, new Request.Ping()));
    String reordered =
        ping.replace("\"v\":1,\"rpc\":\"ping\",", "\"rpc\":\"ping\",\"v\":1,");

    assertEquals(NOT_CANONICAL, rejection(signRaw(ping.replace("\"v\":1", "\"v\": 1"), ALICE_KEYS)));
    assertEquals(NOT_CANONICAL, rejection(signRaw(ping.replace("\"v\":1", "\n\"v\":1"), ALICE_KEYS)));
    assertEquals(NOT_CANONICAL, rejection(signRaw(reordered, ALICE_KEYS)));
    assertEquals(NOT_CANONICAL, rejection(signRaw(ping.replace("http://", "http:\\/\\/"), ALICE_KEYS)));
    assertEquals(NOT_CANONICAL, rejection(signRaw(ping.replace("\"ping\"", "\"\\u0070ing\""), ALICE_KEYS)));
    byte[] canonical = codec.encode(ALICE, new Request.Ping());
    byte[] trailingSpace = Arrays.copyOf(canonical, canonical.length + 1);
    trailingSpace[canonical.length] = ' ';
    assertEquals(NOT_CANONICAL, rejection(trailingSpace));
  }

  // --- fuzzing ---

  @Test
  void randomMutationsOfValidMessagesAreRejectedByTheCodecAndNeverAccepted() {
    List<byte[]> originals = new ArrayList<>();
    for (Payload payload : RpcFixtures.everyPayload()) {
      originals.add(codec.encode(ALICE, payload));
    }
    byte[] alphabet = bytes("{}[]\":,0123456789abcdefABCDEF-+.eE \\/nultrsfhp\u0000\u007f");
    SplittableRandom random = new SplittableRandom(20240611);
    Map<RpcRejectedException.Reason, Integer> reasons = new EnumMap<>(RpcRejectedException.Reason.class);
    int mutants = 0;
    for (int round = 0; round < 2000; round++) {
      byte[] original = originals.get(random.nextInt(originals.size()));
      byte[] mutant = original.clone();
      int edits = 1 + random.nextInt(3);
      for (int e = 0; e < edits && mutant.length > 0; e++) {
        int at = random.nextInt(mutant.length);
        mutant =
            switch (random.nextInt(5)) {
              case 0 -> replace(mutant, at, (byte) random.nextInt(256));
              case 1 -> replace(mutant, at, alphabet[random.nextInt(alphabet.length)]);
              case 2 -> insert(mutant, at, alphabet[random.nextInt(alphabet.length)]);
              case 3 -> delete(mutant, at);
              default -> Arrays.copyOf(mutant, at);
            };
      }
      if (Arrays.equals(mutant, original)) {
        continue;
      }
      mutants++;
      try {
        Envelope accepted = codec.decode(mutant);
        fail("accepted a modified message: " + text(mutant) + " as " + accepted);
      } catch (RpcRejectedException e) {
        reasons.merge(e.reason(), 1, Integer::sum);
      }
    }
    assertTrue(mutants > 1900, "mutants: " + mutants);
    assertTrue(reasons.size() >= 6, "the mutations reached only " + reasons);
    assertTrue(reasons.containsKey(BAD_SIGNATURE), reasons.toString());
  }

  private static byte[] replace(byte[] b, int at, byte value) {
    byte[] out = b.clone();
    out[at] = value;
    return out;
  }

  private static byte[] insert(byte[] b, int at, byte value) {
    byte[] out = new byte[b.length + 1];
    System.arraycopy(b, 0, out, 0, at);
    out[at] = value;
    System.arraycopy(b, at, out, at + 1, b.length - at);
    return out;
  }

  private static byte[] delete(byte[] b, int at) {
    byte[] out = new byte[b.length - 1];
    System.arraycopy(b, 0, out, 0, at);
    System.arraycopy(b, at + 1, out, at, b.length - at - 1);
    return out;
  }
}
