package org.oversky.dht.rpc;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.NamedParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.oversky.dht.id.NodeId;

/** Deterministic keys, one message of every type, and re-signing of hand-edited messages. */
final class RpcFixtures {
  private RpcFixtures() {}

  /** The receivers' clock in these tests. */
  static final long NOW = 1_700_000_000_000L;

  static final KeyPair ALICE_KEYS = keyPair(1);
  static final KeyPair MALLORY_KEYS = keyPair(2);
  static final KeyPair PUBLISHER_KEYS = keyPair(3);
  static final NodeIdentity ALICE = new NodeIdentity(ALICE_KEYS, URI.create("http://203.0.113.5:8080"));
  static final NodeIdentity MALLORY = new NodeIdentity(MALLORY_KEYS, URI.create("https://mallory.example"));

  /** A codec whose clock reads {@code NOW + offsetMillis}, with the default skew. */
  static RpcCodec codecAt(long offsetMillis) {
    return new RpcCodec(clock(NOW + offsetMillis), RpcCodec.DEFAULT_MAX_CLOCK_SKEW);
  }

  static Clock clock(long millis) {
    return Clock.fixed(Instant.ofEpochMilli(millis), ZoneOffset.UTC);
  }

  static RpcCodec codec() {
    return codecAt(0);
  }

  static RpcCodec codec(Duration skew) {
    return new RpcCodec(clock(NOW), skew);
  }

  /** The same key pair for the same seed, on every run. */
  static KeyPair keyPair(int seed) {
    try {
      SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
      random.setSeed(new byte[] {(byte) seed, 'o', 'v', 'e', 'r', 's', 'k', 'y'});
      KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
      generator.initialize(NamedParameterSpec.ED25519, random);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static NodeId id(long seed) {
    return NodeId.random(new SplittableRandom(seed));
  }

  static List<ContactInfo> contacts(int count) {
    List<ContactInfo> contacts = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      contacts.add(new ContactInfo(id(100 + i), URI.create("http://198.51.100." + (i + 1) + ":8080")));
    }
    return contacts;
  }

  static SignedRecord record(byte[] value) {
    return SignedRecord.sign(id(7), value, NOW + 3_600_000, PUBLISHER_KEYS);
  }

  /** One payload of every type (two for get_record, with and without a claim, and two for its answer, with and without a record). */
  static List<Payload> everyPayload() {
    NodeId key = id(5);
    SignedRecord record = record("site=https://example.com sha=abc".getBytes(StandardCharsets.UTF_8));
    return List.of(
        new Request.Ping(),
        new Request.FindNode(id(4)),
        new Request.GetProviders(key),
        new Request.AddProvider(key, URI.create("https://cdn.example/oversky"), NOW + 172_800_000),
        new Request.AddProviders(List.of(key, id(6), id(7)), URI.create("https://cdn.example/oversky"), NOW + 172_800_000),
        new Request.GetRecord(key),
        new Request.GetRecord(record.key(), Optional.of(record)),
        new Request.PutRecord(record),
        new Request.HandOver(List.of(
            new Request.HandOver.Entry(key, new ProviderInfo(id(8), URI.create("http://192.0.2.10:8080"), NOW + 1000)),
            new Request.HandOver.Entry(id(6), new ProviderInfo(id(9), URI.create("https://[2001:db8::1]:8443/n"), NOW + 2000)))),
        new Response.Pong(),
        new Response.Nodes(contacts(3)),
        new Response.Providers(
            List.of(
                new ProviderInfo(id(8), URI.create("http://192.0.2.10:8080"), NOW + 1000),
                new ProviderInfo(id(9), URI.create("https://[2001:db8::1]:8443/n"), NOW + 2000)),
            contacts(2)),
        new Response.ProviderAdded(),
        new Response.ProvidersAdded(2),
        new Response.RecordReply(Optional.of(record), contacts(1)),
        new Response.RecordReply(Optional.empty(), contacts(4)),
        new Response.RecordStored(),
        new Response.HandedOver(2));
  }

  /** The signed part of a canonical body, as text to edit. */
  static String unsigned(byte[] body) {
    return new String(RpcCodec.signedBytes(body), StandardCharsets.UTF_8);
  }

  /** {@code unsignedJson} with a {@code sig} member by {@code keys} appended, as a sender would. */
  static byte[] signRaw(String unsignedJson, KeyPair keys) {
    byte[] signed = unsignedJson.getBytes(StandardCharsets.UTF_8);
    String sig = HexFormat.of().formatHex(Ed25519.sign(keys.getPrivate(), signed));
    return (unsignedJson.substring(0, unsignedJson.length() - 1) + ",\"sig\":\"" + sig + "\"}")
        .getBytes(StandardCharsets.UTF_8);
  }

  static String text(byte[] body) {
    return new String(body, StandardCharsets.UTF_8);
  }

  static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
