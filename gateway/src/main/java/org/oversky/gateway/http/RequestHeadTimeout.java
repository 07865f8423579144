package org.oversky.gateway.http;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes an HTTP/1 connection whose request head (request line and fields) is not complete within
 * a time, counted from its first byte. Jetty's idle timeout alone restarts with every byte, so a
 * client sending one header byte every 200 ms would hold a connection and a parser forever
 * (slowloris). Add it to a connector as a bean: it then hears of every connection the connector
 * opens and looks at the ones mid-head a few times per timeout.
 */
public final class RequestHeadTimeout extends AbstractLifeCycle implements Connection.Listener {
  private static final Logger LOG = LoggerFactory.getLogger(RequestHeadTimeout.class);

  private final long timeoutNanos;
  private final Scheduler scheduler;
  private final Map<HttpConnection, Head> open = new ConcurrentHashMap<>();
  private volatile Scheduler.Task task;
  private volatile long closed;

  /** Which request of a connection was first seen mid-head, and when. */
  private record Head(long message, long since) {}

  private static final Head IDLE = new Head(-1, 0);

  public RequestHeadTimeout(Duration timeout, Scheduler scheduler) {
    this.timeoutNanos = timeout.toNanos();
    this.scheduler = scheduler;
  }

  @Override
  protected void doStart() {
    schedule();
  }

  @Override
  protected void doStop() {
    Scheduler.Task t = task;
    if (t != null) {
      t.cancel();
    }
    open.clear();
  }

  private void schedule() {
    long period = Math.max(TimeUnit.MILLISECONDS.toNanos(50), Math.min(timeoutNanos / 4, TimeUnit.SECONDS.toNanos(1)));
    task = scheduler.schedule(this::sweep, period, TimeUnit.NANOSECONDS);
  }

  private void sweep() {
    try {
      long now = System.nanoTime();
      open.replaceAll((connection, head) -> check(connection, head, now));
    } catch (RuntimeException e) {
      LOG.warn("request head sweep failed", e);
    } finally {
      if (isRunning()) {
        schedule();
      }
    }
  }

  private Head check(HttpConnection connection, Head head, long now) {
    HttpParser parser = connection.getParser();
    boolean midHead = parser.inHeaderState() && !parser.isStart();
    if (!midHead) {
      return IDLE;
    }
    long message = connection.getMessagesIn();
    if (head.message() != message) {
      return new Head(message, now);
    }
    if (now - head.since() >= timeoutNanos) {
      closed++;
      LOG.debug("closing {}: request head not complete after {} ms", connection.getEndPoint().getRemoteSocketAddress(), (now - head.since()) / 1_000_000);
      connection.getEndPoint().close();
      return IDLE;
    }
    return head;
  }

  /** How many connections were closed for a slow request head. */
  public long closed() {
    return closed;
  }

  @Override
  public void onOpened(Connection connection) {
    if (connection instanceof HttpConnection http) {
      open.put(http, IDLE);
    }
  }

  @Override
  public void onClosed(Connection connection) {
    if (connection instanceof HttpConnection http) {
      open.remove(http);
    }
  }
}
