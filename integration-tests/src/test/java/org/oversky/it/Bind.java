package org.oversky.it;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real BIND 9 {@code named} (Debian's bind9, which {@code ./run-tests} installs) serving one
 * zone on 127.0.0.1 (named binds only addresses an interface has) from a file this test writes,
 * open to RFC 2136 updates signed with a key {@code tsig-keygen} made; and {@code dig} to ask it.
 */
final class Bind implements AutoCloseable {
  static final String NAMED = "/usr/sbin/named";
  static final String KEYGEN = "/usr/sbin/tsig-keygen";

  final int port;
  final Path keyFile;
  private final Process process;
  private final Path log;

  private Bind(int port, Path keyFile, Process process, Path log) {
    this.port = port;
    this.keyFile = keyFile;
    this.process = process;
    this.log = log;
  }

  /** Fails with the package to install when a program is missing. */
  static void need(String program, String pkg) {
    if (!Files.isExecutable(Path.of(program)) && !onPath(program)) {
      throw new AssertionError(program + " is missing: apt-get install " + pkg + " (./run-tests installs it)");
    }
  }

  private static boolean onPath(String program) {
    return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, program)));
  }

  /** Starts named for {@code zone} with {@code records} (zone-file lines relative to the zone) and waits until it answers. */
  static Bind start(Path dir, String zone, String keyName, List<String> records) throws Exception {
    need(NAMED, "bind9");
    need(KEYGEN, "bind9");
    need("dig", "dnsutils");
    Files.createDirectories(dir);
    Path key = dir.resolve("update.key");
    Process keygen = new ProcessBuilder(KEYGEN, "-a", "hmac-sha256", keyName).redirectOutput(key.toFile()).start();
    if (!keygen.waitFor(30, TimeUnit.SECONDS) || keygen.exitValue() != 0) {
      throw new AssertionError("tsig-keygen failed: " + new String(keygen.getErrorStream().readAllBytes()));
    }
    List<String> zoneFile = new ArrayList<>(List.of("$TTL 30",
        "@ 3600 IN SOA ns1." + zone + ". hostmaster." + zone + ". 1 3600 600 86400 300",
        "@ 3600 IN NS ns1." + zone + ".", "ns1 3600 IN A 127.0.0.1"));
    zoneFile.addAll(records);
    Files.write(dir.resolve("zone.db"), zoneFile);
    int port = NodeProcess.freePort();
    Files.writeString(dir.resolve("named.conf"), """
        include "%1$s/update.key";
        options { directory "%1$s"; pid-file "%1$s/named.pid"; session-keyfile "%1$s/session.key";
          listen-on port %2$d { 127.0.0.1; }; listen-on-v6 { none; }; recursion no; dnssec-validation no;
          allow-query { any; }; };
        zone "%3$s" { type primary; file "%1$s/zone.db"; allow-update { key "%4$s"; }; };
        """.formatted(dir, port, zone, keyName));
    Path log = dir.resolve("named.log");
    Process p = new ProcessBuilder(NAMED, "-g", "-n", "1", "-c", dir.resolve("named.conf").toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    Bind bind = new Bind(port, key, p, log);
    try {
      await("named on 127.0.0.1:" + port + " answers").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
          .until(() -> {
            if (!p.isAlive()) {
              throw new IllegalStateException("named exited: " + Files.readString(log));
            }
            return bind.dig("SOA", zone).contains("ns1." + zone);
          });
    } catch (RuntimeException e) {
      bind.close();
      throw e;
    }
    return bind;
  }

  /** {@code dig +short} of {@code name}'s {@code type} records at this server: one record a line. */
  String dig(String type, String name) throws IOException, InterruptedException {
    Process d = new ProcessBuilder("dig", "+short", "+time=2", "+tries=1", "-p", String.valueOf(port), "@127.0.0.1", name, type)
        .redirectErrorStream(true).start();
    if (!d.waitFor(10, TimeUnit.SECONDS)) {
      d.destroyForcibly();
      return "";
    }
    return new String(d.getInputStream().readAllBytes()).trim();
  }

  /** The addresses {@code name} has, sorted, as dig prints them. */
  List<String> addresses(String name) throws IOException, InterruptedException {
    String out = dig("A", name);
    return out.isEmpty() ? List.of() : Arrays.stream(out.split("\n")).map(String::trim).sorted().toList();
  }

  String log() throws IOException {
    return Files.readString(log);
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
  }
}
