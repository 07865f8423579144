package org.oversky.gateway.coop;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import org.oversky.conf.ClusterSettings;
import org.oversky.dht.id.NodeId;
import org.oversky.dht.rpc.SignedRecord;

/**
 * Who this node believes about site URLs: nodes that know the cluster's shared secret (their
 * records carry an HMAC made with a key derived from it) and nodes on the allow-list. Anyone can
 * put a record in the DHT; only these are used.
 *
 * <p>A record's value is one version byte, a 32-byte HMAC-SHA256 (zeros without a secret) over
 * the record's DHT key and the JSON that follows, then the JSON. With a secret, the DHT key also
 * mixes in a tag derived from it, so that another cluster caching the same site (or anyone
 * squatting on its keys) writes under other keys and cannot push this cluster's records out.
 */
final class ClusterTrust {
  static final byte VERSION = 1;
  static final int MAC_BYTES = 32;

  private final org.oversky.gateway.crypto.HmacSha256.Key macKey;
  private final String tag;
  private final Set<String> trustedNodes;

  ClusterTrust(ClusterSettings settings) {
    this.trustedNodes = Set.copyOf(settings.trustedNodes());
    if (settings.secret().isEmpty()) {
      this.macKey = null;
      this.tag = "";
    } else {
      byte[] secret = settings.secret().getBytes(StandardCharsets.UTF_8);
      this.macKey = new org.oversky.gateway.crypto.HmacSha256.Key(org.oversky.gateway.crypto.HmacSha256.of(secret, "oversky-cluster-mac".getBytes(StandardCharsets.US_ASCII)));
      this.tag = HexFormat.of().formatHex(org.oversky.gateway.crypto.HmacSha256.of(secret, "oversky-cluster-tag".getBytes(StandardCharsets.US_ASCII)), 0, 16);
    }
  }

  /**
   * The DHT key of a site URL's record: {@code SHA-256("oversky-url:" + url + variant)}, with
   * {@code "<tag>:"} after the prefix when the cluster has a secret.
   */
  NodeId urlKey(String url, String variant) {
    String text = "oversky-url:" + (tag.isEmpty() ? "" : tag + ":") + url + variant;
    return NodeId.ofBytes(org.oversky.gateway.crypto.Sha256.of(text));
  }

  /** The record value for {@code json} under {@code key}: version, HMAC, JSON. */
  byte[] seal(NodeId key, byte[] json) {
    byte[] mac = macKey == null ? new byte[MAC_BYTES] : mac(key, json);
    return ByteBuffer.allocate(1 + MAC_BYTES + json.length).put(VERSION).put(mac).put(json).array();
  }

  /** The JSON of {@code record} when it comes from a trusted node; empty otherwise. */
  Optional<byte[]> open(SignedRecord record) {
    byte[] value = record.value();
    if (value.length <= 1 + MAC_BYTES || value[0] != VERSION) {
      return Optional.empty();
    }
    byte[] mac = Arrays.copyOfRange(value, 1, 1 + MAC_BYTES);
    byte[] json = Arrays.copyOfRange(value, 1 + MAC_BYTES, value.length);
    boolean sealed = macKey != null && MessageDigest.isEqual(mac, mac(record.key(), json));
    boolean listed = trustedNodes.contains(record.publisherId().hex());
    return sealed || listed ? Optional.of(json) : Optional.empty();
  }

  private byte[] mac(NodeId key, byte[] json) {
    byte[] keyBytes = key.bytes();
    byte[] data = ByteBuffer.allocate(keyBytes.length + json.length).put(keyBytes).put(json).array();
    return macKey.of(data);
  }

}
