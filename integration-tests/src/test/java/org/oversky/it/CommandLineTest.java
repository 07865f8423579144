package org.oversky.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code oversky} command line, run as a separate process the way a person runs it. */
class CommandLineTest {
  record Run(int exit, String out, String err) {}

  static Run oversky(Path workDir, String... args) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd =
        new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "org.oversky.gateway.cli.Main"));
    cmd.addAll(List.of(args));
    return exec(workDir, cmd, args);
  }

  /** Runs {@code cmd} in {@code workDir} without the caller's OVERSKY_ variables, up to two minutes. */
  static Run exec(Path workDir, List<String> cmd, String... args) throws Exception {
    Path out = Files.createTempFile(workDir, "out", ".txt");
    Path err = Files.createTempFile(workDir, "err", ".txt");
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("OVERSKY_"));
    Process p = pb.start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("oversky " + String.join(" ", args) + " did not finish");
    }
    return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  @Test
  void versionAndHelp(@TempDir Path dir) throws Exception {
    Run v = oversky(dir, "--version");
    assertEquals(0, v.exit());
    assertTrue(v.out().startsWith("oversky "), v.out());
    Run h = oversky(dir, "--help");
    assertEquals(0, h.exit());
    for (String sub : new String[] {"demo", "init", "serve", "register", "get"}) {
      assertTrue(h.out().contains(sub), h.out());
    }
  }

  @Test
  void initChecksTheMachineAndCreatesIdentityAndConfig(@TempDir Path dir) throws Exception {
    Run r = oversky(dir, "init", "--data", "node", "--listen", "127.0.0.1:0");
    assertEquals(0, r.exit(), r.out() + r.err());
    assertTrue(r.out().contains("ok   data directory"), r.out());
    Path data = dir.resolve("node");
    assertTrue(Files.exists(data.resolve("node.key")));
    assertTrue(Files.exists(data.resolve("node.pub")));
    String config = Files.readString(data.resolve("oversky.yaml"));
    assertTrue(config.contains("\nlisten: \"127.0.0.1:0\""), config);
    assertTrue(config.contains("#public-url:"), "what was not given stays commented: " + config);
    String id = r.out().lines().filter(l -> l.startsWith("created node ")).findFirst().orElseThrow().substring(13);
    assertTrue(id.matches("[0-9a-f]{64}"), id);
    // a second init keeps the identity and the config
    Run again = oversky(dir, "init", "--data", "node");
    assertEquals(0, again.exit(), again.out() + again.err());
    assertTrue(again.out().contains("kept the existing node " + id), again.out());
    assertEquals(config, Files.readString(data.resolve("oversky.yaml")));
  }

  @Test
  void initSavesItsFlagsForServe(@TempDir Path dir) throws Exception {
    Run r =
        oversky(dir, "init", "--data", "node", "--listen", "127.0.0.1:0", "--site", "a.test=http://127.0.0.1:1",
            "--site", "b.test=http://127.0.0.1:2;default-ttl=5m", "--disk-bytes", "64MiB", "--set", "cache.stale-if-error=1m",
            "--cluster-secret", "s\"e\\cret");
    assertEquals(0, r.exit(), r.out() + r.err());
    Path data = dir.resolve("node");
    org.oversky.conf.NodeConfig config = org.oversky.conf.ConfigLoader.load(Map.of("data", data.toString()), Map.of());
    assertEquals("127.0.0.1:0", config.listen().toString());
    assertEquals(List.of("a.test", "b.test"), config.sites().stream().map(org.oversky.conf.SiteConfig::host).toList());
    assertEquals(java.time.Duration.ofMinutes(5), config.sites().get(1).defaultTtl());
    assertEquals(64L << 20, config.store().diskBytes());
    assertEquals(java.time.Duration.ofMinutes(1), config.cache().staleIfError());
    assertEquals("s\"e\\cret", config.cluster().secret());
    assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve("oversky.yaml"))));

    Run again = oversky(dir, "init", "--data", "node", "--listen", "127.0.0.1:1");
    assertEquals(1, again.exit(), "flags that would not be saved are an error");
    assertTrue(again.err().contains("oversky.yaml exists already"), again.err());
    assertTrue(again.err().contains("listen"), again.err());
  }

  @Test
  void initWarnsWhenTheDiskBudgetIsLargerThanTheFreeDisk(@TempDir Path dir) throws Exception {
    Run r = oversky(dir, "init", "--data", "node", "--listen", "127.0.0.1:0", "--disk-bytes", "1000TiB");
    assertEquals(0, r.exit(), r.out() + r.err());
    assertTrue(r.out().contains("WARN free disk"), r.out());
    assertTrue(r.out().contains("lower --disk-bytes"), r.out());
  }

  @Test
  void demoOnPortZeroPutsEveryNodeOnAFreePort(@TempDir Path dir) throws Exception {
    String javaBin = ProcessHandle.current().info().command().orElse("java");
    Path out = dir.resolve("demo.txt");
    Process p =
        new ProcessBuilder(javaBin, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "org.oversky.gateway.cli.Main", "demo", "--port", "0", "--nodes", "2")
            .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    try {
      org.awaitility.Awaitility.await("the demo's node list").atMost(java.time.Duration.ofSeconds(90))
          .until(() -> Files.readString(out).contains("Press Ctrl-C"));
      List<Integer> ports = Files.readString(out).lines().filter(l -> l.trim().startsWith("node "))
          .map(l -> java.net.URI.create(l.trim().split("\\s+")[2]).getPort()).toList();
      assertEquals(2, ports.size(), Files.readString(out));
      for (int port : ports) {
        assertTrue(port >= 1024, "node on port " + port + ": " + ports);
        assertEquals(200, TestNode.HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/.well-known/oversky/healthz")).build(),
            java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode());
      }
    } finally {
      p.destroy();
      p.waitFor(20, TimeUnit.SECONDS);
    }
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      Run busy = oversky(dir, "demo", "--port", Integer.toString(taken.getLocalPort()), "--nodes", "1");
      assertEquals(1, busy.exit());
      assertTrue(busy.err().contains("another program uses the port; give --port 0 for free ports"), busy.err());
    }
    Run bad = oversky(dir, "demo", "--port", "70000");
    assertEquals(1, bad.exit());
    assertTrue(bad.err().contains("--port expects 0 (free ports) or a first port"), bad.err());
  }

  /** p.destroy() is SIGTERM: a clean stop, as systemd's, exits 0 (it exited 143 before). */
  @Test
  void serveStopsCleanlyOnSigtermAndExitsZero(@TempDir Path dir) throws Exception {
    String javaBin = ProcessHandle.current().info().command().orElse("java");
    int port;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    Path out = dir.resolve("serve.txt");
    Process p =
        new ProcessBuilder(javaBin, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "org.oversky.gateway.cli.Main", "serve", "--data", "d", "--listen", "127.0.0.1:" + port)
            .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    try {
      org.awaitility.Awaitility.await("the node listens").atMost(java.time.Duration.ofSeconds(90))
          .until(() -> Files.readString(out).contains("listening on"));
      p.destroy();
      assertTrue(p.waitFor(30, TimeUnit.SECONDS), "stopped within 30 s of SIGTERM");
      assertEquals(0, p.exitValue(), Files.readString(out));
      assertTrue(Files.readString(out).contains("oversky: stopped"), Files.readString(out));
    } finally {
      p.destroyForcibly();
    }
  }

  @Test
  void initReportsAFailedCheckWithWhatToDo(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
    Run r = oversky(dir, "init", "--data", file.resolve("sub").toString(), "--listen", "127.0.0.1:0");
    assertEquals(1, r.exit());
    assertTrue(r.out().contains("FAIL data directory"), r.out());
    assertTrue(r.out().contains("--data DIR"), r.out());
  }

  @Test
  void aBadValueStopsServeWithAMessageNamingTheKey(@TempDir Path dir) throws Exception {
    Run r = oversky(dir, "serve", "--data", "d", "--listen", "nowhere");
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("listen expects HOST:PORT, got 'nowhere'") && r.err().contains("(from flag --listen)"), r.err());
    // each flag by the name the user typed, and what is wrong with the value (it named --sites and --store.disk-bytes)
    Run site = oversky(dir, "serve", "--data", "d", "--site", "a.test=ftp://origin");
    assertEquals(2, site.exit());
    assertTrue(site.err().contains("(from flag --site)") && site.err().contains("in 'a.test=ftp://origin'"), site.err());
    Run option = oversky(dir, "serve", "--data", "d", "--site", "a.test=http://origin;colour=blue");
    assertTrue(option.err().contains("unknown site option 'colour'"), option.err());
    Run disk = oversky(dir, "serve", "--data", "d", "--disk-bytes", "lots");
    assertTrue(disk.err().contains("(from flag --disk-bytes)"), disk.err());
    Run host = oversky(dir, "status", "--node", "http://no-such-host.invalid:8080");
    assertTrue(host.err().contains("cannot resolve the node's host 'no-such-host.invalid'"), host.err());
    Run size = oversky(dir, "serve", "--data", "d", "--set", "store.disk-bytes=lots");
    assertEquals(2, size.exit());
    assertTrue(size.err().contains("store.disk-bytes expects a size"), size.err());
    Run unknown = oversky(dir, "serve", "--data", "d", "--set", "store.disk=1");
    assertEquals(2, unknown.exit());
    assertTrue(unknown.err().contains("unknown setting 'store.disk'"), unknown.err());
  }

  @Test
  void registerAndGetTalkToANodeAndGetVerifiesTheBody(@TempDir Path dir) throws Exception {
    byte[] body = Bytes.random(6 << 20, 5); // over the progress bar's threshold
    WireMockServer origin = Origins.wireMock();
    origin.stubFor(get("/file.bin").willReturn(aResponse().withBody(body)));
    try (TestNode node = TestNode.start(dir.resolve("node"))) {
      Run reg = oversky(dir, "register", origin.baseUrl() + "/file.bin", "--node", node.base.toString());
      assertEquals(0, reg.exit(), reg.err());
      assertEquals(Bytes.sha256(body), reg.out().strip());

      Run got = oversky(dir, "get", reg.out().strip(), "--node", node.base.toString(), "-o", "copy.bin");
      assertEquals(0, got.exit(), got.err());
      assertArrayEquals(body, Files.readAllBytes(dir.resolve("copy.bin")));
      assertTrue(got.err().contains("100% of " + body.length + " bytes"), got.err());

      Run missing = oversky(dir, "get", "0".repeat(64), "--node", node.base.toString(), "-o", "none.bin");
      assertEquals(1, missing.exit());
      assertTrue(missing.err().contains("404"), missing.err());
      assertFalse(Files.exists(dir.resolve("none.bin")));
      try (Stream<Path> leftovers = Files.list(dir)) {
        assertTrue(leftovers.noneMatch(p -> p.getFileName().toString().endsWith(".part")));
      }
    } finally {
      origin.stop();
    }
  }

  @Test
  void clientCommandsSayClearlyWhenTheNodeIsDown(@TempDir Path dir) throws Exception {
    int port = NodeProcess.freePort();
    Run r = oversky(dir, "get", "0".repeat(64), "--node", "http://127.0.0.1:" + port);
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("cannot reach the node at http://127.0.0.1:" + port), r.err());
    Run reg = oversky(dir, "register", "http://example.com/", "--node", "http://127.0.0.1:" + port);
    assertEquals(1, reg.exit());
    assertTrue(reg.err().contains("oversky serve"), reg.err());
  }

  @Test
  void getRefusesAMalformedKey(@TempDir Path dir) throws Exception {
    Run r = oversky(dir, "get", "nope");
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("64 lowercase hex"), r.err());
    assertEquals("", r.out());
  }

  @Test
  void getKeepsNothingWhenTheBytesDoNotHashToTheKey(@TempDir Path dir) throws Exception {
    String key = "ab".repeat(32);
    WireMockServer liar = Origins.wireMock();
    liar.stubFor(get("/key/" + key).willReturn(aResponse().withBody("not the body you asked for".getBytes(StandardCharsets.UTF_8))));
    try {
      Run r = oversky(dir, "get", key, "--node", liar.baseUrl(), "-o", "out.bin");
      assertEquals(1, r.exit());
      assertTrue(r.err().contains("nothing was kept"), r.err());
      assertFalse(Files.exists(dir.resolve("out.bin")));
    } finally {
      liar.stop();
    }
  }
}
