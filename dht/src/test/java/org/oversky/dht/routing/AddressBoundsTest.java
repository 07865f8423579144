package org.oversky.dht.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AddressBoundsTest {
  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "127.0.0.1", "127.9.9.9", "10.1.2.3", "172.16.0.1", "172.31.255.254", "192.168.1.1",
        "169.254.0.7", "0.0.0.0", "::1", "fe80::1", "fd00::1", "fc12::1"
      })
  void loopbackPrivateAndLinkLocalAddressesArePrivate(String literal) {
    assertTrue(AddressBounds.isPrivate(Fixtures.address(literal)));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"8.8.8.8", "172.32.0.1", "192.169.0.1", "203.0.113.5", "2001:db8::1", "fe00::1"})
  void publicAddressesAreNotPrivate(String literal) {
    assertFalse(AddressBounds.isPrivate(Fixtures.address(literal)));
  }

  @Test
  void subnetIsTheSlash24OfIpv4AndTheSlash64OfIpv6() {
    assertEquals(Fixtures.address("203.0.113.0"), AddressBounds.subnetOf(Fixtures.address("203.0.113.77")));
    assertEquals(
        Fixtures.address("2001:db8:1:2::"), AddressBounds.subnetOf(Fixtures.address("2001:db8:1:2:aa:bb:cc:dd")));
  }
}
