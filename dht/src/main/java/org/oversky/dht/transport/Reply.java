package org.oversky.dht.transport;

import java.net.InetAddress;
import java.util.Objects;
import org.oversky.dht.rpc.Response;
import org.oversky.dht.rpc.Sender;

/**
 * A verified answer to a request.
 *
 * @param sender who signed the answer (its id matches its key)
 * @param address the IP address the answer came from: the peer of the connection, never a name
 *     the sender chose
 * @param payload the answer, of the RPC that was asked
 * @param rttMillis how long the request took, sending to answer
 */
public record Reply(Sender sender, InetAddress address, Response payload, long rttMillis) {
  public Reply {
    Objects.requireNonNull(sender, "sender");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(payload, "payload");
    if (rttMillis < 0) {
      throw new IllegalArgumentException("rttMillis is at least 0, got " + rttMillis);
    }
  }
}
