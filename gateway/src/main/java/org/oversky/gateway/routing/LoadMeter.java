package org.oversky.gateway.routing;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.oversky.gateway.http.Problem;
import org.oversky.gateway.metrics.Failures;
import org.oversky.routing.view.Load;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's load, as its health answer gives it to the others: site and {@code /key/} requests
 * in flight (counted by {@link #admit}, which also refuses them with 503 at the hard capacity),
 * requests per second (a moving average over about 10 s, so that routing's load bound does not
 * chase noise), body bytes per second since the last {@link #sample}, the process's CPU and the
 * store's free disk. The counters have many writers (the requests); the sampled figures have one,
 * {@link #sample}, run by the probe scheduler, so no request thread ever touches the disk or the
 * OS for them.
 */
public final class LoadMeter {
  /** The weight of the newest sample in the request rate's moving average (about five samples, 10 s). */
  static final double RATE_WEIGHT = 0.3;
  /** What a refused request's {@code Retry-After} says, in seconds: about one probe round. */
  public static final int RETRY_AFTER_SECONDS = 2;

  private static final Logger LOG = LoggerFactory.getLogger(LoadMeter.class);

  private final int softCapacity;
  private final int hardCapacity;
  private final Path dataDir;
  private final InstantSource clock;
  private final Failures failures;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final LongAdder finished = new LongAdder();
  private final LongAdder bytesOut = new LongAdder();
  private final LongAdder refused = new LongAdder();

  private long sampledAtMillis;
  private long finishedThen;
  private long bytesThen;
  private volatile Load sampled;

  public LoadMeter(int softCapacity, int hardCapacity, Path dataDir, InstantSource clock, Failures failures) {
    this.softCapacity = softCapacity;
    this.hardCapacity = hardCapacity;
    this.dataDir = dataDir;
    this.clock = clock;
    this.failures = failures;
    this.sampledAtMillis = clock.millis();
    this.sampled = new Load(0, 0, 0, -1, -1, softCapacity, hardCapacity);
  }

  /**
   * Counts a site or key request in flight until its callback completes, and returns the callback
   * to answer it with; or, at the hard capacity, answers it 503 with {@code Retry-After} itself and
   * returns null.
   */
  public Callback admit(Response response, Callback callback) {
    if (inFlight.incrementAndGet() > hardCapacity) {
      inFlight.decrementAndGet();
      refused.increment();
      response.getHeaders().put(HttpHeader.RETRY_AFTER, Integer.toString(RETRY_AFTER_SECONDS));
      new Problem(503, "over-capacity", "Service unavailable",
          "this node has " + hardCapacity + " requests in flight (routing.hard-capacity); retry in " + RETRY_AFTER_SECONDS
              + " s, or ask the CDN's name again for another node")
          .send(response, callback);
      return null;
    }
    return new Callback.Nested(callback) {
      @Override
      public void succeeded() {
        done();
        super.succeeded();
      }

      @Override
      public void failed(Throwable x) {
        done();
        super.failed(x);
      }

      private void done() {
        inFlight.decrementAndGet();
        finished.increment();
        bytesOut.add(Response.getContentBytesWritten(response));
      }
    };
  }

  /** Requests refused at the hard capacity since the node started. */
  public long refused() {
    return refused.sum();
  }

  /** Takes a new sample of the rates, CPU and disk; the probe scheduler's thread calls it every round. */
  public Load sample() {
    long now = clock.millis();
    long f = finished.sum();
    long b = bytesOut.sum();
    double seconds = Math.max(0.001, (now - sampledAtMillis) / 1000.0);
    double rps = sampled.requestsPerSecond() + RATE_WEIGHT * ((f - finishedThen) / seconds - sampled.requestsPerSecond());
    long bps = Math.round((b - bytesThen) / seconds);
    sampledAtMillis = now;
    finishedThen = f;
    bytesThen = b;
    sampled = new Load(inFlight.get(), rps, bps, cpu(), freeDisk(), softCapacity, hardCapacity);
    return sampled;
  }

  /** The last sample, with the requests in flight now. */
  public Load current() {
    Load s = sampled;
    return new Load(inFlight.get(), s.requestsPerSecond(), s.bytesOutPerSecond(), s.cpu(), s.freeDiskBytes(), softCapacity, hardCapacity);
  }

  private static double cpu() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      double c = os.getProcessCpuLoad();
      return c >= 0 ? c : -1;
    }
    return -1;
  }

  private long freeDisk() {
    try {
      return Files.getFileStore(dataDir).getUsableSpace();
    } catch (IOException | SecurityException e) {
      failures.report(LOG, "free-disk-unknown", "cannot read the free space of " + dataDir + "; the health answer says -1", e);
      return -1;
    }
  }
}
