package org.oversky.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * The node's authoritative DNS as the real {@code dig} (BIND's dnsutils) sees it, over UDP and TCP
 * on loopback: EDNS0, truncation and TCP fallback, several queries on one TCP connection, REFUSED
 * and the AA/RA flags, NXDOMAIN and NODATA with the SOA (RFC 2308), the question's case kept
 * (0x20), minimal ANY (RFC 8482), EDNS Client Subnet (RFC 7871), malformed packets, and response
 * rate limiting with slip. Each check parses dig's own output, as an operator would read it.
 */
class DnsDigTest {
  static final String ZONE = "cdn.test.";
  static final String SITE = "site-test.cdn.test.";
  /** Out-of-zone name servers (a secondary DNS provider's), so that the NS set does not fit in 512 bytes. */
  static final int SECONDARIES = 12;

  static TestNode node;
  static int port;

  @BeforeAll
  static void start(@TempDir Path dir) throws Exception {
    requireDig();
    Path zones = Files.writeString(dir.resolve("zones.json"),
        "{\"coverageZones\": {\"eu\": {\"network\": [\"127.0.1.0/24\"]}, \"us\": {\"network\": [\"127.0.2.0/24\"]}}}");
    port = freeUdpPort("127.0.1.1");
    StringBuilder nameServers = new StringBuilder("ns1.cdn.test=127.0.1.1,ns2.cdn.test=127.0.1.2");
    for (int i = 1; i <= SECONDARIES; i++) {
      nameServers.append(String.format(",ns%02d.secondary-dns-provider-%02d.example.net=192.0.2.%d", i, i, i));
    }
    Map<String, String> settings = new HashMap<>(Map.of("listen", "127.0.1.1:0", "node.region", "eu", "routing.region-map", zones.toString(),
        "sites", "site.test=http://127.0.0.1:9", "dns.listen", "127.0.1.1:" + port, "dns.zone", "cdn.test",
        "dns.nameservers", nameServers.toString(),
        "dns.rate-limit", "0")); // the checks here ask the same name many times a second; rate limiting has its own node below
    node = TestNode.start(dir.resolve("node"), settings);
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  // ---- EDNS0 (RFC 6891)

  @Test
  void ednsReplyAdvertisesTheServersUdpPayloadAndAnUnknownVersionGetsBadvers() throws Exception {
    Reply plain = dig(SITE, "A").only();
    assertEquals("NOERROR", plain.status(), plain.text());
    assertEquals(0, plain.ednsVersion(), plain.text());
    assertEquals(1232, plain.ednsUdp(), "the OPT record advertises the server's payload size: " + plain.text());

    Reply big = dig("+bufsize=4096", SITE, "A").only();
    assertEquals(1232, big.ednsUdp(), "the server's own size, whatever the client offers: " + big.text());

    Reply none = dig("+noedns", SITE, "A").only();
    assertEquals("NOERROR", none.status(), none.text());
    assertEquals(-1, none.ednsVersion(), "no OPT record in the answer to a query without one: " + none.text());

    Reply v1 = dig("+edns=1", "+noednsnegotiation", SITE, "A").only();
    assertEquals("BADVERS", v1.status(), "RFC 6891 6.1.3: an EDNS version the server does not implement: " + v1.text());
    assertEquals(0, v1.ednsVersion(), "answered with the version the server implements: " + v1.text());
    assertTrue(v1.answer().isEmpty(), v1.text());
  }

  // ---- Truncation and TCP (RFC 7766)

  @Test
  void anNsSetTooLargeForUdpIsTruncatedAndWholeOverTcp() throws Exception {
    int all = 2 + SECONDARIES;
    Reply fits = dig(ZONE, "NS").only();
    assertEquals("UDP", fits.transport(), fits.text());
    assertFalse(fits.flags().contains("tc"), "fits in the EDNS payload of 1232: " + fits.text());
    assertEquals(all, fits.answer().size(), fits.text());
    assertEquals(Set.of("127.0.1.1", "127.0.1.2"), fits.additional().stream().map(Rr::data).collect(Collectors.toSet()),
        "glue for the name servers in the zone: " + fits.text());

    for (String small : List.of("+noedns", "+bufsize=512")) {
      Reply truncated = dig(small, "+ignore", ZONE, "NS").only();
      assertEquals("UDP", truncated.transport(), truncated.text());
      assertTrue(truncated.flags().contains("tc"), small + ": TC over UDP: " + truncated.text());
      assertTrue(truncated.answer().size() < all, small + ": " + truncated.text());
    }

    Dig fallback = dig("+noedns", ZONE, "NS");
    assertTrue(fallback.output().contains("Truncated, retrying in TCP mode"), fallback.output());
    Reply whole = fallback.only();
    assertEquals("TCP", whole.transport(), whole.text());
    assertFalse(whole.flags().contains("tc"), whole.text());
    assertEquals(all, whole.answer().size(), "the whole NS set over TCP: " + whole.text());
    assertEquals(all, dig("+tcp", ZONE, "NS").only().answer().size());
  }

  @Test
  void severalQueriesOnOneTcpConnectionAreAllAnswered() throws Exception {
    long before = dnsCount(node, "queries");
    try (CountingRelay relay = new CountingRelay(new InetSocketAddress("127.0.1.1", port))) {
      List<Reply> replies = digAt("127.0.1.1", relay.port(), "127.0.1.50", List.of("+tcp", "+keepopen",
          SITE, "A", ZONE, "SOA", "nothing.cdn.test.", "A", SITE, "AAAA", ZONE, "NS")).replies();
      assertEquals(List.of("NOERROR", "NOERROR", "NXDOMAIN", "NOERROR", "NOERROR"), replies.stream().map(Reply::status).toList(),
          replies.toString());
      assertTrue(replies.stream().allMatch(r -> r.transport().equals("TCP")), replies.toString());
      assertEquals(List.of("A", "SOA", "none", "none", "NS"),
          replies.stream().map(r -> r.answer().isEmpty() ? "none" : r.answer().get(0).type()).toList());
      assertEquals(1, relay.accepted(), "dig +keepopen asked all five on one connection");
    }
    assertEquals(before + 5, dnsCount(node, "queries"), "the server answered five queries");

    // RFC 7766 6.2.1.1: queries pipelined on one connection before any answer is read
    try (Socket s = new Socket("127.0.1.1", port)) {
      s.setSoTimeout(10_000); // a guard against a stall, not a timing
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      List<Integer> ids = new ArrayList<>();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      for (String name : List.of(SITE, ZONE, "nothing.cdn.test.")) {
        Message q = Message.newQuery(Record.newRecord(Name.fromString(name), Type.A, DClass.IN));
        ids.add(q.getHeader().getID());
        byte[] wire = q.toWire();
        all.write(wire.length >> 8);
        all.write(wire.length);
        all.write(wire);
      }
      out.write(all.toByteArray()); // one write: the three queries arrive together
      out.flush();
      DataInputStream in = new DataInputStream(s.getInputStream());
      List<Integer> answered = new ArrayList<>();
      List<Integer> rcodes = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        Message m = new Message(in.readNBytes(in.readUnsignedShort()));
        answered.add(m.getHeader().getID());
        rcodes.add(m.getRcode());
      }
      assertEquals(ids, answered);
      assertEquals(List.of(Rcode.NOERROR, Rcode.NOERROR, Rcode.NXDOMAIN), rcodes);
    }
  }

  // ---- Authority and recursion flags

  @Test
  void outsideTheZoneIsRefusedAndNoAnswerOffersRecursionAndAnswersInTheZoneAreAuthoritative() throws Exception {
    for (String[] outside : List.of(new String[] {"www.example.com.", "A"}, new String[] {"test.", "SOA"}, new String[] {".", "NS"})) {
      Reply r = dig(outside).only();
      assertEquals("REFUSED", r.status(), String.join(" ", outside) + ": " + r.text());
      assertFalse(r.flags().contains("aa"), r.text());
      assertFalse(r.flags().contains("ra"), r.text());
      assertTrue(r.answer().isEmpty(), r.text());
    }
    List<String[]> inside = List.of(new String[] {SITE, "A"}, new String[] {"+tcp", SITE, "A"}, new String[] {ZONE, "SOA"},
        new String[] {ZONE, "NS"}, new String[] {"ns1.cdn.test.", "A"}, new String[] {"nothing.cdn.test.", "A"}, new String[] {SITE, "AAAA"},
        new String[] {"+norecurse", SITE, "A"});
    for (String[] q : inside) {
      Reply r = dig(q).only();
      assertTrue(r.flags().contains("aa"), "AA in the zone: " + String.join(" ", q) + ": " + r.text());
      assertFalse(r.flags().contains("ra"), "RA clear: " + String.join(" ", q) + ": " + r.text());
      assertEquals(!q[0].equals("+norecurse"), r.flags().contains("rd"), "RD copied from the query: " + r.text());
    }
  }

  // ---- Negative answers (RFC 2308)

  @Test
  void nxdomainAndNodataCarryTheZonesSoaWithTheNegativeTtl() throws Exception {
    Reply nx = dig("nothing.cdn.test.", "A").only();
    assertEquals("NXDOMAIN", nx.status(), nx.text());
    assertNegative(nx);
    Reply below = dig("x.site-test.cdn.test.", "A").only();
    assertEquals("NXDOMAIN", below.status(), "nothing below a site's name: " + below.text());

    for (String[] q : List.of(new String[] {SITE, "AAAA"}, new String[] {SITE, "TXT"}, new String[] {ZONE, "A"},
        new String[] {"ns1.cdn.test.", "AAAA"})) {
      Reply nodata = dig(q).only();
      assertEquals("NOERROR", nodata.status(), "NODATA: " + String.join(" ", q) + ": " + nodata.text());
      assertNegative(nodata);
    }

    Rr soa = dig(ZONE, "SOA").only().answer().get(0);
    assertEquals(3600, soa.ttl(), "the SOA's own TTL: " + soa);
    assertEquals("300", soa.data().split("\\s+")[6], "the SOA minimum, the negative TTL: " + soa);
    Reply ns = dig(ZONE, "NS").only();
    assertTrue(ns.answer().stream().allMatch(r -> r.type().equals("NS") && r.ttl() == 3600), ns.text());
  }

  /** An answer that is negative: no answer, and the zone's SOA in authority with the negative TTL (RFC 2308 section 3). */
  private static void assertNegative(Reply r) {
    assertTrue(r.answer().isEmpty(), r.text());
    assertEquals(1, r.authority().size(), r.text());
    Rr soa = r.authority().get(0);
    assertEquals(ZONE, soa.name().toLowerCase(Locale.ROOT), r.text());
    assertEquals("SOA", soa.type(), r.text());
    assertEquals("300", soa.data().split("\\s+")[6], "SOA minimum 300: " + r.text());
    assertEquals(300, soa.ttl(), "RFC 2308 3: the SOA's TTL in a negative answer is min(TTL, MINIMUM): " + r.text());
    assertTrue(r.flags().contains("aa"), r.text());
  }

  // ---- Case (0x20)

  @Test
  void namesMatchInAnyCaseAndTheQuestionIsEchoedInItsCase() throws Exception {
    Reply a = dig("SiTe-TeSt.CdN.TeSt.", "A").only();
    assertEquals("NOERROR", a.status(), a.text());
    assertEquals("SiTe-TeSt.CdN.TeSt. IN A", a.question(), a.text());
    assertFalse(a.answer().isEmpty(), a.text());
    assertTrue(a.answer().stream().allMatch(r -> r.name().equals("SiTe-TeSt.CdN.TeSt.")), "the owner as asked: " + a.text());

    Reply soa = dig("+tcp", "cDn.TEST.", "SOA").only();
    assertEquals("cDn.TEST. IN SOA", soa.question(), soa.text());
    assertEquals("cDn.TEST.", soa.answer().get(0).name(), soa.text());

    Reply nx = dig("NoThInG.cDn.TeSt.", "A").only();
    assertEquals("NXDOMAIN", nx.status(), nx.text());
    assertEquals("NoThInG.cDn.TeSt. IN A", nx.question(), nx.text());
  }

  // ---- ANY (RFC 8482)

  @Test
  void anyIsAnsweredWithOneRrset() throws Exception {
    for (String transport : List.of("+notcp", "+tcp")) {
      for (String[] q : List.of(new String[] {SITE, "A"}, new String[] {ZONE, "SOA"}, new String[] {"ns1.cdn.test.", "A"})) {
        Reply any = dig(transport, q[0], "ANY").only();
        assertEquals("NOERROR", any.status(), any.text());
        assertFalse(any.answer().isEmpty(), any.text());
        assertEquals(Set.of(q[1]), any.answer().stream().map(Rr::type).collect(Collectors.toSet()),
            "ANY " + q[0] + " " + transport + ": one RRset, " + q[1] + ": " + any.text());
        assertTrue(any.flags().contains("aa"), any.text());
      }
    }
  }

  // ---- EDNS Client Subnet (RFC 7871)

  @Test
  void theClientSubnetIsEchoedWithAScopeAndTailorsTheAnswer() throws Exception {
    Reply eu = dig("+subnet=127.0.1.0/24", SITE, "A").only();
    assertEquals("127.0.1.0/24/24", eu.clientSubnet(), "FAMILY, SOURCE PREFIX-LENGTH and ADDRESS echoed, scope 24 (the map's longest prefix): " + eu.text());
    assertEquals(30, eu.answer().get(0).ttl(), "an eu client gets the eu node: " + eu.text());

    Reply us = dig("+subnet=127.0.2.0/24", SITE, "A").only();
    assertEquals("127.0.2.0/24/24", us.clientSubnet(), us.text());
    assertEquals(10, us.answer().get(0).ttl(), "the subnet is the client: a us client has no node of its region, a degraded answer: " + us.text());

    Reply host = dig("+subnet=127.0.2.7/32", SITE, "A").only();
    assertEquals("127.0.2.7/32/24", host.clientSubnet(), "the answer holds for the whole /24 the map places alike: " + host.text());
    Reply six = dig("+subnet=2001:db8::/56", SITE, "A").only();
    assertEquals("2001:db8::/56/0", six.clientSubnet(), "the map has no IPv6 prefix: every IPv6 client is answered alike: " + six.text());
    Reply zero = dig("+subnet=0", SITE, "A").only();
    assertEquals("0.0.0.0/0/0", zero.clientSubnet(), "a /0 source: scope 0, cached for /0 queries alone (RFC 7871 7.3.1): " + zero.text());

    Reply nx = dig("+subnet=127.0.2.0/24", "nothing.cdn.test.", "A").only();
    assertEquals("127.0.2.0/24/0", nx.clientSubnet(), "an ECS option in every answer to a query with one, scope 0 where no client counts (RFC 7871 7.2.1): " + nx.text());
    assertEquals("", dig(SITE, "A").only().clientSubnet(), "none in an answer to a query without one");
  }

  // ---- Malformed packets

  @Test
  void malformedPacketsGetFormerrOrAreDroppedAndTheServerGoesOn() throws Exception {
    InetSocketAddress server = new InetSocketAddress("127.0.1.1", port);
    long queriesBefore = dnsCount(node, "queries");
    long droppedBefore = dnsCount(node, "dropped");
    byte[] valid = Message.newQuery(Record.newRecord(Name.fromString(SITE), Type.A, DClass.IN)).toWire();
    Map<String, byte[]> formErr = new LinkedHashMap<>();
    formErr.put("a header announcing a question it lacks", header(0x1101, 0x0100, 1));
    formErr.put("a question cut in its name", withId(Arrays.copyOf(valid, 20), 0x1102));
    formErr.put("a name compressed into a loop", concat(header(0x1103, 0x0100, 1), new byte[] {(byte) 0xc0, 12, 0, 1, 0, 1}));
    formErr.put("no question", header(0x1104, 0x0100, 0));
    byte[] twoQuestions = concat(header(0x1105, 0x0100, 2), Arrays.copyOfRange(valid, 12, valid.length), Arrays.copyOfRange(valid, 12, valid.length));
    formErr.put("two questions", twoQuestions);
    byte[] huge = new byte[65_507]; // the largest UDP payload over IPv4: a name of 63-byte labels far beyond 255 bytes
    Arrays.fill(huge, (byte) 63);
    System.arraycopy(header(0x1106, 0x0100, 1), 0, huge, 0, 12);
    formErr.put("65507 bytes", huge);
    byte[] response = concat(valid); // QR set: never answered, lest two servers answer each other forever
    response[2] |= (byte) 0x80;
    List<byte[]> drop = List.of(new byte[0], new byte[] {1, 2, 3, 4, 5}, response); // no header to answer, or an answer

    try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress("127.0.1.60", 0))) {
      udp.setSoTimeout(10_000); // a guard against a stall, not a timing
      for (Map.Entry<String, byte[]> e : formErr.entrySet()) {
        udp.send(new DatagramPacket(e.getValue(), e.getValue().length, server));
        Message m = receive(udp);
        assertEquals(Rcode.FORMERR, m.getRcode(), e.getKey() + ": " + m);
        assertEquals(((e.getValue()[0] & 0xff) << 8) | (e.getValue()[1] & 0xff), m.getHeader().getID(), e.getKey());
        assertTrue(m.getHeader().getFlag(Flags.QR), e.getKey());
      }
      byte[] update = withId(valid.clone(), 0x1107);
      update[2] = (byte) (5 << 3); // opcode UPDATE
      udp.send(new DatagramPacket(update, update.length, server));
      assertEquals(Rcode.NOTIMP, receive(udp).getRcode(), "an opcode other than QUERY");

      for (byte[] d : drop) {
        udp.send(new DatagramPacket(d, d.length, server));
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> dnsCount(node, "dropped") == droppedBefore + drop.size());
      byte[] after = withId(valid.clone(), 0x1108);
      udp.send(new DatagramPacket(after, after.length, server));
      Message m = receive(udp);
      assertEquals(0x1108, m.getHeader().getID(), "the next datagram is the answer to the next query: nothing was sent for the dropped ones");
      assertEquals(Rcode.NOERROR, m.getRcode());
    }
    assertEquals(queriesBefore + formErr.size() + 1 + drop.size() + 1, dnsCount(node, "queries"));

    // TCP: a length beyond the data and then the end; an empty message; half a length prefix left hanging
    try (Socket s = tcp()) {
      s.getOutputStream().write(new byte[] {1, 0, 0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0});
      s.shutdownOutput();
      assertEquals(-1, s.getInputStream().read(), "the server closes a connection whose message ended early");
    }
    try (Socket s = tcp()) {
      s.getOutputStream().write(new byte[] {0, 0});
      assertEquals(-1, s.getInputStream().read(), "an empty message: dropped, connection closed");
    }
    try (Socket s = tcp()) {
      s.close(); // connects and leaves at once
    }
    try (Socket stalled = tcp(); Socket s = tcp()) {
      stalled.getOutputStream().write(1); // half of a length prefix, and nothing more while the others are answered
      stalled.getOutputStream().flush();
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      DataInputStream in = new DataInputStream(s.getInputStream());
      byte[] junk = header(0x2201, 0x0100, 1);
      byte[] longJunk = new byte[65_535];
      Arrays.fill(longJunk, (byte) 63);
      System.arraycopy(header(0x2202, 0x0100, 1), 0, longJunk, 0, 12);
      for (byte[] q : List.of(junk, longJunk, withId(valid.clone(), 0x2203))) {
        out.writeShort(q.length);
        out.write(q);
        out.flush();
        Message m = new Message(in.readNBytes(in.readUnsignedShort()));
        assertEquals(((q[0] & 0xff) << 8) | (q[1] & 0xff), m.getHeader().getID());
        assertEquals(q == junk || q == longJunk ? Rcode.FORMERR : Rcode.NOERROR, m.getRcode(), "FORMERR, and the connection goes on: " + m);
      }
      assertEquals("NOERROR", dig(SITE, "A").only().status(), "UDP answered while a TCP client stalls");
      assertEquals("NOERROR", dig("+tcp", SITE, "A").only().status(), "TCP too");
    }
    assertEquals("NOERROR", dig(SITE, "A").only().status());
    assertEquals(200, node.get("/api/v1/status").statusCode());
  }

  // ---- Response rate limiting

  @Test
  void aBurstFromOnePrefixIsRateLimitedWithSlipWhileAnotherPrefixIsAnswered(@TempDir Path dir) throws Exception {
    int limitedPort = freeUdpPort("127.0.1.2");
    try (TestNode limited = TestNode.start(dir, Map.of("listen", "127.0.1.2:0", "sites", "site.test=http://127.0.0.1:9",
        "dns.listen", "127.0.1.2:" + limitedPort, "dns.zone", "cdn.test", "dns.rate-limit", "1"))) {
      List<String> query = List.of("+tries=1", "+ignore", SITE, "A"); // +ignore: a truncated answer is shown, not retried over TCP
      int burst = 12;
      List<Running> flood = new ArrayList<>();
      Running other = null;
      for (int i = 0; i < burst; i++) {
        flood.add(Running.start(digCommand("127.0.1.2", limitedPort, "127.0.3.50", query)));
        if (i == burst / 2) {
          other = Running.start(digCommand("127.0.1.2", limitedPort, "127.0.4.50", query)); // another /24, in the same burst
        }
      }
      int full = 0;
      int slipped = 0;
      int unanswered = 0;
      for (Running r : flood) {
        Dig d = r.finish();
        if (d.replies().isEmpty()) {
          unanswered++;
          continue;
        }
        Reply reply = d.only();
        if (reply.flags().contains("tc")) {
          assertTrue(reply.answer().isEmpty(), "a slipped answer is empty: " + reply.text());
          slipped++;
        } else {
          assertFalse(reply.answer().isEmpty(), reply.text());
          full++;
        }
      }
      String seen = full + " answered, " + slipped + " truncated, " + unanswered + " unanswered";
      assertTrue(full >= 1, seen);
      assertTrue(slipped >= 1, "every second answer past the limit slips out truncated: " + seen);
      assertTrue(unanswered >= 1, "the others are dropped: " + seen);
      assertEquals(burst, full + slipped + unanswered, seen);
      Reply otherPrefix = other.finish().only();
      assertEquals("NOERROR", otherPrefix.status(), otherPrefix.text());
      assertFalse(otherPrefix.flags().contains("tc"), "another prefix is answered in full: " + otherPrefix.text());
      assertFalse(otherPrefix.answer().isEmpty(), otherPrefix.text());
      await().atMost(Duration.ofSeconds(10)).until(() -> dnsCount(limited, "queries") == burst + 1);
      assertEquals(unanswered, dnsCount(limited, "dropped"), "the server counts what it dropped: " + seen);

      Reply overTcp = digAt("127.0.1.2", limitedPort, "127.0.3.50", List.of("+tcp", SITE, "A")).only();
      assertEquals("NOERROR", overTcp.status(), overTcp.text());
      assertFalse(overTcp.answer().isEmpty(), "TCP is never limited: " + overTcp.text());
    }
  }

  // ---- dig

  /** One answer as dig prints it: a resource record line. */
  record Rr(String name, long ttl, String type, String data) {
    static Rr parse(String line) {
      String[] f = line.trim().split("\\s+", 5);
      return new Rr(f[0], Long.parseLong(f[1]), f[3], f.length > 4 ? f[4] : "");
    }
  }

  /**
   * One reply as dig prints it.
   *
   * @param ednsVersion the OPT record's version, -1 without one
   * @param clientSubnet dig's {@code CLIENT-SUBNET} (address/source/scope), empty without one
   * @param transport {@code UDP} or {@code TCP}
   */
  record Reply(String status, Set<String> flags, String question, List<Rr> answer, List<Rr> authority, List<Rr> additional,
      int ednsVersion, int ednsUdp, String clientSubnet, String transport, String text) {
    private static final Pattern STATUS = Pattern.compile("status: ([A-Z]+)");
    private static final Pattern FLAGS = Pattern.compile("(?m)^;; flags:([^;]*);");
    private static final Pattern EDNS = Pattern.compile("(?m)^; EDNS: version: (\\d+), flags:[^;]*; udp: (\\d+)");
    private static final Pattern SUBNET = Pattern.compile("(?m)^; CLIENT-SUBNET: (\\S+)");
    private static final Pattern SERVER = Pattern.compile("(?m)^;; SERVER: .*\\((UDP|TCP)\\)");

    static Reply parse(String text) {
      Map<String, List<String>> sections = new HashMap<>();
      List<String> current = null;
      for (String line : text.split("\n")) {
        if (line.startsWith(";; ") && line.endsWith(" SECTION:")) {
          current = sections.computeIfAbsent(line.substring(3, line.length() - " SECTION:".length()), k -> new ArrayList<>());
        } else if (line.isBlank()) {
          current = null;
        } else if (current != null) {
          current.add(line);
        }
      }
      Matcher edns = EDNS.matcher(text);
      boolean hasEdns = edns.find();
      return new Reply(
          find(STATUS, text),
          Set.of(find(FLAGS, text).trim().split("\\s+")),
          sections.getOrDefault("QUESTION", List.of()).stream().map(q -> q.substring(1).trim().replaceAll("\\s+", " ")).findFirst().orElse(""),
          records(sections.get("ANSWER")),
          records(sections.get("AUTHORITY")),
          records(sections.get("ADDITIONAL")),
          hasEdns ? Integer.parseInt(edns.group(1)) : -1,
          hasEdns ? Integer.parseInt(edns.group(2)) : -1,
          find(SUBNET, text),
          find(SERVER, text),
          text);
    }

    private static String find(Pattern p, String text) {
      Matcher m = p.matcher(text);
      return m.find() ? m.group(1) : "";
    }

    private static List<Rr> records(List<String> lines) {
      return lines == null ? List.of() : lines.stream().map(Rr::parse).toList();
    }
  }

  /** dig's whole output, and the replies in it, in order. */
  record Dig(String output) {
    List<Reply> replies() {
      String[] parts = output.split(";; Got answer:");
      return Stream.of(parts).skip(1).map(Reply::parse).toList();
    }

    /** The one reply; fails when there is not exactly one. */
    Reply only() {
      List<Reply> r = replies();
      if (r.size() != 1) {
        fail("want one reply from dig, got " + r.size() + ":\n" + output);
      }
      return r.get(0);
    }
  }

  /** A dig process under way. */
  record Running(List<String> command, Process process, CompletableFuture<byte[]> output) {
    static Running start(List<String> command) throws IOException {
      Process p;
      try {
        p = new ProcessBuilder(command).redirectErrorStream(true).start();
      } catch (IOException e) {
        throw new AssertionError(MISSING_DIG, e);
      }
      CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> {
        try (InputStream in = p.getInputStream()) {
          return in.readAllBytes();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
      return new Running(command, p, out);
    }

    Dig finish() throws Exception {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        fail("dig did not finish within 30 s: " + String.join(" ", command));
      }
      return new Dig(new String(output.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8));
    }
  }

  static final String MISSING_DIG = "the DNS tests need dig: install the Debian package dnsutils (apt-get install dnsutils); ./run-tests installs it";

  private static void requireDig() throws Exception {
    Dig version = Running.start(List.of("dig", "-v")).finish();
    assertTrue(version.output().contains("DiG"), MISSING_DIG + "; 'dig -v' said: " + version.output());
  }

  /** dig's command line for a query to {@code server}:{@code port} from {@code source}. */
  private static List<String> digCommand(String server, int port, String source, List<String> args) {
    List<String> c = new ArrayList<>(List.of("dig", "-b", source, "-p", Integer.toString(port), "@" + server, "+time=3", "+tries=2"));
    c.addAll(args); // options after these override them, e.g. +tries=1
    return c;
  }

  private static Dig digAt(String server, int port, String source, List<String> args) throws Exception {
    return Running.start(digCommand(server, port, source, args)).finish();
  }

  /** dig asks the node from 127.0.1.50, a resolver in eu. */
  private static Dig dig(String... args) throws Exception {
    return digAt("127.0.1.1", port, "127.0.1.50", List.of(args));
  }

  // ---- the node, sockets and bytes

  private static long dnsCount(TestNode n, String key) throws Exception {
    Map<?, ?> dns = (Map<?, ?>) Jsons.parse(n.get("/api/v1/status").body()).get("dns");
    return ((Number) dns.get(key)).longValue();
  }

  private static int freeUdpPort(String ip) throws Exception {
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(ip, 0))) {
      return s.getLocalPort();
    }
  }

  private static Socket tcp() throws IOException {
    Socket s = new Socket();
    s.bind(new InetSocketAddress("127.0.1.60", 0));
    s.connect(new InetSocketAddress("127.0.1.1", port), 10_000);
    s.setSoTimeout(10_000); // a guard against a stall, not a timing
    return s;
  }

  private static Message receive(DatagramSocket udp) throws IOException {
    DatagramPacket p = new DatagramPacket(new byte[65_535], 65_535);
    udp.receive(p);
    return new Message(Arrays.copyOf(p.getData(), p.getLength()));
  }

  /** A DNS header: id, flags, QDCOUNT, and no other records. */
  private static byte[] header(int id, int flags, int questions) {
    return new byte[] {(byte) (id >> 8), (byte) id, (byte) (flags >> 8), (byte) flags, (byte) (questions >> 8), (byte) questions, 0, 0, 0, 0, 0, 0};
  }

  private static byte[] withId(byte[] message, int id) {
    message[0] = (byte) (id >> 8);
    message[1] = (byte) id;
    return message;
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  /** A TCP relay in front of the DNS server that counts the connections clients open through it. */
  static final class CountingRelay implements AutoCloseable {
    private final ServerSocket server;
    private final AtomicInteger accepted = new AtomicInteger();

    CountingRelay(InetSocketAddress upstream) throws IOException {
      server = new ServerSocket();
      server.bind(new InetSocketAddress(upstream.getAddress(), 0));
      Thread.ofVirtual().start(() -> {
        while (!server.isClosed()) {
          try {
            Socket client = server.accept();
            accepted.incrementAndGet();
            Socket up = new Socket(upstream.getAddress(), upstream.getPort());
            Thread.ofVirtual().start(() -> pump(client, up));
            Thread.ofVirtual().start(() -> pump(up, client));
          } catch (IOException e) {
            return; // closed
          }
        }
      });
    }

    private static void pump(Socket from, Socket to) {
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        in.transferTo(out);
      } catch (IOException e) {
        // one side went away; closing both ends below
      } finally {
        try {
          from.close();
          to.close();
        } catch (IOException ignored) {
          // already closed
        }
      }
    }

    int port() {
      return server.getLocalPort();
    }

    int accepted() {
      return accepted.get();
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
