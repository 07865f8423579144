package org.oversky.gateway.dnslink;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.oversky.cache.ContentKey;
import org.oversky.gateway.metrics.Failures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * Which content key a DNSLink host's root is: its {@code _dnslink.HOST} TXT record, {@code
 * dnslink=/key/SHA256}, asked of a resolver without blocking, and kept for the record's TTL. When
 * the resolver fails (no answer, SERVFAIL), the last known mapping goes on being used, marked
 * stale; an authoritative "no such record" forgets it. Lookups of one host in flight are shared.
 */
public final class DnslinkResolver {
  /** How long "no DNSLink record" is believed. */
  static final long NEGATIVE_MILLIS = 30_000;

  /** The longest a mapping is kept before it is asked again, whatever its TTL. */
  static final long MAX_TTL_SECONDS = 86_400;

  /** How long one lookup may take. */
  static final Duration TIMEOUT = Duration.ofSeconds(3);

  private static final Logger LOG = LoggerFactory.getLogger(DnslinkResolver.class);
  private static final String PREFIX = "dnslink=/key/";

  /**
   * A host's root.
   *
   * @param key the content key its record names
   * @param ttlSeconds the record's TTL
   * @param fetchedMillis when it was read
   * @param stale whether the resolver failed and this is the last known mapping
   */
  public record Link(ContentKey key, long ttlSeconds, long fetchedMillis, boolean stale) {
    /** What is left of the TTL at {@code nowMillis}, in seconds: the {@code max-age} to send. */
    public long maxAgeSeconds(long nowMillis) {
      return stale ? 0 : Math.max(0, ttlSeconds - (nowMillis - fetchedMillis) / 1000);
    }
  }

  /** What a lookup found: a link, or why there is none. */
  public record Resolved(Optional<Link> link, String why) {}

  /** A lookup that failed with no mapping known to fall back on. */
  public static final class LookupFailed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    LookupFailed(String message) {
      super(message);
    }
  }

  private record Negative(long untilMillis, String why) {}

  private final InetSocketAddress resolver;
  private final InstantSource clock;
  private final Failures failures;
  private final Map<String, Link> known = new ConcurrentHashMap<>();
  private final Map<String, Negative> absent = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<Resolved>> inFlight = new ConcurrentHashMap<>();
  private final LongAdder lookups = new LongAdder();
  private final LongAdder staleServed = new LongAdder();

  public DnslinkResolver(InetSocketAddress resolver, InstantSource clock, Failures failures) {
    this.resolver = resolver;
    this.clock = clock;
    this.failures = failures;
  }

  /** The system's first resolver (/etc/resolv.conf), if it has one. */
  public static Optional<InetSocketAddress> systemResolver() {
    List<InetSocketAddress> servers = org.xbill.DNS.ResolverConfig.getCurrentConfig().servers();
    return servers.isEmpty() ? Optional.empty() : Optional.of(servers.get(0));
  }

  /** The root of {@code host} (lower case, no port): from memory while its TTL lasts, else asked. */
  public CompletableFuture<Resolved> lookup(String host) {
    long now = clock.millis();
    Link link = known.get(host);
    if (link != null && link.maxAgeSeconds(now) > 0) {
      return CompletableFuture.completedFuture(new Resolved(Optional.of(link), ""));
    }
    Negative no = absent.get(host);
    if (no != null && now < no.untilMillis()) {
      return CompletableFuture.completedFuture(new Resolved(Optional.empty(), no.why()));
    }
    CompletableFuture<Resolved> mine = new CompletableFuture<>();
    CompletableFuture<Resolved> shared = inFlight.putIfAbsent(host, mine);
    if (shared != null) {
      return shared;
    }
    ask(host).whenComplete((r, e) -> {
      inFlight.remove(host, mine);
      if (e != null) {
        mine.completeExceptionally(e);
      } else {
        mine.complete(r);
      }
    });
    return mine;
  }

  private CompletableFuture<Resolved> ask(String host) {
    Name name;
    try {
      name = Name.fromString("_dnslink." + host + ".");
    } catch (TextParseException e) {
      return CompletableFuture.completedFuture(new Resolved(Optional.empty(), "'" + host + "' is not a DNS name"));
    }
    lookups.increment();
    SimpleResolver r = new SimpleResolver(resolver);
    r.setTimeout(TIMEOUT);
    Message query = Message.newQuery(Record.newRecord(name, Type.TXT, DClass.IN));
    return r.sendAsync(query).toCompletableFuture().handle((answer, error) -> {
      if (error != null || (answer.getRcode() != Rcode.NOERROR && answer.getRcode() != Rcode.NXDOMAIN)) {
        String what = error != null ? "no answer (" + error.getMessage() + ")" : Rcode.string(answer.getRcode());
        return failed(host, name + " TXT at " + resolver + ": " + what, error);
      }
      return read(host, name, answer);
    });
  }

  private Resolved failed(String host, String why, Throwable error) {
    failures.report(LOG, "dnslink-lookup-failed", "the DNSLink lookup of " + why + "; the last known mapping is used if there is one", error);
    Link last = known.get(host);
    if (last == null) {
      throw new LookupFailed(why);
    }
    staleServed.increment();
    return new Resolved(Optional.of(new Link(last.key(), last.ttlSeconds(), last.fetchedMillis(), true)), "");
  }

  private Resolved read(String host, Name name, Message answer) {
    long now = clock.millis();
    String seen = "";
    for (Record rec : answer.getSection(Section.ANSWER)) {
      if (rec instanceof TXTRecord txt && rec.getName().equals(name)) {
        String value = String.join("", txt.getStrings()); // a long value comes split into strings
        if (value.startsWith("dnslink=")) {
          seen = value;
        }
        String hex = value.startsWith(PREFIX) ? value.substring(PREFIX.length()).trim() : "";
        if (ContentKey.isWellFormed(hex)) {
          Link link = new Link(new ContentKey(hex), Math.min(txt.getTTL(), MAX_TTL_SECONDS), now, false);
          known.put(host, link);
          absent.remove(host);
          return new Resolved(Optional.of(link), "");
        }
      }
    }
    String why = answer.getRcode() == Rcode.NXDOMAIN ? name + " does not exist"
        : seen.isEmpty() ? name + " has no dnslink= TXT record"
        : name + " says '" + seen + "', not dnslink=/key/ and 64 lowercase hex digits";
    known.remove(host);
    absent.put(host, new Negative(now + NEGATIVE_MILLIS, why));
    return new Resolved(Optional.empty(), why);
  }

  /** For the status document: lookups sent, stale mappings served, hosts known. */
  public Map<String, Object> status() {
    return Map.of("resolver", resolver.getAddress().getHostAddress() + ":" + resolver.getPort(), "lookups", lookups.sum(),
        "staleServed", staleServed.sum(), "hostsKnown", known.size());
  }
}
