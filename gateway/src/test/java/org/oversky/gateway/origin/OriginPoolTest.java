package org.oversky.gateway.origin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.oversky.conf.SiteConfig;

class OriginPoolTest {
  private final AtomicLong now = new AtomicLong(1_000_000);
  private final InstantSource clock = () -> Instant.ofEpochMilli(now.get());
  private static final URI A = URI.create("http://a:81");
  private static final URI B = URI.create("http://b:82");
  private static final URI C = URI.create("http://c:83");

  private OriginPool pool(String origins) {
    return new OriginPool(SiteConfig.parse("site.test=" + origins), clock);
  }

  private static void failTimes(OriginPool p, URI o, int n) {
    for (int i = 0; i < n; i++) {
      p.failed(o);
    }
  }

  @Test
  void originsAreTriedByPriorityAndDrawnByWeightWithinOne() {
    OriginPool p = pool("http://a:81*3+http://b:82|http://c:83");
    assertEquals(List.of(A, B, C), p.order(0.0));
    assertEquals(List.of(A, B, C), p.order(0.74), "a has 3 of 4 shares");
    assertEquals(List.of(B, A, C), p.order(0.75));
    assertEquals(List.of(B, A, C), p.order(0.99));
  }

  @Test
  void fiveFailuresInARowEjectAnOriginForLongerEachTime() {
    OriginPool p = pool("http://a:81+http://b:82");
    failTimes(p, A, 4);
    p.answered(A, 10);
    failTimes(p, A, 4);
    assertEquals(List.of(A, B), p.order(0), "an answer starts the count again");
    assertTrue(p.failed(A), "the fifth failure in a row ejects it");
    assertEquals(List.of(B, A), p.order(0), "ejected: tried last");
    assertTrue(p.status().get(0).ejected());
    now.addAndGet(OriginPool.EJECTION_MILLIS + 1);
    assertEquals(List.of(A, B), p.order(0), "back after 30 s");
    failTimes(p, A, OriginPool.EJECT_AFTER);
    now.addAndGet(OriginPool.EJECTION_MILLIS + 1);
    assertEquals(List.of(B, A), p.order(0), "the second ejection lasts 60 s");
    now.addAndGet(OriginPool.EJECTION_MILLIS);
    assertEquals(List.of(A, B), p.order(0));
    assertEquals(2, p.status().get(0).ejections());
  }

  @Test
  void atMostATenthOfTheOriginsAndAtLeastOneAreEjectedAtOnce() {
    OriginPool p = pool("http://a:81+http://b:82+http://c:83");
    failTimes(p, A, OriginPool.EJECT_AFTER);
    failTimes(p, B, OriginPool.EJECT_AFTER - 1);
    assertFalse(p.failed(B), "b would be the second of three out");
    assertEquals(List.of(true, false, false), p.status().stream().map(OriginPool.Status::ejected).toList(),
        "one of three may be out at once");
    assertEquals(List.of(B, C, A), p.order(0));
  }

  @Test
  void latencyIsAMovingAverage() {
    OriginPool p = pool("http://a:81");
    p.answered(A, 100);
    p.answered(A, 200);
    assertEquals(120.0, p.status().get(0).latencyMillis(), 0.001);
    assertEquals(2, p.status().get(0).requests());
  }
}
