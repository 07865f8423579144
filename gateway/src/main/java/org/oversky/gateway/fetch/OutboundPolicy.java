package org.oversky.gateway.fetch;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.SocketAddressResolver;

/**
 * Which addresses the node may fetch from. Loopback, link-local, private, carrier-grade NAT,
 * multicast and reserved addresses are refused unless private origins are allowed, so a request
 * to the node can never make it reach into the network it runs in. The check runs on the
 * addresses actually connected to (as a resolver), so redirects and DNS rebinding are covered.
 */
public final class OutboundPolicy {
  private final boolean allowPrivate;

  public OutboundPolicy(boolean allowPrivate) {
    this.allowPrivate = allowPrivate;
  }

  /** Checks a URL before any connection: scheme, host, and (unless private is allowed) its addresses. */
  public void checkUrl(URI url) throws FetchException {
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new FetchException(400, "bad-location", "only http and https locations can be fetched, got '" + url + "'");
    }
    if (url.getHost() == null || url.getHost().isEmpty()) {
      throw new FetchException(400, "bad-location", "the location '" + url + "' has no host");
    }
    if (allowPrivate) {
      return;
    }
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(url.getHost());
    } catch (java.net.UnknownHostException e) {
      throw new FetchException(502, "origin-unreachable", "the host '" + url.getHost() + "' does not resolve");
    }
    for (InetAddress a : addresses) {
      refuseIfPrivate(url.getHost(), a);
    }
  }

  /** Wraps a resolver so that connections to refused addresses fail before they are made. */
  public SocketAddressResolver guard(SocketAddressResolver delegate) {
    if (allowPrivate) {
      return delegate;
    }
    return (String host, int port, Map<String, Object> context, Promise<List<InetSocketAddress>> promise) ->
        delegate.resolve(
            host,
            port,
            context,
            new Promise<>() {
              @Override
              public void succeeded(List<InetSocketAddress> result) {
                try {
                  for (InetSocketAddress a : result) {
                    refuseIfPrivate(host, a.getAddress());
                  }
                  promise.succeeded(result);
                } catch (FetchException e) {
                  promise.failed(e);
                }
              }

              @Override
              public void failed(Throwable x) {
                promise.failed(x);
              }
            });
  }

  private static void refuseIfPrivate(String host, InetAddress a) throws FetchException {
    if (isPrivate(a)) {
      throw new FetchException(
          403,
          "private-origin-refused",
          "'" + host + "' resolves to " + a.getHostAddress()
              + ", a loopback, link-local or private address; start the node with --allow-private-origins to allow it");
    }
  }

  /** Whether {@code a} is anything but a public unicast address. */
  public static boolean isPrivate(InetAddress a) {
    if (a.isLoopbackAddress()
        || a.isLinkLocalAddress()
        || a.isSiteLocalAddress()
        || a.isAnyLocalAddress()
        || a.isMulticastAddress()) {
      return true;
    }
    byte[] b = a.getAddress();
    if (a instanceof Inet4Address) {
      int b0 = b[0] & 0xff;
      int b1 = b[1] & 0xff;
      return b0 == 0 // "this network"
          || (b0 == 100 && (b1 & 0xc0) == 64) // carrier-grade NAT 100.64/10
          || (b0 == 192 && b1 == 0 && (b[2] & 0xff) == 0) // IETF protocol assignments
          || (b0 == 198 && (b1 == 18 || b1 == 19)) // benchmarking
          || b0 >= 240; // reserved and broadcast
    }
    if (a instanceof Inet6Address) {
      if ((b[0] & 0xfe) == 0xfc) {
        return true; // unique local fc00::/7
      }
      boolean nat64 = b[0] == 0 && b[1] == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b;
      boolean compat = true;
      for (int i = 0; i < 12; i++) {
        compat &= b[i] == 0;
      }
      if (nat64 || compat) {
        try {
          return isPrivate(InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]}));
        } catch (java.net.UnknownHostException e) {
          return true;
        }
      }
    }
    return false;
  }
}
