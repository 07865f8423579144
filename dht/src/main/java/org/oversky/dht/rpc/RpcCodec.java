package org.oversky.dht.rpc;

import static org.oversky.dht.rpc.RpcRejectedException.Reason.BAD_FIELD;
import static org.oversky.dht.rpc.RpcRejectedException.Reason.BAD_KEY;
import static org.oversky.dht.rpc.RpcRejectedException.Reason.BAD_MAC;
import static org.oversky.dht.rpc.RpcRejectedException.Reason.BAD_RECORD_SIGNATURE;
import static org.oversky.dht.rpc.RpcRejectedException.Reason.BAD_SIGNATURE;
import static org.oversky.dht.rpc.RpcRejectedException.Reason.BODY_TOO_LARGE;
import static org.oversky.dht.rpc.RpcRejectedException.Reason.FUTURE_TIMESTAMP;
import static org.oversky.dht.rpc.RpcRejectedException.Reason.ID_MISMATCH;
import static org.oversky.dht.rpc.RpcRejectedException.Reason.MALFORMED_JSON;
import static org.oversky.dht.rpc.RpcRejectedException.Reason.NOT_CANONICAL;
import static org.oversky.dht.rpc.RpcRejectedException.Reason.STALE_SESSION;
import static org.oversky.dht.rpc.RpcRejectedException.Reason.STALE_TIMESTAMP;
import static org.oversky.dht.rpc.RpcRejectedException.Reason.TOO_LONG;
import static org.oversky.dht.rpc.RpcRejectedException.Reason.UNEXPECTED_MESSAGE;
import static org.oversky.dht.rpc.RpcRejectedException.Reason.UNKNOWN_RPC;
import static org.oversky.dht.rpc.RpcRejectedException.Reason.UNSUPPORTED_VERSION;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.security.PublicKey;
import java.security.spec.InvalidKeySpecException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.oversky.dht.id.NodeId;

/**
 * Encodes, signs, decodes and verifies DHT messages: the body of {@code POST /dht/v1/<rpc>} and
 * of its answer.
 *
 * <h2>Format (version 1)</h2>
 *
 * A message is one JSON object in UTF-8, at most {@link #MAX_BODY_BYTES} bytes, with exactly these
 * members in this order:
 *
 * <ul>
 *   <li>{@code v}: the format version, {@code 1};
 *   <li>{@code rpc}: {@code ping}, {@code find_node}, {@code get_providers}, {@code
 *       add_provider}, {@code add_providers}, {@code get_record}, {@code put_record} or {@code hand_over} (see {@link
 *       Rpc});
 *   <li>{@code kind}: {@code request} or {@code response};
 *   <li>{@code sender}: {@code {"id": …, "key": …, "url": …}}, or {@code {"id": …, "key": …,
 *       "url": …, "dh": …, "dhsig": …}}: the sender's node id (64 lowercase hex digits), its raw
 *       Ed25519 public key (64 lowercase hex digits; the id must be its SHA-256), its base URL,
 *       and when it takes messages with a MAC, its X25519 public key for this run (64 hex digits,
 *       RFC 7748) with its Ed25519 signature over {@code "oversky dht x25519 key v1:"} and that
 *       key ({@link DhKey});
 *   <li>{@code ts}: when the message was signed, in epoch milliseconds;
 *   <li>{@code payload}: an object whose members depend on {@code rpc} and {@code kind}, below;
 *   <li>either {@code sig}: the sender's Ed25519 signature (128 lowercase hex digits) over the
 *       <em>signed bytes</em>: the message's exact bytes without its {@code ,"sig":"…"} member,
 *       that is everything before that member followed by the closing <code>&#125;</code>;
 *   <li>or {@code to} and {@code mac}: the receiver's X25519 public key (64 hex digits, as its
 *       own messages carry it) and HMAC-SHA256 (64 hex digits) over the message's bytes without
 *       its {@code ,"mac":"…"} member (as for {@code sig}), under the key the sender shares with
 *       the receiver ({@link NodeIdentity#macKey}: both X25519 keys, both ids). A sender uses a MAC
 *       once it has the receiver's X25519 key from a verified message of the receiver's, so after
 *       the first exchange neither side signs nor verifies an Ed25519 signature per message. A
 *       MAC made for a key the receiver no longer has (it restarted) is refused with {@link
 *       RpcRejectedException.Reason#STALE_SESSION}, and the sender sends the message signed.
 * </ul>
 *
 * <p>Payloads (ids and keys are 64 lowercase hex digits; times are epoch milliseconds; {@code
 * contact} is {@code {"id": …, "url": …}}; lists hold at most {@link Response#MAX_CONTACTS}):
 *
 * <table>
 *   <caption>Payload members by rpc and kind</caption>
 *   <tr><th>rpc</th><th>request</th><th>response</th></tr>
 *   <tr><td>{@code ping}</td><td>{@code {}}</td><td>{@code {}}</td></tr>
 *   <tr><td>{@code find_node}</td><td>{@code {"target"}}</td><td>{@code {"nodes": [contact]}}</td></tr>
 *   <tr><td>{@code get_providers}</td><td>{@code {"key"}}</td>
 *       <td>{@code {"providers": [{"id", "url", "expires"}], "closer": [contact]}}</td></tr>
 *   <tr><td>{@code add_provider}</td><td>{@code {"key", "url", "expires"}}</td><td>{@code {}}</td></tr>
 *   <tr><td>{@code add_providers}</td><td>{@code {"keys": [key], "url", "expires"}} (1 to 256
 *       keys, none twice)</td><td>{@code {"added"}}</td></tr>
 *   <tr><td>{@code get_record}</td><td>{@code {"key"}}, or {@code {"key", "claim": record}} (see
 *       {@link Request.GetRecord})</td>
 *       <td>{@code {"record": record or null, "closer": [contact]}}</td></tr>
 *   <tr><td>{@code put_record}</td><td>{@code {"record": record}}</td><td>{@code {}}</td></tr>
 *   <tr><td>{@code hand_over}</td><td>{@code {"entries": [{"key", "id", "url", "expires"}]}} (1 to
 *       64)</td><td>{@code {"taken"}}</td></tr>
 * </table>
 *
 * <p>A {@code record} is {@code {"key", "value", "expires", "publisher", "sig"}}: {@code value} is
 * standard padded base64 of at most {@link SignedRecord#MAX_VALUE_BYTES} bytes, {@code publisher}
 * the publisher's raw Ed25519 key in hex and {@code sig} its signature (see {@link SignedRecord}).
 * URLs are absolute {@code http} or {@code https} URLs of at most 512 printable ASCII characters,
 * with no user info, query or fragment.
 *
 * <h2>Canonical form</h2>
 *
 * Every message has exactly one encoding: no whitespace, members in the order above, numbers as
 * plain integers, no escapes (no string may need one). A receiver decodes the fields, encodes them
 * again and refuses the message ({@link RpcRejectedException.Reason#NOT_CANONICAL}) unless the
 * bytes are the same, so the bytes it verifies are the bytes it read and a message cannot be
 * altered without breaking its signature.
 *
 * <h2>Checks</h2>
 *
 * In order: body size, JSON syntax (one object, no duplicate keys, no trailing data), version,
 * rpc, every field (type, bound, hex, URL; no unknown members), canonical form, the key, id =
 * SHA-256(key), timestamp within the clock skew of this codec's clock (either way), the
 * signature over the sender's X25519 key when it has one, the message's signature or its MAC (the
 * receiver's key named in {@code to}, then the MAC itself), and last the publisher signature of a
 * carried record. The first failing check is reported as an
 * {@link RpcRejectedException} with its {@link RpcRejectedException.Reason}.
 *
 * <p>The timestamp bounds how long a captured message can be replayed; it does not tie an answer
 * to its request, which the transport (the connection the answer came back on) does.
 *
 * <h2>Sample</h2>
 *
 * A {@code find_node} request, 474 bytes (shown here on several lines; on the wire it is one line
 * with no whitespace at all):
 *
 * <pre>{@code
 * {"v":1,"rpc":"find_node","kind":"request",
 *  "sender":{"id":"25204ab6b4f9676489504e2f5889a5a29ecef52264f47bbd1dd76406c7cbc026",
 *            "key":"8cf4e5af7fcf22d6bde333d8e42c08b1a15b6681e8feebf0c1a8a6498c353f56",
 *            "url":"http://203.0.113.5:8080"},
 *  "ts":1700000000000,
 *  "payload":{"target":"6e73e372e2338acae474c66a4b98b030dbef19fc8e7b845f7de4eb0c26f3f89e"},
 *  "sig":"b632e506773291747a17fffbb2bc9cc1881786069a4aa7ed7d76e1a168e5b457
 *         9dbc426caa2e380094651513b5b1abaad1abb645975cf98cac9bac7fff42f303"}
 * }</pre>
 *
 * <p>Its answer is a {@code "kind":"response"} message from the receiver with {@code
 * "payload":{"nodes":[{"id":"…","url":"http://…"},…]}}.
 *
 * <p>Thread-safe.
 */
public final class RpcCodec {
  /** The message format version this codec writes and reads. */
  public static final int VERSION = 1;

  /** Largest message body, in bytes. The largest legal message is well below it. */
  public static final int MAX_BODY_BYTES = 64 * 1024;

  /** How far a message's timestamp may be from the receiver's clock, either way, by default. */
  public static final Duration DEFAULT_MAX_CLOCK_SKEW = Duration.ofSeconds(60);

  private static final int MAX_RPC_CHARS = 32;
  private static final int MAX_VALUE_BASE64_CHARS = 4 * ((SignedRecord.MAX_VALUE_BYTES + 2) / 3);
  private static final int SIG_MEMBER_BYTES = ",\"sig\":\"\"".length() + 2 * Ed25519.SIGNATURE_BYTES;
  /** The length of a message MAC (HMAC-SHA256). */
  public static final int MAC_BYTES = 32;
  private static final int MAC_MEMBER_BYTES = ",\"mac\":\"\"".length() + 2 * MAC_BYTES;
  private static final HexFormat HEX = HexFormat.of();

  private static final JsonFactory JSON =
      JsonFactory.builder()
          .streamReadConstraints(
              StreamReadConstraints.builder()
                  .maxNestingDepth(8)
                  .maxNumberLength(32)
                  .maxStringLength(MAX_BODY_BYTES)
                  .build())
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .build();

  private static final ObjectMapper MAPPER =
      new ObjectMapper(JSON)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

  private final Clock clock;
  private final long maxSkewMillis;

  /**
   * A codec that stamps and checks timestamps with {@code clock}, accepting messages signed up to
   * {@code maxClockSkew} before or after its time.
   */
  public RpcCodec(Clock clock, Duration maxClockSkew) {
    this.clock = Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(maxClockSkew, "maxClockSkew");
    if (maxClockSkew.isNegative() || maxClockSkew.compareTo(Duration.ofDays(1)) > 0) {
      throw new IllegalArgumentException(
          "maxClockSkew is between 0 and 1 day (it bounds how long a message can be replayed), got "
              + maxClockSkew);
    }
    this.maxSkewMillis = maxClockSkew.toMillis();
  }

  /** A codec on the system clock with {@link #DEFAULT_MAX_CLOCK_SKEW}. */
  public RpcCodec() {
    this(Clock.systemUTC(), DEFAULT_MAX_CLOCK_SKEW);
  }

  /** {@code payload} from {@code self}, stamped with this codec's clock and signed. */
  public Envelope sign(NodeIdentity self, Payload payload) {
    Objects.requireNonNull(self, "self");
    Objects.requireNonNull(payload, "payload");
    Sender sender = self.sender();
    long now = clock.millis();
    byte[] signature = self.sign(write(VERSION, sender, now, payload, null, null));
    return new Envelope(VERSION, sender, now, payload, signature);
  }

  /**
   * {@code payload} from {@code self} to the node {@code to}, the sender of a message this codec
   * verified (its X25519 key is not checked again here): with a MAC under the key the two share
   * when both have an X25519 key, signed otherwise. A {@code to} with a key that is not the
   * receiver's gets a message the receiver refuses ({@code stale-session}), nothing more.
   */
  public Envelope seal(NodeIdentity self, Payload payload, Optional<Sender> to) {
    Objects.requireNonNull(self, "self");
    Objects.requireNonNull(payload, "payload");
    Optional<DhKey> peer = to.flatMap(Sender::dh);
    if (peer.isEmpty() || self.sender().dh().isEmpty()) {
      return sign(self, payload);
    }
    NodeIdentity.SessionMac key;
    try {
      key = self.sessionMac(peer.get(), to.get().id());
    } catch (IllegalArgumentException e) {
      return sign(self, payload); // no key can be shared with it
    }
    Sender sender = self.sender();
    long now = clock.millis();
    byte[] macTo = peer.get().publicKey();
    byte[] mac = key.of(write(VERSION, sender, now, payload, macTo, null));
    return new Envelope(VERSION, sender, now, payload, mac, macTo);
  }

  /** {@code payload} from {@code self} to {@code to}, sealed ({@link #seal}) and encoded. */
  public byte[] encode(NodeIdentity self, Payload payload, Optional<Sender> to) {
    return encode(seal(self, payload, to));
  }

  /** {@code payload} from {@code self}, signed and encoded: a request or answer body. */
  public byte[] encode(NodeIdentity self, Payload payload) {
    return encode(sign(self, payload));
  }

  /**
   * The canonical bytes of {@code envelope}, its signature included (not checked here). Throws
   * {@link IllegalArgumentException} if they would exceed {@link #MAX_BODY_BYTES}.
   */
  public byte[] encode(Envelope envelope) {
    Objects.requireNonNull(envelope, "envelope");
    byte[] body =
        write(
            envelope.version(),
            envelope.sender(),
            envelope.timestampMillis(),
            envelope.payload(),
            envelope.macTo(),
            envelope.signature());
    if (body.length > MAX_BODY_BYTES) {
      throw new IllegalArgumentException(
          "a message has at most " + MAX_BODY_BYTES + " bytes, this one " + body.length);
    }
    return body;
  }

  /** Decodes and verifies a signed request posted to {@code rpc}'s path. */
  public Envelope decodeRequest(Rpc rpc, byte[] body) throws RpcRejectedException {
    return expect(decode(body, null), rpc, true);
  }

  /** Decodes and verifies a request posted to {@code rpc}'s path at {@code self}, signed or with a MAC for it. */
  public Envelope decodeRequest(Rpc rpc, byte[] body, NodeIdentity self) throws RpcRejectedException {
    return expect(decode(body, Objects.requireNonNull(self, "self")), rpc, true);
  }

  /** Decodes and verifies the signed answer to a request of {@code rpc}. */
  public Envelope decodeResponse(Rpc rpc, byte[] body) throws RpcRejectedException {
    return expect(decode(body, null), rpc, false);
  }

  /** Decodes and verifies the answer to {@code self}'s request of {@code rpc}, signed or with a MAC for it. */
  public Envelope decodeResponse(Rpc rpc, byte[] body, NodeIdentity self) throws RpcRejectedException {
    return expect(decode(body, Objects.requireNonNull(self, "self")), rpc, false);
  }

  /** {@link #decode(byte[], NodeIdentity)} of a message that must be signed. */
  public Envelope decode(byte[] body) throws RpcRejectedException {
    return decode(body, null);
  }

  /**
   * Decodes a message and runs every check (see the class description); throws {@link
   * RpcRejectedException} and nothing else for any bytes. A message with a MAC is checked with
   * {@code self}, the node it was sent to; with {@code self} null, only a signed one is taken.
   */
  public Envelope decode(byte[] body, NodeIdentity self) throws RpcRejectedException {
    Objects.requireNonNull(body, "body");
    if (body.length > MAX_BODY_BYTES) {
      throw new RpcRejectedException(
          BODY_TOO_LARGE, "a message has at most " + MAX_BODY_BYTES + " bytes, got " + body.length);
    }
    JsonNode root;
    try {
      root = MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      throw new RpcRejectedException(MALFORMED_JSON, "not valid JSON: " + Urls.quote(e.getOriginalMessage()));
    } catch (IOException e) {
      throw new RpcRejectedException(MALFORMED_JSON, "not valid JSON: " + Urls.quote(e.getMessage()));
    }
    if (root == null || !root.isObject()) {
      throw new RpcRejectedException(
          MALFORMED_JSON, "a message is one JSON object, got " + (root == null ? "nothing" : root.getNodeType()));
    }
    JsonFields message = JsonFields.of(root, "");

    int version = message.integer("v");
    if (version != VERSION) {
      throw new RpcRejectedException(
          UNSUPPORTED_VERSION, "this node speaks message version " + VERSION + ", got " + version);
    }
    String rpcName = message.string("rpc", MAX_RPC_CHARS);
    Rpc rpc =
        Rpc.ofWireName(rpcName)
            .orElseThrow(() -> new RpcRejectedException(UNKNOWN_RPC, "no rpc is named " + Urls.quote(rpcName)));
    String kind = message.string("kind", MAX_RPC_CHARS);
    boolean request = kind.equals("request");
    if (!request && !kind.equals("response")) {
      throw new RpcRejectedException(BAD_FIELD, "kind is 'request' or 'response', got " + Urls.quote(kind));
    }
    JsonFields sender = message.object("sender");
    NodeId id = sender.id("id");
    byte[] rawKey = sender.hex("key", Ed25519.KEY_BYTES);
    URI baseUrl = sender.url("url");
    Optional<DhKey> dh = Optional.empty();
    if (sender.has("dh")) {
      dh = Optional.of(new DhKey(sender.hex("dh", DhKey.KEY_BYTES), sender.hex("dhsig", Ed25519.SIGNATURE_BYTES)));
    }
    sender.end();
    long timestamp = message.epochMillis("ts");
    JsonFields payloadFields = message.object("payload");
    Payload payload = request ? readRequest(rpc, payloadFields) : readResponse(rpc, payloadFields);
    payloadFields.end();
    byte[] macTo = message.has("to") ? message.hex("to", DhKey.KEY_BYTES) : null;
    byte[] signature = macTo == null ? message.hex("sig", Ed25519.SIGNATURE_BYTES) : message.hex("mac", MAC_BYTES);
    message.end();

    PublicKey key;
    try {
      key = Ed25519.publicKey(rawKey);
    } catch (InvalidKeySpecException e) {
      throw new RpcRejectedException(BAD_KEY, "sender.key is not an Ed25519 public key: " + e.getMessage());
    }
    NodeId keyId = NodeId.ofRawPublicKey(rawKey);
    if (!keyId.equals(id)) {
      throw new RpcRejectedException(
          ID_MISMATCH, "sender.id is the SHA-256 of sender.key, " + keyId + ", not " + id);
    }
    Envelope envelope = new Envelope(VERSION, new Sender(id, key, baseUrl, dh), timestamp, payload, signature, macTo);
    byte[] canonical = write(VERSION, envelope.sender(), timestamp, payload, macTo, signature);
    if (!Arrays.equals(canonical, body)) {
      throw new RpcRejectedException(
          NOT_CANONICAL,
          "the fields are valid but not in canonical form (no whitespace, members in the documented"
              + " order, no escapes); differs from it at byte " + Arrays.mismatch(canonical, body));
    }
    long now = clock.millis();
    if (now - timestamp > maxSkewMillis) {
      throw new RpcRejectedException(
          STALE_TIMESTAMP,
          "ts " + timestamp + " is " + (now - timestamp) + " ms before this node's clock; at most "
              + maxSkewMillis + " ms are allowed");
    }
    if (timestamp - now > maxSkewMillis) {
      throw new RpcRejectedException(
          FUTURE_TIMESTAMP,
          "ts " + timestamp + " is " + (timestamp - now) + " ms after this node's clock; at most "
              + maxSkewMillis + " ms are allowed");
    }
    if (dh.isPresent() && !dh.get().verifies(key)) {
      throw new RpcRejectedException(
          BAD_SIGNATURE, "sender.dhsig is not sender " + id + "'s signature over its X25519 key sender.dh");
    }
    if (macTo == null) {
      if (!Ed25519.verify(key, signedBytes(body), signature)) {
        throw new RpcRejectedException(
            BAD_SIGNATURE, "sig is not sender " + id + "'s signature over the message");
      }
    } else {
      checkMac(body, id, dh, macTo, signature, self);
    }
    Optional<SignedRecord> record =
        switch (payload) {
          case Request.PutRecord p -> Optional.of(p.record());
          // a get_record's claim is checked where it is stored (RecordStore.claim): most are not,
          // as the key has its record
          case Response.RecordReply r -> r.record();
          default -> Optional.empty();
        };
    if (record.isPresent() && !record.get().verifies()) {
      throw new RpcRejectedException(
          BAD_RECORD_SIGNATURE,
          "payload.record.sig is not its publisher " + record.get().publisherId() + "'s signature");
    }
    return envelope;
  }

  private static void checkMac(byte[] body, NodeId id, Optional<DhKey> dh, byte[] macTo, byte[] mac, NodeIdentity self)
      throws RpcRejectedException {
    if (self == null) {
      throw new RpcRejectedException(BAD_MAC, "a message with a MAC is checked only by the node it was sent to; send it signed");
    }
    if (dh.isEmpty()) {
      throw new RpcRejectedException(BAD_FIELD, "a message with a MAC carries its sender's X25519 key, sender.dh");
    }
    Optional<DhKey> mine = self.sender().dh();
    if (mine.isEmpty() || !Arrays.equals(mine.get().publicKey(), macTo)) {
      throw new RpcRejectedException(
          STALE_SESSION, "to is not this node's X25519 key (it has a new one since it started); send the message signed");
    }
    NodeIdentity.SessionMac key;
    try {
      key = self.sessionMac(dh.get(), id);
    } catch (IllegalArgumentException e) {
      throw new RpcRejectedException(BAD_KEY, "sender.dh: " + e.getMessage());
    }
    byte[] macd = Arrays.copyOf(body, body.length - MAC_MEMBER_BYTES);
    macd[macd.length - 1] = '}';
    if (!java.security.MessageDigest.isEqual(key.of(macd), mac)) {
      throw new RpcRejectedException(BAD_MAC, "mac is not the MAC of the message under the key sender " + id + " shares with this node");
    }
  }

  /** The bytes a sender signs: the canonical body without its final {@code ,"sig":"…"} member. */
  static byte[] signedBytes(byte[] canonicalBody) {
    byte[] signed = Arrays.copyOf(canonicalBody, canonicalBody.length - SIG_MEMBER_BYTES);
    signed[signed.length - 1] = '}';
    return signed;
  }

  private static Envelope expect(Envelope envelope, Rpc rpc, boolean request) throws RpcRejectedException {
    if (envelope.rpc() != rpc || envelope.isRequest() != request) {
      throw new RpcRejectedException(
          UNEXPECTED_MESSAGE,
          "expected a " + rpc.wireName() + (request ? " request" : " response") + ", got a "
              + envelope.rpc().wireName() + (envelope.isRequest() ? " request" : " response"));
    }
    return envelope;
  }

  private static Request readRequest(Rpc rpc, JsonFields p) throws RpcRejectedException {
    return build(
        () ->
            switch (rpc) {
              case PING -> new Request.Ping();
              case FIND_NODE -> new Request.FindNode(p.id("target"));
              case GET_PROVIDERS -> new Request.GetProviders(p.id("key"));
              case ADD_PROVIDER ->
                  new Request.AddProvider(p.id("key"), p.url("url"), p.epochMillis("expires"));
              case ADD_PROVIDERS ->
                  new Request.AddProviders(
                      p.ids("keys", Request.AddProviders.MAX_KEYS), p.url("url"), p.epochMillis("expires"));
              case GET_RECORD -> {
                NodeId key = p.id("key");
                JsonFields claim = p.optionalObject("claim");
                yield new Request.GetRecord(key, claim == null ? Optional.empty() : Optional.of(readRecord(claim)));
              }
              case PUT_RECORD -> new Request.PutRecord(readRecord(p.object("record")));
              case HAND_OVER -> {
                List<Request.HandOver.Entry> entries = new ArrayList<>();
                for (JsonFields f : p.objects("entries", Request.HandOver.MAX_ENTRIES)) {
                  entries.add(new Request.HandOver.Entry(f.id("key"), new ProviderInfo(f.id("id"), f.url("url"), f.epochMillis("expires"))));
                  f.end();
                }
                yield new Request.HandOver(entries);
              }
            });
  }

  private static Response readResponse(Rpc rpc, JsonFields p) throws RpcRejectedException {
    return build(
        () ->
            switch (rpc) {
              case PING -> new Response.Pong();
              case FIND_NODE -> new Response.Nodes(readContacts(p, "nodes"));
              case GET_PROVIDERS -> {
                List<ProviderInfo> providers = new ArrayList<>();
                for (JsonFields f : p.objects("providers", Response.MAX_CONTACTS)) {
                  providers.add(new ProviderInfo(f.id("id"), f.url("url"), f.epochMillis("expires")));
                  f.end();
                }
                yield new Response.Providers(providers, readContacts(p, "closer"));
              }
              case ADD_PROVIDER -> new Response.ProviderAdded();
              case ADD_PROVIDERS -> new Response.ProvidersAdded(p.integer("added"));
              case GET_RECORD -> {
                JsonFields record = p.objectOrNull("record");
                yield new Response.RecordReply(
                    record == null ? Optional.empty() : Optional.of(readRecord(record)),
                    readContacts(p, "closer"));
              }
              case PUT_RECORD -> new Response.RecordStored();
              case HAND_OVER -> new Response.HandedOver(p.integer("taken"));
            });
  }

  private static List<ContactInfo> readContacts(JsonFields p, String name) throws RpcRejectedException {
    List<ContactInfo> contacts = new ArrayList<>();
    for (JsonFields f : p.objects(name, Response.MAX_CONTACTS)) {
      contacts.add(new ContactInfo(f.id("id"), f.url("url")));
      f.end();
    }
    return contacts;
  }

  private static SignedRecord readRecord(JsonFields r) throws RpcRejectedException {
    NodeId key = r.id("key");
    String base64 = r.string("value", MAX_VALUE_BASE64_CHARS);
    byte[] value;
    try {
      value = Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw new RpcRejectedException(BAD_FIELD, r.path("value") + " is padded standard base64: " + e.getMessage());
    }
    if (value.length > SignedRecord.MAX_VALUE_BYTES) {
      throw new RpcRejectedException(
          TOO_LONG,
          r.path("value") + " has at most " + SignedRecord.MAX_VALUE_BYTES + " bytes, got " + value.length);
    }
    long expires = r.epochMillis("expires");
    byte[] rawPublisher = r.hex("publisher", Ed25519.KEY_BYTES);
    byte[] signature = r.hex("sig", Ed25519.SIGNATURE_BYTES);
    r.end();
    PublicKey publisher;
    try {
      publisher = Ed25519.publicKey(rawPublisher);
    } catch (InvalidKeySpecException e) {
      throw new RpcRejectedException(
          BAD_KEY, r.path("publisher") + " is not an Ed25519 public key: " + e.getMessage());
    }
    return new SignedRecord(key, value, expires, publisher, signature);
  }

  /** Reading that may throw a rejection. */
  private interface Reader<T> {
    T read() throws RpcRejectedException;
  }

  /** Runs {@code reader}, turning a record's own refusal of a value into a rejection. */
  private static <T> T build(Reader<T> reader) throws RpcRejectedException {
    try {
      return reader.read();
    } catch (IllegalArgumentException e) {
      throw new RpcRejectedException(BAD_FIELD, e.getMessage());
    }
  }

  private static byte[] write(int version, Sender sender, long timestamp, Payload payload, byte[] macTo, byte[] proof) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("v", version);
      g.writeStringField("rpc", payload.rpc().wireName());
      g.writeStringField("kind", payload.isRequest() ? "request" : "response");
      g.writeObjectFieldStart("sender");
      g.writeStringField("id", sender.id().hex());
      g.writeStringField("key", HEX.formatHex(sender.rawPublicKey()));
      g.writeStringField("url", sender.baseUrl().toString());
      if (sender.dh().isPresent()) {
        g.writeStringField("dh", HEX.formatHex(sender.dh().get().publicKey()));
        g.writeStringField("dhsig", HEX.formatHex(sender.dh().get().signature()));
      }
      g.writeEndObject();
      g.writeNumberField("ts", timestamp);
      g.writeObjectFieldStart("payload");
      writePayload(g, payload);
      g.writeEndObject();
      if (macTo != null) {
        g.writeStringField("to", HEX.formatHex(macTo));
      }
      if (proof != null) {
        g.writeStringField(macTo != null ? "mac" : "sig", HEX.formatHex(proof));
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("writing to memory failed", e);
    }
    return out.toByteArray();
  }

  private static void writePayload(JsonGenerator g, Payload payload) throws IOException {
    switch (payload) {
      case Request.Ping p -> {}
      case Request.FindNode f -> g.writeStringField("target", f.target().hex());
      case Request.GetProviders r -> g.writeStringField("key", r.key().hex());
      case Request.AddProvider a -> {
        g.writeStringField("key", a.key().hex());
        g.writeStringField("url", a.providerUrl().toString());
        g.writeNumberField("expires", a.expiresAt());
      }
      case Request.AddProviders a -> {
        g.writeArrayFieldStart("keys");
        for (NodeId key : a.keys()) {
          g.writeString(key.hex());
        }
        g.writeEndArray();
        g.writeStringField("url", a.providerUrl().toString());
        g.writeNumberField("expires", a.expiresAt());
      }
      case Request.GetRecord r -> {
        g.writeStringField("key", r.key().hex());
        if (r.claim().isPresent()) {
          g.writeFieldName("claim");
          writeRecord(g, r.claim().get());
        }
      }
      case Request.PutRecord r -> {
        g.writeFieldName("record");
        writeRecord(g, r.record());
      }
      case Request.HandOver h -> {
        g.writeArrayFieldStart("entries");
        for (Request.HandOver.Entry e : h.entries()) {
          g.writeStartObject();
          g.writeStringField("key", e.key().hex());
          g.writeStringField("id", e.provider().providerId().hex());
          g.writeStringField("url", e.provider().baseUrl().toString());
          g.writeNumberField("expires", e.provider().expiresAt());
          g.writeEndObject();
        }
        g.writeEndArray();
      }
      case Response.Pong p -> {}
      case Response.Nodes n -> writeContacts(g, "nodes", n.nodes());
      case Response.Providers p -> {
        g.writeArrayFieldStart("providers");
        for (ProviderInfo provider : p.providers()) {
          g.writeStartObject();
          g.writeStringField("id", provider.providerId().hex());
          g.writeStringField("url", provider.baseUrl().toString());
          g.writeNumberField("expires", provider.expiresAt());
          g.writeEndObject();
        }
        g.writeEndArray();
        writeContacts(g, "closer", p.closer());
      }
      case Response.ProviderAdded a -> {}
      case Response.ProvidersAdded a -> g.writeNumberField("added", a.added());
      case Response.RecordReply r -> {
        g.writeFieldName("record");
        if (r.record().isPresent()) {
          writeRecord(g, r.record().get());
        } else {
          g.writeNull();
        }
        writeContacts(g, "closer", r.closer());
      }
      case Response.RecordStored s -> {}
      case Response.HandedOver h -> g.writeNumberField("taken", h.taken());
    }
  }

  private static void writeContacts(JsonGenerator g, String name, List<ContactInfo> contacts) throws IOException {
    g.writeArrayFieldStart(name);
    for (ContactInfo contact : contacts) {
      g.writeStartObject();
      g.writeStringField("id", contact.id().hex());
      g.writeStringField("url", contact.baseUrl().toString());
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  private static void writeRecord(JsonGenerator g, SignedRecord record) throws IOException {
    g.writeStartObject();
    g.writeStringField("key", record.key().hex());
    g.writeStringField("value", Base64.getEncoder().encodeToString(record.value()));
    g.writeNumberField("expires", record.expiresAt());
    g.writeStringField("publisher", HEX.formatHex(NodeId.rawEd25519(record.publisher())));
    g.writeStringField("sig", HEX.formatHex(record.signature()));
    g.writeEndObject();
  }
}
