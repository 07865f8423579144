package org.oversky.dns.update;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import org.junit.jupiter.api.Test;

class TsigKeyFileTest {
  private static final String SECRET = Base64.getEncoder().encodeToString(new byte[32]);

  @Test
  void readsTheFileTsigKeygenWrites() throws Exception {
    TsigKeyFile key = TsigKeyFile.parse("key \"oversky-update\" {\n\talgorithm hmac-sha256;\n\tsecret \"" + SECRET + "\";\n};\n");
    assertEquals("oversky-update", key.name());
    assertEquals("hmac-sha256", key.algorithm());
    assertArrayEquals(new byte[32], key.secret());
    assertFalse(key.toString().contains(SECRET), "the secret is not printed");
    org.xbill.DNS.Message m = org.xbill.DNS.Message.newQuery(org.xbill.DNS.Record.newRecord(
        org.xbill.DNS.Name.fromString("cdn.test."), org.xbill.DNS.Type.SOA, org.xbill.DNS.DClass.IN));
    m.setTSIG(key.tsig());
    org.xbill.DNS.TSIGRecord signed = new org.xbill.DNS.Message(m.toWire(512)).getTSIG();
    assertEquals("oversky-update.", signed.getName().toString());
    assertEquals(org.xbill.DNS.TSIG.HMAC_SHA256, signed.getAlgorithm());
  }

  /**
   * A base64 secret may hold {@code //} (about one key in a hundred from tsig-keygen): inside the
   * quotes it is part of the secret, not a comment. Before, the rest of the line was cut as a
   * comment and the key was refused as having no secret.
   */
  @Test
  void aSecretWithTwoSlashesIsASecretAndCommentsOutsideQuotesAreNot() {
    byte[] bytes = new byte[32];
    bytes[3] = (byte) 0xff;
    bytes[4] = (byte) 0xff; // "//" in the base64 of 0xff 0xff 0xff ...
    bytes[5] = (byte) 0xff;
    String secret = Base64.getEncoder().encodeToString(bytes);
    assertTrue(secret.contains("//"), secret);
    TsigKeyFile key = TsigKeyFile.parse("# made by tsig-keygen\nkey \"k\" { // the update key\n algorithm hmac-sha256; /* not this */\n"
        + " secret \"" + secret + "\"; # nor this\n};\n");
    assertArrayEquals(bytes, key.secret());
    assertTrue(assertThrows(IllegalArgumentException.class, () -> TsigKeyFile.parse(
        "key k { algorithm hmac-sha256; // secret \"" + SECRET + "\";\n};")).getMessage().contains("no secret"),
        "a secret in a comment is no secret");
  }

  @Test
  void refusesWhatCannotSignAnUpdateAndSaysWhy() {
    IllegalArgumentException md5 = assertThrows(IllegalArgumentException.class,
        () -> TsigKeyFile.parse("key k { algorithm hmac-md5; secret \"" + SECRET + "\"; };"));
    assertTrue(md5.getMessage().contains("hmac-md5"), md5.getMessage());
    assertTrue(assertThrows(IllegalArgumentException.class, () -> TsigKeyFile.parse("options { };")).getMessage().contains("tsig-keygen"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> TsigKeyFile.parse("key k { algorithm hmac-sha256; };"))
        .getMessage().contains("no secret"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> TsigKeyFile.parse("key k { algorithm hmac-sha256; secret \"c2hvcnQ=\"; };")).getMessage().contains("at least 16"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> TsigKeyFile.parse(
        "key a { algorithm hmac-sha256; secret \"" + SECRET + "\"; }; key b { algorithm hmac-sha256; secret \"" + SECRET + "\"; };"))
        .getMessage().contains("more than one"));
  }
}
