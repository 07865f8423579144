package org.oversky.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HostPortTest {
  @ParameterizedTest(name = "''{0}''")
  @CsvSource(
      delimiter = '|',
      value = {
        "127.0.0.1:8080       | 127.0.0.1   | 8080",
        "localhost:0          | localhost   | 0",
        "node1.example.net:65535 | node1.example.net | 65535",
        "[::1]:80             | ::1         | 80",
        "[::]:8080            | ::          | 8080",
        "[2001:db8::7]:443    | 2001:db8::7 | 443",
        "9000                 | 0.0.0.0     | 9000",
        "'  9001  '           | 0.0.0.0     | 9001"
      })
  void parseReadsHostAndPort(String text, String host, int port) {
    assertEquals(new HostPort(host, port), HostPort.parse(text));
  }

  @ParameterizedTest(name = "''{0}''")
  @ValueSource(
      strings = {"", "  ", "host:", "host:http", "host:65536", "host:-1", ":80", "70000", "-1", "[::1]", "host:80:x"})
  void parseRefusesBadHostsAndPorts(String text) {
    assertThrows(IllegalArgumentException.class, () -> HostPort.parse(text));
  }

  @Test
  void errorForANonNumericPortQuotesIt() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HostPort.parse("host:http"));

    assertEquals("'http' is not a port number", e.getMessage());
  }

  @Test
  void toStringBracketsIpv6AndParsesBack() {
    HostPort v6 = new HostPort("::1", 80);
    HostPort v4 = new HostPort("10.0.0.1", 9000);

    assertEquals("[::1]:80", v6.toString());
    assertEquals("10.0.0.1:9000", v4.toString());
    assertEquals(v6, HostPort.parse(v6.toString()));
    assertEquals(v4, HostPort.parse(v4.toString()));
  }
}
