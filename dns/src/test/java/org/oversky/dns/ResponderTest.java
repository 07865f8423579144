package org.oversky.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.ClientSubnetOption;
import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

class ResponderTest {
  private final List<InetAddress> clients = new ArrayList<>();
  private boolean degraded;
  private List<InetAddress> picked;
  private int scope = 16;
  private final Responder responder;

  ResponderTest() throws Exception {
    picked = List.of(InetAddress.getByName("127.0.1.1"), InetAddress.getByName("127.0.1.2"));
    responder = new Responder("cdn.test", List.of("site.test", "*.wild.test"), InetAddress.getByName("127.0.1.1"), (client, host) -> {
      clients.add(client);
      return new Responder.Picked(picked, degraded, scope);
    });
  }

  private Message ask(String name, int type, OPTRecord opt, boolean udp) throws Exception {
    Message q = Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN));
    if (opt != null) {
      q.addRecord(opt, Section.ADDITIONAL);
    }
    return new Message(responder.respond(q.toWire(), InetAddress.getByName("127.0.1.50"), udp).orElseThrow());
  }

  private static List<String> answers(Message m) {
    return m.getSection(Section.ANSWER).stream().map(r -> r.rdataToString() + " ttl " + r.getTTL()).toList();
  }

  @Test
  void aSitesNameAnswersTheChosenNodesAuthoritativelyWithoutRecursion() throws Exception {
    Message r = ask("site-test.cdn.test.", Type.A, null, true);
    assertEquals(Rcode.NOERROR, r.getRcode());
    assertTrue(r.getHeader().getFlag(Flags.AA));
    assertFalse(r.getHeader().getFlag(Flags.RA));
    assertEquals(List.of("127.0.1.1 ttl 30", "127.0.1.2 ttl 30"), answers(r));
    assertEquals(InetAddress.getByName("127.0.1.50"), clients.get(0), "the resolver is the client without ECS");
    degraded = true;
    assertEquals(List.of("127.0.1.1 ttl 10", "127.0.1.2 ttl 10"), answers(ask("site-test.cdn.test.", Type.A, null, true)),
        "a degraded region: a shorter TTL");
  }

  @Test
  void theQuestionIsEchoedInItsCaseAndNamesMatchInAnyCase() throws Exception {
    Message r = ask("SiTe-TeSt.CdN.TeSt.", Type.A, null, true);
    assertEquals("SiTe-TeSt.CdN.TeSt.", r.getQuestion().getName().toString());
    assertEquals(2, r.getSection(Section.ANSWER).size());
  }

  @Test
  void negativeAnswersCarryTheSoaAndTellNxdomainFromNodata() throws Exception {
    Message nx = ask("nothing.cdn.test.", Type.A, null, true);
    assertEquals(Rcode.NXDOMAIN, nx.getRcode());
    assertEquals(Type.SOA, nx.getSection(Section.AUTHORITY).get(0).getType());
    assertEquals(300, ((org.xbill.DNS.SOARecord) nx.getSection(Section.AUTHORITY).get(0)).getMinimum());
    Message nodata = ask("site-test.cdn.test.", Type.AAAA, null, true);
    assertEquals(Rcode.NOERROR, nodata.getRcode());
    assertTrue(nodata.getSection(Section.ANSWER).isEmpty());
    assertEquals(Type.SOA, nodata.getSection(Section.AUTHORITY).get(0).getType());
    assertEquals(Rcode.NXDOMAIN, ask("x.wild-test.cdn.test.", Type.A, null, true).getRcode(), "a wildcard site has no name of its own");
  }

  @Test
  void rfc2308_3_theSoaOfANegativeAnswerHasTheNegativeTtlAndTheSoaItselfItsOwn() throws Exception {
    for (Message negative : List.of(ask("nothing.cdn.test.", Type.A, null, true), ask("site-test.cdn.test.", Type.AAAA, null, false))) {
      org.xbill.DNS.SOARecord soa = (org.xbill.DNS.SOARecord) negative.getSection(Section.AUTHORITY).get(0);
      assertEquals(Responder.NEGATIVE_TTL, soa.getTTL(), "min(SOA TTL, SOA MINIMUM): " + negative);
      assertEquals(Responder.NEGATIVE_TTL, soa.getMinimum());
    }
    assertEquals(Responder.ZONE_TTL, ask("cdn.test.", Type.SOA, null, true).getSection(Section.ANSWER).get(0).getTTL());
  }

  @Test
  void rfc6891_6_1_3_anEdnsVersionOtherThanZeroGetsBadversWithVersionZero() throws Exception {
    Message r = ask("site-test.cdn.test.", Type.A, new OPTRecord(1232, 0, 1, 0), true);
    assertEquals(Rcode.BADVERS, r.getRcode());
    assertEquals(0, r.getOPT().getVersion());
    assertEquals(Responder.UDP_PAYLOAD, r.getOPT().getPayloadSize());
    assertTrue(r.getSection(Section.ANSWER).isEmpty());
    assertTrue(clients.isEmpty(), "no routing decision for it");
    List<String> counted = new ArrayList<>();
    Responder listened = new Responder("cdn.test", Responder.derivedNames(List.of("site.test")), java.util.Map.of("ns1.cdn.test", InetAddress.getByName("127.0.1.1")),
        (client, host) -> new Responder.Picked(picked, false, 0), (rcode, type) -> counted.add(rcode + " " + type), Optional.empty());
    Message q = Message.newQuery(Record.newRecord(Name.fromString("site-test.cdn.test."), Type.A, DClass.IN));
    q.addRecord(new OPTRecord(1232, 0, 1, 0), Section.ADDITIONAL);
    listened.respond(q.toWire(), InetAddress.getByName("127.0.1.50"), true).orElseThrow();
    assertEquals(List.of("BADVERS A"), counted, "counted by its extended rcode");
  }

  @Test
  void theApexAnswersSoaAndNsAndOutsideTheZoneIsRefused() throws Exception {
    assertEquals(List.of("ns1.cdn.test. hostmaster.cdn.test. 1 3600 600 86400 300 ttl 3600"), answers(ask("cdn.test.", Type.SOA, null, true)));
    Message ns = ask("cdn.test.", Type.NS, null, true);
    assertEquals(List.of("ns1.cdn.test. ttl 3600"), answers(ns));
    assertEquals("127.0.1.1", ((ARecord) ns.getSection(Section.ADDITIONAL).get(0)).getAddress().getHostAddress());
    Message out = ask("www.example.com.", Type.A, null, true);
    assertEquals(Rcode.REFUSED, out.getRcode());
    assertFalse(out.getHeader().getFlag(Flags.AA));
    assertEquals(List.of("127.0.1.1 ttl 30", "127.0.1.2 ttl 30"), answers(ask("site-test.cdn.test.", Type.ANY, null, true)),
        "ANY: the A set alone (RFC 8482)");
  }

  @Test
  void ednsIsAnsweredAndTheClientSubnetIsTheClientAndIsEchoedWithItsScope() throws Exception {
    OPTRecord opt = new OPTRecord(4096, 0, 0, 0, List.of(new ClientSubnetOption(24, InetAddress.getByName("127.0.2.0"))));
    Message r = ask("site-test.cdn.test.", Type.A, opt, true);
    assertEquals(InetAddress.getByName("127.0.2.0"), clients.get(0));
    assertEquals(Responder.UDP_PAYLOAD, r.getOPT().getPayloadSize());
    ClientSubnetOption echoed = (ClientSubnetOption) r.getOPT().getOptions(EDNSOption.Code.CLIENT_SUBNET).get(0);
    assertEquals(24, echoed.getSourcePrefixLength());
    assertEquals(16, echoed.getScopePrefixLength(), "the scope is what the pick depended on, not the source prefix");
    assertEquals(InetAddress.getByName("127.0.2.0"), echoed.getAddress());
  }

  @Test
  void rfc7871_anAnswerThatDependsOnNoClientHasScopeZero() throws Exception {
    OPTRecord opt = new OPTRecord(4096, 0, 0, 0, List.of(new ClientSubnetOption(24, InetAddress.getByName("127.0.2.0"))));
    for (String name : List.of("cdn.test.", "nothing.cdn.test.")) {
      ClientSubnetOption echoed = (ClientSubnetOption) ask(name, Type.A, opt, true).getOPT().getOptions(EDNSOption.Code.CLIENT_SUBNET).get(0);
      assertEquals(0, echoed.getScopePrefixLength(), name);
    }
  }

  @Test
  void rfc7871_7_1_2_aSourcePrefixOfZeroPlacesTheAnswerByTheResolverAndGetsScopeZero() throws Exception {
    OPTRecord opt = new OPTRecord(4096, 0, 0, 0, List.of(new ClientSubnetOption(0, InetAddress.getByName("0.0.0.0"))));
    Message r = ask("site-test.cdn.test.", Type.A, opt, true);
    assertEquals(InetAddress.getByName("127.0.1.50"), clients.get(0), "not the address 0.0.0.0 of an empty subnet");
    ClientSubnetOption echoed = (ClientSubnetOption) r.getOPT().getOptions(EDNSOption.Code.CLIENT_SUBNET).get(0);
    assertEquals(0, echoed.getSourcePrefixLength());
    assertEquals(0, echoed.getScopePrefixLength());
  }

  @Test
  void rfc6891_7_everyAnswerToAQueryWithEdnsHasAnOpt() throws Exception {
    Message notify = Message.newQuery(Record.newRecord(Name.fromString("cdn.test."), Type.SOA, DClass.IN));
    notify.getHeader().setOpcode(org.xbill.DNS.Opcode.NOTIFY);
    notify.addRecord(new OPTRecord(4096, 0, 0, 0), Section.ADDITIONAL);
    Message r = new Message(responder.respond(notify.toWire(), InetAddress.getByName("127.0.1.50"), true).orElseThrow());
    assertEquals(Rcode.NOTIMP, r.getRcode());
    assertTrue(r.getOPT() != null, "NOTIMP keeps the OPT");
    Message noQuestion = new Message();
    noQuestion.addRecord(new OPTRecord(4096, 0, 0, 0), Section.ADDITIONAL);
    Message formErr = new Message(responder.respond(noQuestion.toWire(), InetAddress.getByName("127.0.1.50"), true).orElseThrow());
    assertEquals(Rcode.FORMERR, formErr.getRcode());
    assertTrue(formErr.getOPT() != null, "FORMERR of a readable query keeps the OPT");
  }

  @Test
  void anAnswerTooLargeForUdpIsTruncatedAndWholeOverTcp() throws Exception {
    List<InetAddress> many = new ArrayList<>();
    for (int i = 1; i <= 60; i++) {
      many.add(InetAddress.getByName("10.0.0." + i));
    }
    picked = many;
    Message udp = ask("site-test.cdn.test.", Type.A, null, true);
    assertTrue(udp.getHeader().getFlag(Flags.TC), "60 A records do not fit in 512 bytes");
    Message tcp = ask("site-test.cdn.test.", Type.A, null, false);
    assertFalse(tcp.getHeader().getFlag(Flags.TC));
    assertEquals(60, tcp.getSection(Section.ANSWER).size());
  }

  @Test
  void garbageGetsFormerrWhenItHasAHeaderAndNothingOtherwise() throws Exception {
    byte[] junk = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7f};
    Message r = new Message(responder.respond(junk, InetAddress.getByName("127.0.0.1"), true).orElseThrow());
    assertEquals(Rcode.FORMERR, r.getRcode());
    assertEquals(0x1234, r.getHeader().getID());
    assertEquals(Optional.empty(), responder.respond(new byte[] {1, 2, 3}, InetAddress.getByName("127.0.0.1"), true));
    byte[] response = Message.newQuery(Record.newRecord(Name.fromString("site-test.cdn.test."), Type.A, DClass.IN)).toWire();
    response[2] |= (byte) 0x80;
    assertEquals(Optional.empty(), responder.respond(response, InetAddress.getByName("127.0.0.1"), true), "never answer an answer");
  }

  @Test
  void udpAnswersPastTheRateAreDroppedOrSlipTruncatedAndTcpIsNeverLimited() throws Exception {
    java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong(5_000);
    Responder limited = new Responder("cdn.test", Responder.derivedNames(List.of("site.test")), java.util.Map.of("ns1.cdn.test", InetAddress.getByName("127.0.1.1")),
        (client, host) -> new Responder.Picked(picked, false, 0), Responder.Listener.NONE,
        Optional.of(new RateLimit(1, 2, () -> java.time.Instant.ofEpochMilli(now.get()))));
    byte[] q = Message.newQuery(Record.newRecord(Name.fromString("site-test.cdn.test."), Type.A, DClass.IN)).toWire();
    InetAddress from = InetAddress.getByName("192.0.2.7");
    assertEquals(2, new Message(limited.respond(q, from, true).orElseThrow()).getSection(Section.ANSWER).size());
    assertEquals(Optional.empty(), limited.respond(q, from, true), "the second answer in the second: dropped");
    Message slipped = new Message(limited.respond(q, from, true).orElseThrow());
    assertTrue(slipped.getHeader().getFlag(Flags.TC) && slipped.getSection(Section.ANSWER).isEmpty(), "the third: slipped out truncated");
    assertEquals(2, new Message(limited.respond(q, from, false).orElseThrow()).getSection(Section.ANSWER).size(), "TCP is never limited");
  }

  @Test
  void namesThatDoNotExistAreRateLimitedTogetherSoARandomNameFloodIsLimited() throws Exception {
    Responder limited = new Responder("cdn.test", Responder.derivedNames(List.of("site.test")), java.util.Map.of("ns1.cdn.test", InetAddress.getByName("127.0.1.1")),
        (client, host) -> new Responder.Picked(picked, false, 0), Responder.Listener.NONE,
        Optional.of(new RateLimit(1, 0, () -> java.time.Instant.ofEpochMilli(5_000))));
    InetAddress from = InetAddress.getByName("192.0.2.7");
    byte[] first = Message.newQuery(Record.newRecord(Name.fromString("a1.cdn.test."), Type.A, DClass.IN)).toWire();
    byte[] second = Message.newQuery(Record.newRecord(Name.fromString("b2.cdn.test."), Type.TXT, DClass.IN)).toWire();
    byte[] site = Message.newQuery(Record.newRecord(Name.fromString("site-test.cdn.test."), Type.A, DClass.IN)).toWire();
    assertEquals(Rcode.NXDOMAIN, new Message(limited.respond(first, from, true).orElseThrow()).getRcode());
    assertEquals(Optional.empty(), limited.respond(second, from, true), "another name that does not exist counts with the first");
    assertTrue(limited.respond(site, from, true).isPresent(), "a name that exists has its own count");
    byte[] outside = Message.newQuery(Record.newRecord(Name.fromString("x.example."), Type.A, DClass.IN)).toWire();
    byte[] outside2 = Message.newQuery(Record.newRecord(Name.fromString("y.example."), Type.A, DClass.IN)).toWire();
    assertEquals(Rcode.REFUSED, new Message(limited.respond(outside, from, true).orElseThrow()).getRcode());
    assertEquals(Optional.empty(), limited.respond(outside2, from, true), "names outside the zone (REFUSED) count together");
  }

  @Test
  void aaaaAnswersTheChosenNodesIpv6AddressesAndNodataWithoutAny() throws Exception {
    Message none = ask("site-test.cdn.test.", Type.AAAA, null, true);
    assertTrue(none.getSection(Section.ANSWER).isEmpty() && none.getRcode() == Rcode.NOERROR, "IPv4 nodes only: NODATA");
    picked = List.of(InetAddress.getByName("127.0.1.1"), InetAddress.getByName("2001:db8::7"));
    assertEquals(List.of("2001:db8:0:0:0:0:0:7 ttl 30"), answers(ask("site-test.cdn.test.", Type.AAAA, null, true)));
    assertEquals(List.of("127.0.1.1 ttl 30"), answers(ask("site-test.cdn.test.", Type.A, null, true)));
  }

  @Test
  void randomBytesAndMangledQueriesNeverThrow() throws Exception {
    java.util.SplittableRandom random = new java.util.SplittableRandom(42);
    byte[] valid = Message.newQuery(Record.newRecord(Name.fromString("site-test.cdn.test."), Type.A, DClass.IN)).toWire();
    int answered = 0;
    for (int i = 0; i < 20_000; i++) {
      byte[] b;
      if (i % 2 == 0) {
        b = new byte[random.nextInt(0, 600)];
        random.nextBytes(b);
      } else {
        b = valid.clone();
        for (int k = 0; k < 1 + random.nextInt(4); k++) {
          b[random.nextInt(b.length)] = (byte) random.nextInt(256);
        }
      }
      Optional<byte[]> a = responder.respond(b, InetAddress.getByName("127.0.1.50"), true);
      if (a.isPresent()) {
        answered++;
        assertTrue(a.get().length <= Responder.UDP_PAYLOAD, "a UDP answer fits the payload advertised");
        new Message(a.get()); // and is itself a well-formed message
      }
    }
    assertTrue(answered > 0);
  }

  @Test
  void configuredNameServersAreTheZonesNsWithGlueForThoseInIt() throws Exception {
    java.util.LinkedHashMap<String, InetAddress> ns = new java.util.LinkedHashMap<>();
    ns.put("b.ns.cdn.test", InetAddress.getByName("192.0.2.2"));
    ns.put("a.ns.cdn.test", InetAddress.getByName("2001:db8::53"));
    ns.put("ns.example.net", InetAddress.getByName("198.51.100.1"));
    Responder r = new Responder("cdn.test", Responder.derivedNames(List.of("site.test")), ns, (client, host) -> new Responder.Picked(picked, false, 0),
        Responder.Listener.NONE, Optional.empty());
    byte[] q = Message.newQuery(Record.newRecord(Name.fromString("cdn.test."), Type.NS, DClass.IN)).toWire();
    Message answer = new Message(r.respond(q, InetAddress.getByName("127.0.0.1"), true).orElseThrow());
    assertEquals(List.of("b.ns.cdn.test. ttl 3600", "a.ns.cdn.test. ttl 3600", "ns.example.net. ttl 3600"), answers(answer));
    assertEquals(2, answer.getSection(Section.ADDITIONAL).size(), "glue for the two in the zone only");
    byte[] soa = Message.newQuery(Record.newRecord(Name.fromString("cdn.test."), Type.SOA, DClass.IN)).toWire();
    assertTrue(answers(new Message(r.respond(soa, InetAddress.getByName("127.0.0.1"), true).orElseThrow())).get(0).startsWith("b.ns.cdn.test. "),
        "the first name server given is the SOA's primary");
    byte[] six = Message.newQuery(Record.newRecord(Name.fromString("A.NS.cdn.test."), Type.AAAA, DClass.IN)).toWire();
    assertEquals(List.of("2001:db8:0:0:0:0:0:53 ttl 3600"), answers(new Message(r.respond(six, InetAddress.getByName("127.0.0.1"), true).orElseThrow())));
  }
}
