package org.oversky.dht.routing;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.random.RandomGenerator;
import org.oversky.dht.id.NodeId;

/** Ids at a chosen distance from a node, and contacts with addresses that do or do not share a bound. */
final class Fixtures {
  private Fixtures() {}

  /** A random id sharing exactly {@code prefix} leading bits with {@code self} (so it lands in bucket {@code prefix}). */
  static NodeId idWithPrefix(NodeId self, int prefix, RandomGenerator random) {
    byte[] bytes = self.bytes();
    byte[] noise = NodeId.random(random).bytes();
    for (int bit = prefix + 1; bit < NodeId.BITS; bit++) {
      int mask = 0x80 >>> (bit % 8);
      bytes[bit / 8] = (byte) ((bytes[bit / 8] & ~mask) | (noise[bit / 8] & mask));
    }
    bytes[prefix / 8] ^= (byte) (0x80 >>> (prefix % 8));
    return NodeId.ofBytes(bytes);
  }

  /** A public IPv4 address in a /24 of its own for every {@code n} below 4 million. */
  static InetAddress publicAddress(int n) {
    return address(new byte[] {(byte) (20 + (n >>> 16)), (byte) (n >>> 8), (byte) n, 1});
  }

  static InetAddress address(String literal) {
    try {
      return InetAddress.getByName(literal); // a literal: never a DNS lookup
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(literal, e);
    }
  }

  static InetAddress address(byte[] bytes) {
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(e);
    }
  }

  static Contact contact(NodeId id, InetAddress address) {
    String host = address.getAddress().length == 16 ? "[" + address.getHostAddress() + "]" : address.getHostAddress();
    return Contact.of(id, URI.create("http://" + host + ":8080"), address, 1_000);
  }
}
