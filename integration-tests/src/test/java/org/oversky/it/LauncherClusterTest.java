package org.oversky.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three nodes as separate processes started through the {@code ./oversky} launcher, the way an
 * operator starts them: two bootstrap from the first, a body registered on the third is got from
 * the first with {@code oversky get} (which follows the redirect and checks the SHA-256).
 */
class LauncherClusterTest {
  private static final Path LAUNCHER = Path.of("..", "oversky").toAbsolutePath().normalize();

  private record Launched(Process process, URI base) {}

  @Test
  void threeLauncherNodesServeABodyRegisteredOnOneFromAnother(@TempDir Path dir) throws Exception {
    assumeTrue(Files.isExecutable(LAUNCHER), "runs from the integration-tests module of a checkout");
    byte[] body = Bytes.random(250_000, 11);
    String key = Bytes.sha256(body);
    WireMockServer origin = Origins.serving("/obj.bin", body);
    List<Launched> nodes = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        List<String> args = new ArrayList<>(List.of("--allow-private-origins", "--no-request-log"));
        if (i > 0) {
          args.addAll(List.of("--bootstrap", nodes.get(0).base().toString()));
        }
        nodes.add(serve(dir, "node" + i, args));
      }
      await("the first node knows the two others")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(200))
          .ignoreExceptions()
          .until(() -> ((Number) Jsons.parse(get(nodes.get(0).base(), "/api/v1/hosts").body()).get("count")).intValue() == 2);

      CommandLineTest.Run reg =
          run(dir, "register", origin.baseUrl() + "/obj.bin", "--node", nodes.get(2).base().toString());
      assertEquals(0, reg.exit(), reg.err());
      assertEquals(key, reg.out().strip());
      Path copy = dir.resolve("copy.bin");
      await("oversky get through the first node")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> run(dir, "get", key, "--node", nodes.get(0).base().toString(), "-o", copy.toString()).exit() == 0);
      assertArrayEquals(body, Files.readAllBytes(copy));
    } finally {
      for (Launched n : nodes) {
        n.process().destroy();
        if (!n.process().waitFor(20, TimeUnit.SECONDS)) {
          n.process().destroyForcibly();
        }
      }
      origin.stop();
    }
  }

  private static Launched serve(Path dir, String name, List<String> extra) throws Exception {
    int port = NodeProcess.freePort();
    List<String> cmd = new ArrayList<>(List.of(LAUNCHER.toString(), "serve", "--listen", "127.0.0.1:" + port, "--data", dir.resolve(name).toString()));
    cmd.addAll(extra);
    Path log = dir.resolve(name + ".log");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("OVERSKY_"));
    Process p = pb.start();
    URI base = URI.create("http://127.0.0.1:" + port);
    try {
      await(name + " answers /healthz")
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(100))
          .ignoreExceptions()
          .until(() -> {
            if (!p.isAlive()) {
              throw new IllegalStateException("exited");
            }
            return get(base, "/healthz").statusCode() == 200;
          });
    } catch (RuntimeException e) {
      p.destroyForcibly();
      throw new AssertionError(name + " did not start; its log:\n" + Files.readString(log), e);
    }
    return new Launched(p, base);
  }

  private static CommandLineTest.Run run(Path dir, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(LAUNCHER.toString()));
    cmd.addAll(List.of(args));
    return CommandLineTest.exec(dir, cmd, args);
  }

  private static HttpResponse<byte[]> get(URI base, String path) throws Exception {
    return TestNode.HTTP.send(
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }
}
