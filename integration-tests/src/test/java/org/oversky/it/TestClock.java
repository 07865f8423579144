package org.oversky.it;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicLong;

/** A clock that stands still until a test advances it. */
final class TestClock implements InstantSource {
  private final AtomicLong millis = new AtomicLong(System.currentTimeMillis());

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis.get());
  }

  @Override
  public long millis() {
    return millis.get();
  }

  void advance(Duration d) {
    millis.addAndGet(d.toMillis());
  }
}
