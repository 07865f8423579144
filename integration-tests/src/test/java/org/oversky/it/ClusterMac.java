package org.oversky.it;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** The signature of a message between the nodes of a cluster, made the way the docs describe it, for tests that forge or sign one. */
final class ClusterMac {
  private ClusterMac() {}

  /** HMAC-SHA256 of {@code body} under HMAC-SHA256(secret, "oversky-cluster-" + kind), lowercase hex. */
  static String of(String secret, String kind, byte[] body) throws Exception {
    Mac m = Mac.getInstance("HmacSHA256");
    m.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    byte[] key = m.doFinal(("oversky-cluster-" + kind).getBytes(StandardCharsets.US_ASCII));
    m.init(new SecretKeySpec(key, "HmacSHA256"));
    return HexFormat.of().formatHex(m.doFinal(body));
  }
}
