package org.oversky.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * The whole path a client takes, through a real recursive resolver: Unbound (Debian's unbound,
 * which {@code ./run-tests} installs) forwards the CDN's zone to three nodes' DNS; a client
 * resolves the site's CDN name through it and fetches the site from the node it was given (all
 * nodes on one HTTP port, each on its own loopback address, as real nodes are on port 80; Unbound
 * answers the special-use {@code test.} itself unless told not to). Then
 * that node is stopped: once the view has it down and Unbound's cached answer has expired (its
 * cache-max-ttl is 5 s here), resolutions name only the others. The client loop counts its
 * failed requests (a client that tries only the first address), printed, not asserted.
 */
class ResolverEndToEndTest {
  private static final String NAME = "site-test.cdn.test.";
  private static final String[] NODES = {"127.0.1.1", "127.0.1.2", "127.0.1.3"};

  /** A port free for TCP and UDP on every one of {@code ips}. */
  private static int portFreeOn(String... ips) throws Exception {
    for (int attempt = 0; attempt < 50; attempt++) {
      int port;
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(ips[0]))) {
        port = s.getLocalPort();
      }
      boolean free = true;
      for (String ip : ips) {
        try (ServerSocket t = new ServerSocket(port, 1, InetAddress.getByName(ip));
            DatagramSocket u = new DatagramSocket(new InetSocketAddress(ip, port))) {
          // both free
        } catch (java.io.IOException e) {
          free = false;
        }
      }
      if (free) {
        return port;
      }
    }
    throw new AssertionError("no port free on all of " + List.of(ips));
  }

  private static List<String> resolve(int unboundPort) throws Exception {
    SimpleResolver r = new SimpleResolver(new InetSocketAddress("127.0.0.1", unboundPort));
    r.setTimeout(Duration.ofSeconds(3));
    Message answer = r.send(Message.newQuery(Record.newRecord(Name.fromString(NAME), Type.A, DClass.IN)));
    if (answer.getRcode() != Rcode.NOERROR) {
      return List.of();
    }
    return answer.getSection(Section.ANSWER).stream().filter(x -> x instanceof ARecord)
        .map(x -> ((ARecord) x).getAddress().getHostAddress()).toList();
  }

  private static boolean fetch(String ip, int port) {
    try {
      HttpResponse<String> r = TestNode.HTTP.send(HttpRequest.newBuilder(URI.create("http://" + ip + ":" + port + "/index.html"))
          .header("Host", "site.test").timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 && r.body().equals("<h1>site</h1>");
    } catch (Exception e) {
      return false;
    }
  }

  private static Process unbound(Path dir, int port, int dnsPort) throws Exception {
    Bind.need("/usr/sbin/unbound", "unbound");
    Files.createDirectories(dir);
    StringBuilder stubs = new StringBuilder();
    for (String ip : NODES) {
      stubs.append("  stub-addr: ").append(ip).append('@').append(dnsPort).append('\n');
    }
    Path conf = Files.writeString(dir.resolve("unbound.conf"), """
        server:
          interface: 127.0.0.1@%2$d
          port: %2$d
          access-control: 127.0.0.0/8 allow
          do-not-query-localhost: no
          username: ""
          chroot: ""
          directory: "%1$s"
          pidfile: "%1$s/unbound.pid"
          use-syslog: no
          logfile: ""
          verbosity: 1
          module-config: "iterator"
          qname-minimisation: no
          cache-max-ttl: 5
          cache-max-negative-ttl: 5
          do-ip6: no
          local-zone: "test." nodefault
        remote-control:
          control-enable: no
        stub-zone:
          name: "cdn.test"
        %3$s""".formatted(dir, port, stubs));
    return new ProcessBuilder("/usr/sbin/unbound", "-d", "-c", conf.toString()).redirectErrorStream(true)
        .redirectOutput(dir.resolve("unbound.log").toFile()).start();
  }


  @Test
  void aClientResolvesThroughUnboundFetchesFromTheNodeGivenAndIsSentElsewhereWhenItDies(@TempDir Path dir) throws Exception {
    WireMockServer origin = Origins.wireMock();
    origin.stubFor(get(urlEqualTo("/index.html")).willReturn(aResponse().withHeader("Cache-Control", "max-age=60").withBody("<h1>site</h1>")));
    Path zones = Files.writeString(dir.resolve("zones.json"), "{\"coverageZones\": {\"eu\": {\"network\": [\"127.0.0.0/8\"]}}}");
    int http = portFreeOn(NODES);
    int dns = portFreeOn(NODES);
    int resolverPort = portFreeOn("127.0.0.1");
    List<TestNode> nodes = new ArrayList<>();
    Process unbound = null;
    try {
      for (String ip : NODES) {
        Map<String, String> s = new HashMap<>(Map.of("listen", ip + ":" + http, "node.region", "eu", "routing.region-map", zones.toString(),
            "sites", "site.test=" + origin.baseUrl(), "dns.listen", ip + ":" + dns, "dns.zone", "cdn.test", "dns.rate-limit", "0"));
        if (!nodes.isEmpty()) {
          s.put("dht.bootstrap", nodes.get(0).base.toString());
        }
        nodes.add(TestNode.start(dir.resolve(ip), s));
      }
      await("every node up in the first's view").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
          .until(() -> nodes.get(0).stateOf(nodes.get(1)).equals("up") && nodes.get(0).stateOf(nodes.get(2)).equals("up"));
      unbound = unbound(dir.resolve("unbound"), resolverPort, dns);
      Process resolver = unbound;
      await("Unbound answers the site's name").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
          .until(() -> {
            if (!resolver.isAlive()) {
              throw new IllegalStateException("unbound exited: " + Files.readString(dir.resolve("unbound/unbound.log")));
            }
            return !resolve(resolverPort).isEmpty();
          });

      List<String> given = resolve(resolverPort);
      assertTrue(List.of(NODES).containsAll(given), "every address is a node's: " + given);
      String first = given.get(0);
      assertTrue(fetch(first, http), "the client fetches the site through the node it was given, " + first);

      TestNode victim = nodes.stream().filter(n -> n.base.getHost().equals(first)).findFirst().orElseThrow();
      TestNode watcher = nodes.stream().filter(n -> n != victim).findFirst().orElseThrow();
      long t0 = System.nanoTime();
      victim.close();
      int requests = 0;
      int failed = 0;
      long downAtMillis = -1;
      long goneAtMillis = -1;
      int cleanAfterGone = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (cleanAfterGone < 20 && System.nanoTime() < deadline) { // bounded: 60 s at most
        List<String> now = resolve(resolverPort);
        long at = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        if (downAtMillis < 0 && watcher.stateOf(victim).equals("down")) {
          downAtMillis = at;
        }
        if (now.isEmpty()) {
          failed++;
        } else {
          requests++;
          if (!fetch(now.get(0), http)) {
            failed++;
          }
        }
        if (!now.isEmpty() && !now.contains(first)) {
          goneAtMillis = goneAtMillis < 0 ? at : goneAtMillis;
          cleanAfterGone++;
        } else if (goneAtMillis >= 0) {
          throw new AssertionError("the dead node " + first + " came back in a resolution at " + at + " ms: " + now);
        }
        Thread.sleep(100); // the client's pace, not a wait for a condition
      }
      System.out.printf("resolver-e2e: %s stopped; down in the view after %d ms, out of Unbound's answers after %d ms;"
          + " the client failed %d of %d requests%n", first, downAtMillis, goneAtMillis, failed, requests);
      assertTrue(goneAtMillis >= 0, "within 60 s, resolutions through Unbound never stopped naming the dead node " + first);
      assertEquals(20, cleanAfterGone);
      assertFalse(resolve(resolverPort).contains(first));
    } finally {
      if (unbound != null) {
        unbound.destroy();
        unbound.waitFor(10, TimeUnit.SECONDS);
      }
      for (TestNode n : nodes) {
        n.close();
      }
      origin.stop();
    }
  }
}
