package org.oversky.gateway.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.SocketAddressResolver;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OutboundPolicyTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "127.0.0.1", "127.8.9.10", "10.0.0.1", "172.16.5.4", "172.31.255.255", "192.168.1.1", "169.254.169.254",
        "0.0.0.0", "100.64.0.1", "100.127.255.254", "224.0.0.1", "255.255.255.255", "198.18.0.1", "::1", "fe80::1",
        "fc00::1", "fd12:3456::1", "::ffff:10.0.0.1", "64:ff9b::a00:1", "::"
      })
  void privateAndSpecialAddressesAreRefused(String address) throws Exception {
    assertTrue(OutboundPolicy.isPrivate(InetAddress.getByName(address)), address);
  }

  @ParameterizedTest
  @ValueSource(strings = {"93.184.216.34", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "64:ff9b::5db8:d822"})
  void publicAddressesAreAllowed(String address) throws Exception {
    assertFalse(OutboundPolicy.isPrivate(InetAddress.getByName(address)), address);
  }

  /** DNS rebinding and redirects: the guard checks the addresses actually about to be connected to. */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void theResolverGuardFailsConnectionsToPrivateAddresses(boolean allowPrivate) throws Exception {
    InetAddress privateAddress = InetAddress.getByName("10.0.0.7");
    SocketAddressResolver rebinding =
        (host, port, context, promise) -> promise.succeeded(List.of(new InetSocketAddress(privateAddress, port)));
    SocketAddressResolver guarded = new OutboundPolicy(allowPrivate).guard(rebinding);
    CompletableFuture<List<InetSocketAddress>> result = new CompletableFuture<>();
    guarded.resolve("public.example", 80, Map.of(), Promise.from(result::complete, result::completeExceptionally));
    if (allowPrivate) {
      assertEquals(1, result.get().size());
    } else {
      Throwable failure = assertThrows(Exception.class, result::get).getCause();
      FetchException f = assertInstanceOf(FetchException.class, failure);
      assertEquals(403, f.status());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"ftp://example.com/x", "file:///etc/passwd", "gopher://x", "mailto:a@b"})
  void onlyHttpAndHttpsAreFetched(String url) {
    FetchException e = assertThrows(FetchException.class, () -> new OutboundPolicy(true).checkUrl(URI.create(url)));
    assertEquals(400, e.status());
  }
}
