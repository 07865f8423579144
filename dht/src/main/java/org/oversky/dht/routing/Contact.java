package org.oversky.dht.routing;

import java.net.InetAddress;
import java.net.URI;
import java.util.Locale;
import java.util.Objects;
import org.oversky.dht.id.NodeId;

/**
 * What a node knows about another: its id, where to send requests, and how it last answered.
 *
 * <p>{@code address} is the IP the contact was seen from (the peer of the connection that
 * answered), not necessarily the host of {@code baseUrl}; the routing table bounds entries per
 * address with it, so it must never be resolved from a name the contact chose.
 *
 * @param id the contact's node id
 * @param baseUrl its advertised base URL (absolute {@code http} or {@code https}), to which RPC
 *     paths such as {@code /dht/v1/ping} are appended
 * @param address the IP address the contact was seen from
 * @param lastSeen when it last answered, in epoch milliseconds
 * @param rttMillis its last measured round-trip time, or {@link #UNKNOWN_RTT}
 */
public record Contact(NodeId id, URI baseUrl, InetAddress address, long lastSeen, long rttMillis) {
  /** The {@code rttMillis} of a contact whose round-trip time has not been measured. */
  public static final long UNKNOWN_RTT = -1;

  public Contact {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(baseUrl, "baseUrl");
    Objects.requireNonNull(address, "address");
    String scheme = baseUrl.getScheme() == null ? "" : baseUrl.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || baseUrl.getHost() == null) {
      throw new IllegalArgumentException(
          "a contact's base URL is an absolute http or https URL such as http://203.0.113.5:8080, got '"
              + baseUrl + "'");
    }
    if (baseUrl.getRawQuery() != null || baseUrl.getRawFragment() != null || baseUrl.getRawUserInfo() != null) {
      throw new IllegalArgumentException(
          "a contact's base URL has no user info, query or fragment, got '" + baseUrl + "'");
    }
    if (lastSeen < 0) {
      throw new IllegalArgumentException("lastSeen is epoch milliseconds, got " + lastSeen);
    }
    if (rttMillis < UNKNOWN_RTT) {
      throw new IllegalArgumentException(
          "rttMillis is a round-trip time in milliseconds or -1 for unknown, got " + rttMillis);
    }
  }

  /** A contact whose round-trip time is not known yet. */
  public static Contact of(NodeId id, URI baseUrl, InetAddress address, long lastSeen) {
    return new Contact(id, baseUrl, address, lastSeen, UNKNOWN_RTT);
  }

  /** This contact after it answered at {@code when} in {@code rttMillis}. */
  public Contact seen(long when, long rttMillis) {
    return new Contact(id, baseUrl, address, when, rttMillis);
  }
}
