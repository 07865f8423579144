package org.oversky.gateway.origin;

import java.net.URI;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.oversky.conf.SiteConfig;

/**
 * Active checks of the origins of the sites that ask for them ({@code check=/path}): every
 * {@code check-interval}, a {@code HEAD} of the path on each origin, whose outcome counts in its
 * {@link OriginPool} like a request's (below 500: an answer; a 5xx, a refused connection or a
 * timeout: a failure). So an origin no request has reached lately is still ejected when it goes
 * down, and an ejected one that answers again is counted as answering. Checks run on their own
 * scheduler and the proxy's client, never on a request's thread.
 */
public final class OriginChecks extends AbstractLifeCycle {
  private final List<Checked> checked;
  private final Supplier<HttpClient> client;
  private ScheduledExecutorService scheduler;

  /** A pool and the check its site asks for. */
  public record Checked(OriginPool pool, SiteConfig.Check check) {}

  public OriginChecks(List<Checked> checked, Supplier<HttpClient> client) {
    this.checked = checked.stream().filter(c -> c.check().on()).toList();
    this.client = client;
  }

  @Override
  protected void doStart() {
    if (checked.isEmpty()) {
      return;
    }
    scheduler = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("oversky-origin-checks").daemon(true).factory());
    for (Checked c : checked) {
      long every = c.check().interval().toMillis();
      scheduler.scheduleWithFixedDelay(() -> checkAll(c), every, every, TimeUnit.MILLISECONDS);
    }
  }

  @Override
  protected void doStop() {
    if (scheduler != null) {
      scheduler.shutdownNow();
    }
  }

  private void checkAll(Checked c) {
    for (OriginPool.Status o : c.pool().status()) {
      check(c, o.url());
    }
  }

  private void check(Checked c, URI origin) {
    long sent = System.nanoTime();
    long timeout = Math.max(100, c.check().interval().toMillis());
    client.get().newRequest(origin + c.check().path())
        .method(HttpMethod.HEAD)
        .timeout(timeout, TimeUnit.MILLISECONDS)
        .send(result -> {
          if (!result.isFailed() && result.getResponse().getStatus() < 500) {
            c.pool().answered(origin, (System.nanoTime() - sent) / 1_000_000);
          } else {
            c.pool().failed(origin);
          }
        });
  }
}
