package org.oversky.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.net.URI;
import org.junit.jupiter.api.Test;

class RequestTargetsTest {
  @Test
  void charactersAUriRefusesAreEncodedAndTheRestKeptAsSent() {
    String plain = "/a/b;c=d?x=1&y=%2F~ok!$'()*+,:@";
    assertSame(plain, RequestTargets.forUri(plain), "nothing to encode: the same string");
    assertEquals("/x?a%7Cb%7B%7D%5E%60%22", RequestTargets.forUri("/x?a|b{}^`\""));
    assertEquals("/caf%C3%A9?q=%E2%82%AC", RequestTargets.forUri("/café?q=€"), "beyond ASCII: its UTF-8 bytes");
    assertEquals("/100%25?p=%41", RequestTargets.forUri("/100%?p=%41"), "an escape is kept; a lone '%' is encoded");
    assertEquals("/a%20b%25zz", RequestTargets.forUri("/a b%zz"), "a space, and a '%' that starts no escape");
    String brackets = "/list?filter[a]=1";
    assertSame(brackets, RequestTargets.forUri(brackets), "brackets in a query, which a URI takes, are sent as they came");
    assertEquals("/x%5B1%5D?f[a]=%7C", RequestTargets.forUri("/x[1]?f[a]=|"), "in a path they are encoded");
    for (String s : new String[] {"/x?a|b", "/café", "/a b%zz", "/\uD83D\uDE00", "/x[1]?f[a]=1"}) {
      URI.create("http://o.test" + RequestTargets.forUri(s)); // a URI takes every result
    }
  }
}
