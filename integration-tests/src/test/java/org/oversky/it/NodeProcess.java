package org.oversky.it;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A node as a separate process ({@code oversky serve} on this test's class path), so tests can
 * cap its heap or kill it with SIGKILL.
 */
final class NodeProcess implements AutoCloseable {
  final Process process;
  final URI base;
  final Path log;

  private NodeProcess(Process process, URI base, Path log) {
    this.process = process;
    this.base = base;
    this.log = log;
  }

  static NodeProcess start(Path data, String heap, String... extra) throws Exception {
    int port = freePort();
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>(List.of(java, "-Xmx" + heap, "--enable-native-access=ALL-UNNAMED"));
    cmd.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            "org.oversky.gateway.cli.Main",
            "serve",
            "--listen",
            "127.0.0.1:" + port,
            "--data",
            data.toString(),
            "--allow-private-origins",
            "--no-request-log"));
    cmd.addAll(List.of(extra));
    Files.createDirectories(data);
    Path log = Files.createTempFile(data.getParent(), "node-", ".log");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    NodeProcess node = new NodeProcess(p, URI.create("http://127.0.0.1:" + port), log);
    try {
      await("node on port " + port + " answers /healthz")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(100))
          .ignoreExceptions()
          .until(() -> {
            if (!p.isAlive()) {
              throw new IllegalStateException("the node exited: " + Files.readString(log));
            }
            return node.get("/healthz").statusCode() == 200;
          });
    } catch (RuntimeException e) {
      node.close();
      throw new AssertionError("node did not start; its log:\n" + Files.readString(log), e);
    }
    return node;
  }

  HttpResponse<byte[]> get(String path) throws IOException, InterruptedException {
    return TestNode.HTTP.send(
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  /** SIGKILL: no shutdown hooks, no flushing. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
      kill();
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
