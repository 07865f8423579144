package org.oversky.dht.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.URI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.oversky.dht.id.NodeId;

class ContactTest {
  private static final NodeId ID = NodeId.ofHex("ab".repeat(32));
  private static final InetAddress ADDRESS = Fixtures.address("203.0.113.5");

  @Test
  void aNewContactHasAnUnknownRtt() {
    Contact contact = Contact.of(ID, URI.create("https://node.example:8443/oversky"), ADDRESS, 5);

    assertEquals(Contact.UNKNOWN_RTT, contact.rttMillis());
    assertEquals(5, contact.lastSeen());
  }

  @Test
  void seenRecordsTheTimeAndRttAndKeepsTheRest() {
    Contact contact = Contact.of(ID, URI.create("http://203.0.113.5:8080"), ADDRESS, 5);

    Contact seen = contact.seen(10, 42);

    assertEquals(new Contact(ID, contact.baseUrl(), ADDRESS, 10, 42), seen);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "ftp://203.0.113.5",
        "/relative/path",
        "node.example:8080",
        "http:opaque",
        "http://203.0.113.5:8080/?q=1",
        "http://203.0.113.5:8080/#top",
        "http://user:pw@203.0.113.5:8080"
      })
  void refusesBaseUrlsARequestCannotBeSentTo(String url) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Contact.of(ID, URI.create(url), ADDRESS, 0));
    assertTrue(e.getMessage().contains("base URL"), e.getMessage());
  }

  @Test
  void refusesNegativeTimesAndRttsBelowUnknown() {
    URI url = URI.create("http://203.0.113.5:8080");
    assertThrows(IllegalArgumentException.class, () -> new Contact(ID, url, ADDRESS, -1, 5));
    assertThrows(IllegalArgumentException.class, () -> new Contact(ID, url, ADDRESS, 0, -2));
    assertThrows(NullPointerException.class, () -> new Contact(null, url, ADDRESS, 0, 5));
    assertThrows(NullPointerException.class, () -> new Contact(ID, url, null, 0, 5));
  }
}
