package org.oversky.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OCI image Jib built (target/jib-image.tar) holds everything the node needs: its layers,
 * unpacked in order into an empty directory, run the image's own entrypoint as its own user, in a
 * chroot with a private mount namespace and /proc as a container runtime would give it (this
 * machine's podman cannot start containers: its runtime needs cgroups it does not have). The node
 * answers its health check and status.
 */
class ImageTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static String run(Path dir, String... command) throws Exception {
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", command) + " did not end");
    String text = new String(out, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + text);
    return text;
  }

  private static JsonNode blob(Path oci, String digest) throws IOException {
    return JSON.readTree(oci.resolve("blobs/sha256/" + digest.substring("sha256:".length())).toFile());
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void theImageRunsTheNodeFromItsOwnFilesAloneAsItsOwnUser(@TempDir Path dir) throws Exception {
    assumeTrue(run(dir, "id", "-u").trim().equals("0"), "unpacking the image's files and running them in a chroot takes root");
    Path tar = Path.of("target/jib-image.tar");
    assertTrue(Files.isRegularFile(tar), "the build writes " + tar.toAbsolutePath());
    Path oci = Files.createDirectories(dir.resolve("oci"));
    run(oci, "tar", "-xf", tar.toAbsolutePath().toString());
    JsonNode manifest = blob(oci, JSON.readTree(oci.resolve("index.json").toFile()).path("manifests").get(0).path("digest").asText());
    JsonNode config = blob(oci, manifest.path("config").path("digest").asText()).path("config");
    List<String> entrypoint = new ArrayList<>();
    config.path("Entrypoint").forEach(a -> entrypoint.add(a.asText()));
    assertEquals("/opt/java/bin/java", entrypoint.get(0), config.toString());
    assertEquals("10001:10001", config.path("User").asText(), "the node does not run as root");
    assertTrue(config.path("ExposedPorts").has("8080/tcp"), config.toString());
    Path root = Files.createDirectories(dir.resolve("rootfs"));
    for (JsonNode layer : manifest.path("layers")) {
      run(root, "tar", "-xzf", oci.resolve("blobs/sha256/" + layer.path("digest").asText().substring(7)).toString());
    }
    assertTrue(Files.isExecutable(root.resolve("opt/java/bin/java")) && Files.exists(root.resolve("app/jib-classpath-file")));
    Files.createDirectories(root.resolve("proc"));
    int port = freePort();
    List<String> command = new ArrayList<>(List.of("unshare", "--mount", "--fork", "--kill-child=SIGTERM", "sh", "-c",
        "mount -t proc proc \"$0/proc\" && exec chroot --userspec=10001:10001 \"$0\" \"$@\"", root.toString()));
    command.addAll(entrypoint);
    command.addAll(List.of("serve", "--listen", "127.0.0.1:" + port, "--data", "/var/lib/oversky"));
    Process node = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("node.log").toFile()).start();
    try {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      Instant deadline = Instant.now().plusSeconds(90);
      HttpResponse<String> health = null;
      while (Instant.now().isBefore(deadline) && node.isAlive()) {
        try {
          health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.ofString());
          break;
        } catch (IOException notYet) {
          node.waitFor(250, TimeUnit.MILLISECONDS); // the node is starting: wait on it, not on a clock
        }
      }
      assertTrue(health != null && health.statusCode() == 200, "the node in the image answers /healthz: " + Files.readString(dir.resolve("node.log")));
      JsonNode status = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/status")).build(),
          HttpResponse.BodyHandlers.ofString()).body());
      assertTrue(status.path("version").asText().startsWith("0."), status.toString());
      assertTrue(Files.exists(root.resolve("var/lib/oversky/node.key")) || Files.list(root.resolve("var/lib/oversky")).findAny().isPresent(),
          "the node wrote its data in the image's data directory, as its own user");
    } finally {
      // The node itself, not only unshare: --kill-child's signal is cleared when chroot changes
      // the user, so a node left to it outlived the test (seen: still serving 14 minutes later).
      List<ProcessHandle> tree = node.descendants().toList();
      tree.forEach(ProcessHandle::destroy);
      node.destroy();
      for (ProcessHandle h : tree) {
        try {
          h.onExit().get(20, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
          h.destroyForcibly();
        }
      }
      if (!node.waitFor(20, TimeUnit.SECONDS)) {
        node.destroyForcibly();
      }
    }
  }
}
