package org.oversky.dns.update;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TSIG;
import org.xbill.DNS.Type;
import org.xbill.DNS.Update;

/**
 * The authoritative server that holds the zone (BIND 9, Knot, PowerDNS...), as a node reads and
 * changes its address records: the current A and AAAA sets of a name by a signed query, and an
 * RFC 2136 UPDATE that adds and deletes single records (never the whole set, so that the nodes of
 * other regions, kept by their own updater, are left alone). Everything goes over TCP, signed
 * with the TSIG key; blocking calls, for the updater's own thread.
 */
public final class Primary {
  /** What to do to one name: records to add and records to delete, by address. */
  public record Change(Set<InetAddress> add, Set<InetAddress> delete) {
    public Change {
      add = Set.copyOf(add);
      delete = Set.copyOf(delete);
    }

    /** Whether there is nothing to send. */
    public boolean empty() {
      return add.isEmpty() && delete.isEmpty();
    }
  }

  private final InetSocketAddress server;
  private final Name zone;
  private final TsigKeyFile key;
  private final TSIG tsig;
  private final Duration timeout;

  public Primary(InetSocketAddress server, Name zone, TsigKeyFile key, Duration timeout) {
    this.server = server;
    this.zone = zone;
    this.key = key;
    this.tsig = key.tsig();
    this.timeout = timeout;
  }

  private SimpleResolver resolver() {
    SimpleResolver r = new SimpleResolver(server);
    r.setTCP(true);
    r.setTSIGKey(tsig);
    r.setTimeout(timeout);
    return r;
  }

  /**
   * The addresses {@code name} has now (A and AAAA); none when it does not exist or has no
   * address. An answer that is not authoritative, or any other failure, is an {@link IOException}
   * naming the server and what it said.
   */
  public Set<InetAddress> addresses(Name name) throws IOException {
    Set<InetAddress> out = new LinkedHashSet<>();
    SimpleResolver r = resolver();
    for (int type : new int[] {Type.A, Type.AAAA}) {
      Message answer = r.send(Message.newQuery(Record.newRecord(name, type, DClass.IN)));
      int rcode = answer.getRcode();
      if (rcode == Rcode.NXDOMAIN) {
        return out;
      }
      if (rcode != Rcode.NOERROR) {
        throw new IOException(server + " answered " + Rcode.string(rcode) + " to " + name + " " + Type.string(type));
      }
      if (!answer.getHeader().getFlag(org.xbill.DNS.Flags.AA)) {
        throw new IOException(server + " is not authoritative for " + name + " (no AA): give the zone's primary");
      }
      for (Record rec : answer.getSection(Section.ANSWER)) {
        if (rec instanceof ARecord a && rec.getName().equals(name)) {
          out.add(a.getAddress());
        } else if (rec instanceof AAAARecord a && rec.getName().equals(name)) {
          out.add(a.getAddress());
        }
      }
    }
    return out;
  }

  /** Sends one signed UPDATE with every change in {@code changes}, atomic at the primary. */
  public void update(Map<Name, Change> changes, long ttlSeconds) throws IOException {
    Update update = new Update(zone);
    for (Map.Entry<Name, Change> e : changes.entrySet()) {
      for (InetAddress gone : e.getValue().delete()) {
        update.delete(record(e.getKey(), gone, 0));
      }
      for (InetAddress added : e.getValue().add()) {
        update.add(record(e.getKey(), added, ttlSeconds));
      }
    }
    Message answer = resolver().send(update);
    if (answer.getRcode() != Rcode.NOERROR) {
      throw new IOException(server + " refused the update of " + zone + ": " + Rcode.string(answer.getRcode())
          + (answer.getRcode() == Rcode.NOTAUTH || answer.getRcode() == Rcode.REFUSED
              ? " (is key " + key.name() + " allowed to update the zone there?)" : ""));
    }
  }

  private static Record record(Name name, InetAddress address, long ttl) {
    return address instanceof Inet4Address
        ? new ARecord(name, DClass.IN, ttl, address)
        : new AAAARecord(name, DClass.IN, ttl, address);
  }

  @Override
  public String toString() {
    return server.getAddress().getHostAddress() + ":" + server.getPort() + " zone " + zone;
  }
}
