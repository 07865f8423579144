package org.oversky.dns;

import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.ClientSubnetOption;
import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * The answer to one DNS query for the CDN's zone, as one pure function of the query's bytes, the
 * address it came from and the nodes the routing decision picks ({@link Nodes}). Authoritative
 * (AA) in the zone, REFUSED outside it, never recursive (RA clear). A site's name answers A (and
 * AAAA) records of the chosen nodes' IPv4 (and IPv6) addresses, with a TTL of {@link #TTL} seconds, or {@link #DEGRADED_TTL} while
 * its region is degraded; the apex answers SOA and NS (TTL 3600); a name of the zone with another
 * type is NODATA and a name not in it NXDOMAIN, both with the SOA (minimum 300, and a TTL of 300
 * there, RFC 2308 section 3). The question is echoed as asked (its case too), EDNS0 is answered
 * with {@link #UDP_PAYLOAD}, an EDNS version other than 0 with BADVERS (RFC 6891 section 6.1.3),
 * and an EDNS Client Subnet is used as the client and echoed with the scope the answer holds for
 * (0 when it depends on no client address, or the subnet's source prefix is 0). A query that is not DNS gets FORMERR
 * when its header can be read, and nothing otherwise.
 */
public final class Responder {
  /** The TTL of a site's A records, in seconds. */
  public static final long TTL = 30;
  /** The TTL while the answer's region is degraded (in panic, or fallen back to another). */
  public static final long DEGRADED_TTL = 10;
  /** The TTL of the SOA and NS records. */
  public static final long ZONE_TTL = 3600;
  /** The SOA minimum: how long a negative answer may be cached. */
  public static final long NEGATIVE_TTL = 300;
  /** The UDP payload this server advertises in EDNS0 (the DNS flag day's size). */
  public static final int UDP_PAYLOAD = 1232;

  /** Told of every query answered: its rcode and type, as their mnemonics ({@code NOERROR}, {@code A}). */
  @FunctionalInterface
  public interface Listener {
    /** Nothing is told. */
    Listener NONE = (rcode, type) -> { };

    void answered(String rcode, String type);
  }

  /** Which nodes a client of a site is sent to. */
  @FunctionalInterface
  public interface Nodes {
    /** The addresses for a client at {@code client} asking for site {@code host}, best first. */
    Picked pick(InetAddress client, String host);
  }

  /**
   * The nodes picked for one answer.
   *
   * @param addresses their addresses, IPv4 and IPv6
   * @param degraded whether their region is degraded (the TTL is then shorter)
   * @param scope how many leading bits of the client's address the pick depends on: the answer
   *     holds for every client that shares them (echoed as the ECS scope, RFC 7871 section 7.2.1)
   */
  public record Picked(List<InetAddress> addresses, boolean degraded, int scope) {}

  private final Name zone;
  /** The zone's name servers, the first the SOA's primary, each with its address when it is in the zone (glue). */
  private final Map<Name, Optional<InetAddress>> nameServers;
  private final Map<Name, String> sites;
  private final Nodes nodes;
  private final SOARecord soa;
  /** The SOA in the authority section of a negative answer: its TTL is min(TTL, MINIMUM) (RFC 2308 section 3). */
  private final SOARecord negativeSoa;
  private final Listener listener;
  private final Optional<RateLimit> rateLimit;

  /**
   * @param zone the CDN's zone, such as {@code cdn.example.net}
   * @param siteHosts the sites' hosts; each is answered at its host with dots as dashes under the zone
   * @param nameServerAddress the address of this node's DNS, answered for the zone's one name
   *     server, {@code ns1.ZONE}
   * @param nodes the routing decision
   */
  public Responder(String zone, List<String> siteHosts, InetAddress nameServerAddress, Nodes nodes) {
    this(zone, derivedNames(siteHosts), Map.of("ns1." + zone, nameServerAddress), nodes, Listener.NONE, Optional.empty());
  }

  /** Each site's derived name: its host with dots as dashes (wildcard sites have none), to its host. */
  public static Map<String, String> derivedNames(List<String> siteHosts) {
    java.util.Map<String, String> out = new java.util.HashMap<>();
    for (String host : siteHosts) {
      if (!host.startsWith("*.")) {
        out.put(host.toLowerCase(Locale.ROOT).replace('.', '-'), host);
      }
    }
    return out;
  }

  /**
   * The canonical constructor: each site at its name relative to the zone ({@code siteNames},
   * name to host), the zone's name servers in order (the first the SOA's primary), telling
   * {@code listener} of every answer, and limiting UDP answers by {@code rateLimit} when given
   * (TCP is never limited).
   */
  public Responder(
      String zone, Map<String, String> siteNames, Map<String, InetAddress> nameServers, Nodes nodes, Listener listener, Optional<RateLimit> rateLimit) {
    this.listener = Objects.requireNonNull(listener, "listener");
    this.rateLimit = Objects.requireNonNull(rateLimit, "rateLimit");
    try {
      this.zone = Name.fromString(zone.endsWith(".") ? zone : zone + ".");
      if (nameServers.isEmpty()) {
        throw new IllegalArgumentException("a zone has at least one name server");
      }
      java.util.LinkedHashMap<Name, Optional<InetAddress>> ns = new java.util.LinkedHashMap<>();
      for (Map.Entry<String, InetAddress> e : nameServers.entrySet()) { // in the order given: the first is the primary
        Name n = Name.fromString(e.getKey().endsWith(".") ? e.getKey() : e.getKey() + ".").canonicalize();
        ns.put(n, n.subdomain(this.zone) ? Optional.of(e.getValue()) : Optional.empty());
      }
      this.nameServers = java.util.Collections.unmodifiableMap(ns);
      java.util.HashMap<Name, String> byName = new java.util.HashMap<>();
      siteNames.forEach((relative, host) -> byName.put(Name.fromConstantString(relative.toLowerCase(Locale.ROOT) + "." + this.zone), host));
      this.sites = Map.copyOf(byName);
    } catch (TextParseException e) {
      throw new IllegalArgumentException("not a DNS name: " + e.getMessage(), e);
    }
    this.nodes = Objects.requireNonNull(nodes, "nodes");
    this.soa = new SOARecord(this.zone, DClass.IN, ZONE_TTL, this.nameServers.keySet().iterator().next(),
        Name.fromConstantString("hostmaster." + this.zone),
        1, 3600, 600, 86_400, NEGATIVE_TTL);
    this.negativeSoa = new SOARecord(this.zone, DClass.IN, Math.min(ZONE_TTL, NEGATIVE_TTL), soa.getHost(), soa.getAdmin(),
        soa.getSerial(), soa.getRefresh(), soa.getRetry(), soa.getExpire(), soa.getMinimum());
  }

  /**
   * The answer's bytes for {@code query}, or empty to send nothing. {@code maxUdp} is the most
   * bytes a UDP answer may have (the answer is truncated, TC set, beyond it); -1 over TCP.
   */
  public Optional<byte[]> respond(byte[] query, InetAddress source, boolean udp) {
    Message q;
    try {
      q = new Message(query);
    } catch (IOException e) {
      Optional<byte[]> formErr = formErr(query);
      formErr.ifPresent(a -> listener.answered(Rcode.string(Rcode.FORMERR), "malformed"));
      return formErr;
    }
    Optional<Message> answer = answer(q, source, udp);
    answer.ifPresent(a -> listener.answered(Rcode.string(a.getRcode()), questionType(q))); // getRcode: with the OPT's extended bits
    return answer.map(a -> udp ? a.toWire(maxUdp(q)) : a.toWire());
  }

  /** The most bytes a UDP answer to {@code q} may have: what its EDNS0 offers, within [512, {@link #UDP_PAYLOAD}]. */
  private static int maxUdp(Message q) {
    OPTRecord opt = q.getOPT();
    return opt == null ? 512 : Math.max(512, Math.min(opt.getPayloadSize(), UDP_PAYLOAD));
  }

  /** The type of a query's question as a mnemonic, for counting: {@code A}, {@code AAAA}, … or {@code other}. */
  private static String questionType(Message query) {
    Record q = query.getQuestion();
    return q == null ? "none" : COUNTED.contains(q.getType()) ? Type.string(q.getType()) : "other";
  }

  /** The query types counted by name; the others are counted as {@code other}, so a flood of odd types makes no new counters. */
  private static final java.util.Set<Integer> COUNTED = java.util.Set.of(Type.A, Type.AAAA, Type.NS, Type.SOA, Type.ANY, Type.TXT, Type.CNAME, Type.MX, Type.HTTPS);

  private Optional<Message> answer(Message q, InetAddress source, boolean udp) {
    Message r = new Message(q.getHeader().getID());
    Header h = r.getHeader();
    h.setFlag(Flags.QR);
    if (q.getHeader().getFlag(Flags.RD)) {
      h.setFlag(Flags.RD);
    }
    h.setOpcode(q.getHeader().getOpcode());
    Record question = q.getQuestion();
    if (q.getHeader().getFlag(Flags.QR) || question == null || q.getHeader().getCount(Section.QUESTION) != 1) {
      if (q.getHeader().getFlag(Flags.QR)) {
        return Optional.empty();
      }
      withRcode(r, Rcode.FORMERR);
      return Optional.of(withOpt(r, q.getOPT(), null, 0));
    }
    r.addRecord(question, Section.QUESTION);
    OPTRecord opt = q.getOPT();
    if (opt != null && opt.getVersion() != 0) { // RFC 6891 6.1.3: BADVERS, in an OPT of the version implemented
      r.addRecord(new OPTRecord(UDP_PAYLOAD, Rcode.BADVERS >>> 4, 0, 0), Section.ADDITIONAL);
      return Optional.of(r);
    }
    ClientSubnetOption ecs = null;
    if (opt != null) {
      for (EDNSOption o : opt.getOptions(EDNSOption.Code.CLIENT_SUBNET)) {
        ecs = (ClientSubnetOption) o;
      }
    }
    // RFC 7871 section 7.1.2: a source prefix of 0 asks that no client address be used; the
    // resolver's own address places the answer then, as without ECS, and the scope echoed is 0
    boolean anonymous = ecs == null || ecs.getSourcePrefixLength() == 0;
    InetAddress client = anonymous ? source : ecs.getAddress();
    Name name = question.getName();
    if (udp && rateLimit.isPresent()) {
      Name counted = countedAs(name);
      RateLimit.Verdict verdict = rateLimit.get().check(source, counted, counted == name ? question.getType() : 0);
      if (verdict == RateLimit.Verdict.DROP) {
        return Optional.empty();
      }
      if (verdict == RateLimit.Verdict.SLIP) {
        h.setFlag(Flags.TC); // empty and truncated: a real resolver asks again over TCP
        return Optional.of(withOpt(r, opt, ecs, 0));
      }
    }
    int scope = q.getHeader().getOpcode() != Opcode.QUERY ? withRcode(r, Rcode.NOTIMP) : fill(r, question, client);
    return Optional.of(withOpt(r, opt, ecs, anonymous ? 0 : scope));
  }

  /**
   * What a UDP answer about {@code name} counts against in the rate limit: the name itself for
   * a name of the zone, the zone for one that does not exist (so that a flood of random names is
   * limited as one, as BIND's RRL counts NXDOMAIN), the root for a name outside it (REFUSED).
   */
  private Name countedAs(Name name) {
    if (!name.subdomain(zone)) {
      return Name.root;
    }
    Name lower = name.canonicalize();
    return lower.equals(zone) || sites.containsKey(lower) || nameServers.containsKey(lower) ? name : zone;
  }

  /**
   * The OPT of an answer to a query that had one (RFC 6891 section 7), echoing its client subnet
   * with {@code scope}; none otherwise.
   */
  private static Message withOpt(Message r, OPTRecord opt, ClientSubnetOption ecs, int scope) {
    if (opt != null) {
      r.addRecord(new OPTRecord(UDP_PAYLOAD, 0, 0, 0,
          ecs == null ? List.of() : List.of(new ClientSubnetOption(ecs.getSourcePrefixLength(), scope, ecs.getAddress()))),
          Section.ADDITIONAL);
    }
    return r;
  }

  /**
   * Fills the answer to {@code question} from a client at {@code client} into {@code r}, and
   * returns how many leading bits of the client's address it depends on (0 but for a site's
   * addresses).
   */
  private int fill(Message r, Record question, InetAddress client) {
    Header h = r.getHeader();
    Name name = question.getName();
    if (!name.subdomain(zone)) {
      h.setRcode(Rcode.REFUSED);
      return 0;
    }
    h.setFlag(Flags.AA);
    int type = question.getType();
    Name lower = name.canonicalize();
    String site = sites.get(lower);
    int scope = 0;
    if (lower.equals(zone)) {
      if (type == Type.SOA || type == Type.ANY) {
        r.addRecord(soaAs(name), Section.ANSWER);
      } else if (type == Type.NS) {
        for (Map.Entry<Name, Optional<InetAddress>> ns : nameServers.entrySet()) {
          r.addRecord(new NSRecord(name, DClass.IN, ZONE_TTL, ns.getKey()), Section.ANSWER);
          ns.getValue().ifPresent(a -> r.addRecord(address(ns.getKey(), a), Section.ADDITIONAL));
        }
      } else {
        r.addRecord(negativeSoa, Section.AUTHORITY);
      }
    } else if (nameServers.containsKey(lower) && nameServers.get(lower).isPresent()) {
      InetAddress a = nameServers.get(lower).get();
      boolean six = a instanceof java.net.Inet6Address;
      if (type == Type.ANY || type == (six ? Type.AAAA : Type.A)) {
        r.addRecord(address(name, a), Section.ANSWER);
      } else {
        r.addRecord(negativeSoa, Section.AUTHORITY);
      }
    } else if (site != null) {
      if (type == Type.A || type == Type.AAAA || type == Type.ANY) { // ANY: the A set alone (RFC 8482)
        Picked picked = nodes.pick(client, site);
        scope = picked.scope();
        long ttl = picked.degraded() ? DEGRADED_TTL : TTL;
        boolean six = type == Type.AAAA;
        for (InetAddress a : picked.addresses()) {
          if (a instanceof java.net.Inet6Address && six) {
            r.addRecord(new org.xbill.DNS.AAAARecord(name, DClass.IN, ttl, a), Section.ANSWER);
          } else if (a instanceof java.net.Inet4Address && !six) {
            r.addRecord(new ARecord(name, DClass.IN, ttl, a), Section.ANSWER);
          }
        }
        if (r.getSection(Section.ANSWER).isEmpty()) {
          r.addRecord(negativeSoa, Section.AUTHORITY); // no node of that family (or none healthy): NODATA
        }
      } else {
        r.addRecord(negativeSoa, Section.AUTHORITY);
      }
    } else {
      h.setRcode(Rcode.NXDOMAIN);
      r.addRecord(negativeSoa, Section.AUTHORITY);
    }
    return scope;
  }

  private static Record address(Name name, InetAddress a) {
    return a instanceof java.net.Inet6Address
        ? new org.xbill.DNS.AAAARecord(name, DClass.IN, ZONE_TTL, a)
        : new ARecord(name, DClass.IN, ZONE_TTL, a);
  }

  private SOARecord soaAs(Name asked) {
    return new SOARecord(asked, DClass.IN, ZONE_TTL, soa.getHost(), soa.getAdmin(), soa.getSerial(), soa.getRefresh(),
        soa.getRetry(), soa.getExpire(), soa.getMinimum());
  }

  /** Sets {@code r}'s rcode; an error depends on no client address (scope 0). */
  private static int withRcode(Message r, int rcode) {
    r.getHeader().setRcode(rcode);
    return 0;
  }

  /** FORMERR for a query whose header (12 bytes) can be read; nothing for less. */
  private static Optional<byte[]> formErr(byte[] query) {
    if (query.length < 12 || (query[2] & 0x80) != 0) {
      return Optional.empty(); // no header, or a response: never answer one
    }
    Message r = new Message(((query[0] & 0xff) << 8) | (query[1] & 0xff));
    r.getHeader().setFlag(Flags.QR);
    r.getHeader().setRcode(Rcode.FORMERR);
    return Optional.of(r.toWire());
  }
}
