package org.oversky.dht.routing;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.Map;

/** Counts table entries per address and per subnet, and says whether one more fits. Not thread-safe. */
final class AddressBounds {
  private final RoutingConfig config;
  private final Map<InetAddress, Integer> perAddress = new HashMap<>();
  private final Map<InetAddress, Integer> perSubnet = new HashMap<>();

  AddressBounds(RoutingConfig config) {
    this.config = config;
  }

  /** Why one more entry from {@code address} does not fit, or null when it does. */
  String refusal(InetAddress address) {
    if (exempt(address)) {
      return null;
    }
    int onAddress = perAddress.getOrDefault(address, 0);
    if (onAddress >= config.maxPerAddress()) {
      return address.getHostAddress() + " already holds " + onAddress + " entries (maxPerAddress)";
    }
    InetAddress subnet = subnetOf(address);
    int onSubnet = perSubnet.getOrDefault(subnet, 0);
    if (onSubnet >= config.maxPerSubnet()) {
      return "subnet " + subnet.getHostAddress() + "/" + prefixLength(address) + " already holds "
          + onSubnet + " entries (maxPerSubnet)";
    }
    return null;
  }

  void add(InetAddress address) {
    if (!exempt(address)) {
      perAddress.merge(address, 1, Integer::sum);
      perSubnet.merge(subnetOf(address), 1, Integer::sum);
    }
  }

  void remove(InetAddress address) {
    if (!exempt(address)) {
      perAddress.computeIfPresent(address, (a, n) -> n == 1 ? null : n - 1);
      perSubnet.computeIfPresent(subnetOf(address), (a, n) -> n == 1 ? null : n - 1);
    }
  }

  int countOnAddress(InetAddress address) {
    return perAddress.getOrDefault(address, 0);
  }

  int countOnSubnet(InetAddress address) {
    return perSubnet.getOrDefault(subnetOf(address), 0);
  }

  boolean exempt(InetAddress address) {
    return config.exemptPrivateAddresses() && isPrivate(address);
  }

  /** Loopback, RFC 1918, link-local, unspecified, and IPv6 unique-local (fc00::/7) addresses. */
  static boolean isPrivate(InetAddress address) {
    if (address.isLoopbackAddress()
        || address.isSiteLocalAddress()
        || address.isLinkLocalAddress()
        || address.isAnyLocalAddress()) {
      return true;
    }
    byte[] bytes = address.getAddress();
    return bytes.length == 16 && (bytes[0] & 0xfe) == 0xfc;
  }

  /** The /24 of an IPv4 address or the /64 of an IPv6 one, as an address with the host bits zero. */
  static InetAddress subnetOf(InetAddress address) {
    byte[] bytes = address.getAddress();
    int prefixBytes = prefixLength(address) / 8;
    for (int i = prefixBytes; i < bytes.length; i++) {
      bytes[i] = 0;
    }
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("an address of " + bytes.length + " bytes is always valid", e);
    }
  }

  private static int prefixLength(InetAddress address) {
    return address instanceof Inet4Address ? 24 : 64;
  }
}
