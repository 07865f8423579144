package org.oversky.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.URI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CacheKeysTest {
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "http://example.com/a/b?x=1         | http://example.com/a/b?x=1",
        "HTTP://Example.COM/a               | http://example.com/a",
        "http://example.com:8080/a          | http://example.com/a",
        "https://example.com:443/a          | https://example.com/a",
        "http://example.com                 | http://example.com/",
        "http://example.com?q=1             | http://example.com/?q=1",
        "http://example.com/?               | http://example.com/?",
        "http://example.com/A/B?Q=Z&a=%2F   | http://example.com/A/B?Q=Z&a=%2F",
        "http://example.com/a%2Fb%20c       | http://example.com/a%2Fb%20c",
        "http://example.com/a#frag          | http://example.com/a",
        "http://example.com./a              | http://example.com/a",
        "http://[2001:DB8::1]:8080/x?y      | http://[2001:db8::1]/x?y",
      })
  void rfc9110_4_2_3_normalisedKey(String url, String key) {
    assertEquals(key, CacheKeys.of(URI.create(url)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"/relative", "example.com/a", "mailto:someone@example.com"})
  void notAnAbsoluteUrlHasNoKey(String url) {
    assertNull(CacheKeys.of(URI.create(url)));
  }

  @Test
  void requestAndUrlFormsAgree() {
    String fromRequest = CacheKeys.of("http", Sites.hostOnly("Example.com:81"), "/p?q");
    assertEquals(CacheKeys.of(URI.create("http://Example.com:81/p?q")), fromRequest);
    assertEquals(CacheKeys.of(URI.create("http://[::1]:81")), CacheKeys.of("http", Sites.hostOnly("[::1]:81"), ""));
  }
}
