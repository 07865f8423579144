package org.oversky.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Name;
import org.xbill.DNS.Type;

class RateLimitTest {
  private final AtomicLong now = new AtomicLong(1_000_000);
  private final InstantSource clock = () -> Instant.ofEpochMilli(now.get());

  @Test
  void pastTheRateAnswersAreDroppedAndEverySecondOneSlipsOutTruncated() throws Exception {
    RateLimit limit = new RateLimit(3, 2, clock);
    Name name = Name.fromString("site-test.cdn.test.");
    InetAddress victim = InetAddress.getByName("192.0.2.10");
    List<RateLimit.Verdict> seen = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      seen.add(limit.check(victim, name, Type.A));
    }
    assertEquals(List.of(RateLimit.Verdict.SEND, RateLimit.Verdict.SEND, RateLimit.Verdict.SEND, RateLimit.Verdict.DROP,
        RateLimit.Verdict.SLIP, RateLimit.Verdict.DROP, RateLimit.Verdict.SLIP), seen);
    assertEquals(RateLimit.Verdict.DROP, limit.check(InetAddress.getByName("192.0.2.200"), Name.fromString("SITE-test.cdn.test."), Type.A),
        "the same /24 and name in any case count together");
    assertEquals(RateLimit.Verdict.SEND, limit.check(InetAddress.getByName("192.0.3.10"), name, Type.A), "another /24");
    assertEquals(RateLimit.Verdict.SEND, limit.check(victim, name, Type.AAAA), "another type");
    now.addAndGet(1_000);
    assertEquals(RateLimit.Verdict.SEND, limit.check(victim, name, Type.A), "a new second");
  }
}
