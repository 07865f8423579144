package org.oversky.it;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real HTTP origin (the JDK's server) that streams a deterministic body of any size at
 * {@code /stream}: gigabytes without holding them. It can pause after a number of bytes until
 * released, to catch a node in the middle of storing a body.
 */
final class StreamOrigin implements AutoCloseable {
  private final HttpServer server;
  final AtomicLong sent = new AtomicLong();
  final java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();
  final CountDownLatch release = new CountDownLatch(1);

  StreamOrigin(long size, long seed, long pauseAfter) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext(
        "/stream",
        exchange -> {
          requests.incrementAndGet();
          exchange.getResponseHeaders().add("Content-Type", "application/octet-stream");
          exchange.sendResponseHeaders(200, size);
          Bytes.Stream body = new Bytes.Stream(size, seed);
          byte[] buf = new byte[1 << 16];
          try (OutputStream out = exchange.getResponseBody()) {
            int n;
            while ((n = body.next(buf)) > 0) {
              if (pauseAfter >= 0 && sent.get() >= pauseAfter) {
                out.flush();
                release.await(120, TimeUnit.SECONDS);
                return; // the client is gone by now
              }
              out.write(buf, 0, n);
              sent.addAndGet(n);
            }
          } catch (IOException | InterruptedException e) {
            // the node went away mid-body, which is what some tests do
          }
        });
    server.start();
  }

  /** The origin's base URL (for a site). */
  String base() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/stream";
  }

  @Override
  public void close() {
    release.countDown();
    server.stop(0);
  }
}
