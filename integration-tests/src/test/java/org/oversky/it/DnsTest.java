package org.oversky.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.ClientSubnetOption;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * Two real nodes in two regions, one answering DNS for the zone: a resolver of a region gets its
 * region's node, an EDNS Client Subnet of the other region gets the other's, over UDP and TCP,
 * from a real DNS client (dnsjava's resolver) on loopback.
 */
class DnsTest {
  private static int freeUdpPort(String ip) throws Exception {
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(ip, 0))) {
      return s.getLocalPort();
    }
  }

  private static Message ask(int port, String name, boolean tcp, ClientSubnetOption ecs) throws Exception {
    SimpleResolver r = new SimpleResolver(InetAddress.getByName("127.0.1.1"));
    r.setPort(port);
    r.setTCP(tcp);
    r.setLocalAddress(new InetSocketAddress("127.0.1.50", 0));
    r.setTimeout(Duration.ofSeconds(5));
    Message q = Message.newQuery(Record.newRecord(Name.fromString(name), Type.A, DClass.IN));
    if (ecs != null) {
      q.addRecord(new OPTRecord(1232, 0, 0, 0, List.of(ecs)), Section.ADDITIONAL);
    }
    return r.send(q);
  }

  private static List<String> addresses(Message m) {
    return m.getSection(Section.ANSWER).stream().map(x -> ((ARecord) x).getAddress().getHostAddress()).toList();
  }


  @Test
  void aResolverGetsTheNodesOfItsRegionAndAnEcsSubnetThoseOfItsOwn(@TempDir Path dir) throws Exception {
    Path zones = Files.writeString(dir.resolve("zones.json"),
        "{\"coverageZones\": {\"eu\": {\"network\": [\"127.0.1.0/24\"]}, \"us\": {\"network\": [\"127.0.2.0/24\"]}}}");
    int dnsPort = freeUdpPort("127.0.1.1");
    Map<String, String> eu = new HashMap<>(Map.of("listen", "127.0.1.1:0", "node.region", "eu", "routing.region-map", zones.toString(),
        "sites", "site.test=http://127.0.0.1:9,other.test=http://127.0.0.1:9;dns-name=www", "dns.listen", "127.0.1.1:" + dnsPort,
        "dns.zone", "cdn.test"));
    try (TestNode a = TestNode.start(dir.resolve("a"), eu);
        TestNode b = TestNode.start(dir.resolve("b"), Map.of("listen", "127.0.2.1:0", "node.region", "us",
            "routing.region-map", zones.toString(), "sites", "site.test=http://127.0.0.1:9", "dht.bootstrap", a.base.toString()))) {
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() -> a.stateOf(b).equals("up"));

      Message udp = ask(dnsPort, "site-test.cdn.test.", false, null);
      assertEquals(Rcode.NOERROR, udp.getRcode());
      assertTrue(udp.getHeader().getFlag(Flags.AA) && !udp.getHeader().getFlag(Flags.RA), udp.toString());
      assertEquals(List.of("127.0.1.1"), addresses(udp), "the eu resolver gets the eu node");
      assertEquals(List.of("127.0.1.1"), addresses(ask(dnsPort, "site-test.cdn.test.", true, null)), "over TCP too");
      Message us = ask(dnsPort, "site-test.cdn.test.", false, new ClientSubnetOption(24, InetAddress.getByName("127.0.2.0")));
      assertEquals(List.of("127.0.2.1"), addresses(us), "a us client subnet gets the us node");
      assertEquals(Rcode.REFUSED, ask(dnsPort, "www.example.com.", false, null).getRcode());
      assertEquals(Rcode.NXDOMAIN, ask(dnsPort, "other.cdn.test.", false, null).getRcode());
      assertEquals(List.of("127.0.1.1"), addresses(ask(dnsPort, "www.cdn.test.", false, null)), "a site's configured name");
      assertEquals(Rcode.NXDOMAIN, ask(dnsPort, "other-test.cdn.test.", false, null).getRcode(), "a configured name replaces the derived one");

      @SuppressWarnings("unchecked")
      Map<String, Object> dns = (Map<String, Object>) Jsons.parse(a.get("/api/v1/status").body()).get("dns");
      assertEquals(Map.of("NOERROR", 4, "NXDOMAIN", 2, "REFUSED", 1), dns.get("byRcode"), dns.toString());
      assertEquals(Map.of("eu", 3, "us", 1), dns.get("answersByRegion"), dns.toString());
      String metrics = new String(a.get("/metrics").body(), java.nio.charset.StandardCharsets.UTF_8);
      assertTrue(metrics.contains("oversky_dns_queries_total{rcode=\"REFUSED\",type=\"A\"} 1.0"), metrics);
    }
  }
}
