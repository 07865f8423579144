package org.oversky.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import org.oversky.gateway.acme.AcmeManager;

/**
 * Automatic certificates against a real ACME server, Debian's Pebble (which {@code ./run-tests}
 * installs), its names resolved by Pebble's own test DNS server ({@code pebble-challtestsrv}).
 * Two nodes of one cluster serve a site; the name is picked so that the first node orders its
 * certificate, while the DNS sends the authority's validation to the second, which must answer the
 * challenge (HTTP-01 on the clear port, TLS-ALPN-01 on the TLS port) with what the first sent. Then both serve the certificate, checked by curl against Pebble's
 * root: one order for the cluster.
 */
class AcmeTest {
  private static final String SECRET = "acme-secret";

  /** A port free on both addresses, so that the authority finds either node at the same one. */
  private static int portFreeOnBoth(String a, String b) throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      try (ServerSocket first = new ServerSocket(0, 1, InetAddress.getByName(a))) {
        try (ServerSocket second = new ServerSocket(first.getLocalPort(), 1, InetAddress.getByName(b))) {
          return second.getLocalPort();
        } catch (IOException taken) {
          // taken on the second address: try another
        }
      }
    }
    throw new IOException("no port free on both " + a + " and " + b);
  }

  /** curl over TLS to {@code ip:port} for {@code host}, trusting only {@code root}: exit code and output. */
  private static String[] curl(Path dir, Path root, String host, String ip, int port, String path) throws Exception {
    Process p = new ProcessBuilder("curl", "-sS", "-m", "10", "--cacert", root.toString(), "--resolve", host + ":" + port + ":" + ip,
        "https://" + host + ":" + port + path).directory(dir.toFile()).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    p.waitFor(20, TimeUnit.SECONDS);
    return new String[] {String.valueOf(p.exitValue()), new String(out, StandardCharsets.UTF_8)};
  }

  private static Process start(Path dir, String log, Map<String, String> env, String... command) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(dir.resolve(log).toFile());
    pb.environment().putAll(env);
    return pb.start();
  }

  private static boolean listening(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> acme(TestNode n) throws Exception {
    return (Map<String, Object>) Jsons.parse(n.get("/api/v1/status").body()).get("acme");
  }

  @ParameterizedTest
  @ValueSource(strings = {"http-01", "tls-alpn-01"})
  void oneNodeOrdersTheCertificateAnotherAnswersTheChallengeFromTheClusterAndBothServeIt(String challenge, @TempDir Path dir) throws Exception {
    String ipA = "127.0.3.1";
    String ipB = "127.0.3.2";
    int http = portFreeOnBoth(ipA, ipB);
    int tls = portFreeOnBoth(ipA, ipB);
    int acmePort = NodeProcess.freePort();
    int managementPort = NodeProcess.freePort();
    int dnsPort = NodeProcess.freePort();
    int dnsManagementPort = NodeProcess.freePort();
    URI urlA = URI.create("http://" + ipA + ":" + http);
    URI urlB = URI.create("http://" + ipB + ":" + http);
    String host = null;
    for (int i = 0; host == null; i++) {
      if (AcmeManager.orderer("site-" + i + ".test", List.of(urlA, urlB)).equals(urlA)) {
        host = "site-" + i + ".test";
      }
    }
    Commands.run(dir, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", "pebble.key", "-out", "pebble.crt");
    Files.writeString(dir.resolve("pebble.json"), "{\"pebble\": {\"listenAddress\": \"127.0.0.1:" + acmePort
        + "\", \"managementListenAddress\": \"127.0.0.1:" + managementPort + "\", \"certificate\": \"pebble.crt\", \"privateKey\": \"pebble.key\","
        + " \"httpPort\": " + http + ", \"tlsPort\": " + tls + ", \"ocspResponderURL\": \"\", \"externalAccountBindingRequired\": false}}");
    List<Process> processes = new ArrayList<>();
    WireMockServer origin = Origins.wireMock();
    origin.stubFor(get("/page").willReturn(aResponse().withHeader("Cache-Control", "max-age=60").withBody("the page")));
    try {
      // every name the authority looks up leads to the second node
      processes.add(start(dir, "dns.log", Map.of(), "pebble-challtestsrv", "-defaultIPv4", ipB, "-defaultIPv6", "",
          "-dns01", "127.0.0.1:" + dnsPort, "-http01", "", "-https01", "", "-tlsalpn01", "",
          "-management", "127.0.0.1:" + dnsManagementPort));
      processes.add(start(dir, "pebble.log", Map.of("PEBBLE_VA_NOSLEEP", "1", "PEBBLE_WFE_NONCEREJECT", "0"),
          "pebble", "-config", "pebble.json", "-dnsserver", "127.0.0.1:" + dnsPort));
      await("Pebble listens").atMost(Duration.ofSeconds(30)).until(() -> listening(acmePort) && listening(managementPort));
      Map<String, String> common = new HashMap<>(Map.of(
          "sites", host + "=" + origin.baseUrl(),
          "cluster.secret", SECRET,
          "tls.acme-directory", "https://127.0.0.1:" + acmePort + "/dir",
          "tls.acme-ca-cert", dir.resolve("pebble.crt").toString(),
          "tls.acme-email", "ops@example.org",
          "tls.acme-challenge", challenge));
      Map<String, String> a = new HashMap<>(common);
      a.put("listen", ipA + ":" + http);
      a.put("tls.listen", ipA + ":" + tls);
      try (TestNode nodeA = TestNode.start(dir.resolve("a"), a)) {
        Map<String, String> b = new HashMap<>(common);
        b.put("listen", ipB + ":" + http);
        b.put("tls.listen", ipB + ":" + tls);
        b.put("dht.bootstrap", nodeA.base.toString());
        try (TestNode nodeB = TestNode.start(dir.resolve("b"), b)) {
          Path root = dir.resolve("root.pem");
          Commands.run(dir, "curl", "-sS", "-m", "10", "--cacert", "pebble.crt", "-o", root.toString(), "https://127.0.0.1:" + managementPort + "/roots/0");
          String siteHost = host;
          await("both nodes serve " + host + " with a certificate from Pebble").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
              .until(() -> curl(dir, root, siteHost, ipA, tls, "/page")[0].equals("0") && curl(dir, root, siteHost, ipB, tls, "/page")[0].equals("0"));
          assertEquals("the page", curl(dir, root, host, ipB, tls, "/page")[1]);
          assertEquals("the page", curl(dir, root, host, ipA, tls, "/page")[1]);
          Map<String, Object> statusA = acme(nodeA);
          Map<String, Object> statusB = acme(nodeB);
          assertEquals(1, ((Number) statusA.get("orders")).intValue() + ((Number) statusB.get("orders")).intValue(),
              "one order for the cluster: " + statusA + " " + statusB);
          assertEquals("ordered here", ((Map<?, ?>) ((Map<?, ?>) statusA.get("hosts")).get(host)).get("source"), statusA.toString());
          assertEquals("from the cluster", ((Map<?, ?>) ((Map<?, ?>) statusB.get("hosts")).get(host)).get("source"), statusB.toString());
          Map<?, ?> challengesB = (Map<?, ?>) statusB.get("challenges");
          String answered = challenge.equals("http-01") ? "answeredFromCluster" : "tlsAlpnHandshakes";
          assertTrue(((Number) challengesB.get(answered)).intValue() >= 1,
              "the authority asked the second node, which answered with what the first sent: " + challengesB);
          assertEquals(404, nodeB.get("/.well-known/acme-challenge/no-such-token", "Host", host).statusCode(),
              "a token no node waits for");
          assertTrue(Files.exists(dir.resolve("a/acme/" + host + ".crt")) && Files.exists(dir.resolve("b/acme/" + host + ".crt")),
              "each node keeps the certificate for its next start");
        }
      }
    } catch (AssertionError | RuntimeException e) {
      System.out.println("pebble's log:\n" + Files.readString(dir.resolve("pebble.log")) + "\nthe DNS server's log:\n" + Files.readString(dir.resolve("dns.log")));
      throw e;
    } finally {
      for (Process p : processes) {
        p.destroy();
        p.waitFor(10, TimeUnit.SECONDS);
      }
      origin.stop();
    }
  }
}
