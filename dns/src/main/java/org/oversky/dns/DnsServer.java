package org.oversky.dns;

import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@link Responder}'s answers over UDP and TCP on one address. UDP: one thread receives
 * and answers each datagram in turn (an answer is computed in microseconds; nothing blocks in
 * it). TCP: a thread accepts, and each connection gets a virtual thread that answers its
 * length-prefixed queries one after the other (RFC 7766) until the client closes it or stays idle
 * for {@link #TCP_IDLE_MILLIS}. A query that cannot be answered is counted and dropped; the
 * server goes on.
 */
public final class DnsServer implements Closeable {
  /** How long a TCP connection may stay idle. */
  public static final int TCP_IDLE_MILLIS = 10_000;

  private static final Logger LOG = LoggerFactory.getLogger(DnsServer.class);

  private final Responder responder;
  private final DatagramChannel udp;
  private final ServerSocketChannel tcp;
  private final LongAdder queries = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private volatile boolean closed;

  private DnsServer(Responder responder, DatagramChannel udp, ServerSocketChannel tcp) {
    this.responder = responder;
    this.udp = udp;
    this.tcp = tcp;
  }

  /** Binds UDP and TCP on {@code address} and starts answering. */
  public static DnsServer start(InetSocketAddress address, Responder responder) throws IOException {
    DatagramChannel udp = DatagramChannel.open().bind(address);
    ServerSocketChannel tcp;
    try {
      tcp = ServerSocketChannel.open().bind(address, 64);
    } catch (IOException e) {
      udp.close();
      throw e;
    }
    DnsServer server = new DnsServer(responder, udp, tcp);
    Thread.ofPlatform().name("oversky-dns-udp").daemon(true).start(server::udpLoop);
    Thread.ofPlatform().name("oversky-dns-tcp").daemon(true).start(server::tcpLoop);
    return server;
  }

  /** Queries answered or dropped since the start. */
  public long queries() {
    return queries.sum();
  }

  /** Queries dropped (not DNS, or failed) since the start. */
  public long dropped() {
    return dropped.sum();
  }

  private void udpLoop() {
    ByteBuffer in = ByteBuffer.allocate(65_535);
    while (!closed) {
      try {
        in.clear();
        InetSocketAddress from = (InetSocketAddress) udp.receive(in);
        in.flip();
        byte[] query = new byte[in.remaining()];
        in.get(query);
        answer(query, from.getAddress(), true).ifPresent(a -> {
          try {
            udp.send(ByteBuffer.wrap(a), from);
          } catch (IOException e) {
            dropped.increment();
            LOG.debug("dns: could not answer {}: {}", from, e.toString());
          }
        });
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException | RuntimeException e) {
        dropped.increment();
        LOG.warn("dns: a UDP query failed; the server goes on: {}", e.toString());
      }
    }
  }

  private void tcpLoop() {
    while (!closed) {
      try {
        Socket s = tcp.accept().socket();
        Thread.ofVirtual().name("oversky-dns-tcp-conn").start(() -> connection(s));
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException e) {
        dropped.increment();
        LOG.warn("dns: accepting a TCP connection failed; the server goes on: {}", e.toString());
      }
    }
  }

  private void connection(Socket s) {
    try (s) {
      s.setSoTimeout(TCP_IDLE_MILLIS);
      DataInputStream in = new DataInputStream(s.getInputStream());
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      InetAddress from = s.getInetAddress();
      while (!closed) {
        int length;
        try {
          length = in.readUnsignedShort();
        } catch (EOFException | SocketTimeoutException e) {
          return; // the client is done, or idle
        }
        byte[] query = in.readNBytes(length);
        if (query.length < length) {
          return;
        }
        Optional<byte[]> a = answer(query, from, false);
        if (a.isEmpty()) {
          return;
        }
        out.writeShort(a.get().length);
        out.write(a.get());
        out.flush();
      }
    } catch (IOException e) {
      LOG.debug("dns: a TCP connection ended: {}", e.toString());
    }
  }

  private Optional<byte[]> answer(byte[] query, InetAddress from, boolean overUdp) {
    queries.increment();
    try {
      Optional<byte[]> a = responder.respond(query, from, overUdp);
      if (a.isEmpty()) {
        dropped.increment();
      }
      return a;
    } catch (RuntimeException e) {
      dropped.increment();
      LOG.warn("dns: a query from {} could not be answered; dropped: {}", from.getHostAddress(), e.toString());
      return Optional.empty();
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    udp.close();
    tcp.close();
  }
}
