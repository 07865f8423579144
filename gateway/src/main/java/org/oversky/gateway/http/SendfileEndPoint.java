package org.oversky.gateway.http;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection's end point that sends a body's bytes from its file with {@code sendfile}
 * ({@link FileChannel#transferTo}) instead of copying them from a buffer: the kernel hands the
 * page cache's pages to the socket, so the copy into the socket's buffer (a quarter of a 100 KiB
 * hit's CPU) is not made. Jetty 12.1 has no such path of its own.
 *
 * <p>The writer still passes Jetty the body as a buffer (a slice of the file's mapped window, the
 * same bytes), and first {@linkplain #offer offers} the end point that buffer together with the
 * file and the file offset of its first byte. Jetty frames, counts and flushes the response as
 * usual; when the buffer reaches {@link #flush} on this end point, its bytes go with {@code
 * sendfile} from the file and its position moves as if they had been written. A buffer not
 * offered (a response head, a body in memory, a TLS record, an HTTP/2 frame) is written as Jetty
 * writes it. Offered only for clear-text HTTP/1.x ({@link #of}), where the response's bytes on
 * the wire are the body's bytes. If the file cannot be sent (closed, an error), the buffer itself
 * is written: nothing is lost, it only costs the copy.
 */
public final class SendfileEndPoint extends SocketChannelEndPoint {
  private static final Logger LOG = LoggerFactory.getLogger(SendfileEndPoint.class);

  /** Counts of a connector's end points: bytes sent from files, and sends that fell back to a copy. */
  public record Counts(LongAdder bytes, LongAdder fallbacks) {
    public Counts() {
      this(new LongAdder(), new LongAdder());
    }
  }

  /** A buffer whose bytes are also bytes of {@code file}: the buffer's byte at {@code start} is the file's at {@code offset}. */
  private record Region(ByteBuffer buffer, int start, FileChannel file, long offset) {}

  private final Counts counts;
  private volatile Region region;

  private SendfileEndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key, Scheduler scheduler, Counts counts) {
    super(channel, selector, key, scheduler);
    this.counts = counts;
  }

  /**
   * A clear-text connector whose end points send offered buffers from their files, counting into
   * {@code counts}.
   */
  public static ServerConnector connector(Server server, int selectors, Counts counts, ConnectionFactory... factories) {
    return new ServerConnector(server, 1, selectors, factories) {
      @Override
      protected SocketChannelEndPoint newEndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key) {
        SendfileEndPoint endPoint = new SendfileEndPoint(channel, selector, key, getScheduler(), counts);
        endPoint.setIdleTimeout(getIdleTimeout());
        return endPoint;
      }
    };
  }

  /**
   * The end point of {@code request}'s connection when it can take offers: one of ours, clear
   * text, HTTP/1.0 or 1.1 (an HTTP/2 stream's bytes are framed; a TLS connection's are
   * encrypted).
   */
  public static Optional<SendfileEndPoint> of(Request request) {
    var meta = request.getConnectionMetaData();
    if (meta.isSecure() || (meta.getHttpVersion() != HttpVersion.HTTP_1_1 && meta.getHttpVersion() != HttpVersion.HTTP_1_0)) {
      return Optional.empty();
    }
    return meta.getConnection().getEndPoint() instanceof SendfileEndPoint s ? Optional.of(s) : Optional.empty();
  }

  /**
   * Offers {@code buffer} to be sent from {@code file}: its remaining bytes are those of {@code
   * file} from {@code offset} on. Good for the next write of exactly this buffer (by identity);
   * an earlier offer is forgotten. The caller keeps {@code file} open until the write completes.
   */
  public void offer(ByteBuffer buffer, FileChannel file, long offset) {
    region = new Region(buffer, buffer.position(), file, offset);
  }

  /**
   * Offers {@code buffer} to be sent from the file at {@code path} (see {@link #offer(ByteBuffer,
   * FileChannel, long)}), opened here and closed when the write completes: returns the callback
   * to write the buffer with. A file that cannot be opened (removed meanwhile) is counted as a
   * fallback and the buffer, holding the same bytes, is written as it is.
   */
  public Callback offer(ByteBuffer buffer, Path path, long offset, Callback callback) {
    FileChannel file;
    try {
      file = FileChannel.open(path, StandardOpenOption.READ);
    } catch (IOException e) {
      counts.fallbacks().increment();
      LOG.debug("sendfile of {} fell back to a copy: {}", path, e.toString());
      return callback;
    }
    offer(buffer, file, offset);
    return Callback.from(callback, () -> {
      try {
        file.close();
      } catch (IOException e) {
        LOG.debug("closing {} after sendfile: {}", path, e.toString()); // read-only: nothing to lose
      }
    });
  }

  @Override
  public boolean flush(ByteBuffer... buffers) throws IOException {
    Region r = region;
    int at = r == null ? -1 : indexOf(buffers, r.buffer());
    if (at < 0) {
      return super.flush(buffers);
    }
    if (at > 0 && !super.flush(Arrays.copyOfRange(buffers, 0, at))) {
      return false; // the head first, in order
    }
    ByteBuffer b = r.buffer();
    while (b.hasRemaining()) {
      long n;
      try {
        n = r.file().transferTo(r.offset() + (b.position() - r.start()), b.remaining(), getChannel());
      } catch (IOException e) {
        if (r.file().isOpen()) {
          throw new EofException(e); // the connection failed, as Jetty's own write reports it
        }
        region = null; // the file was closed under the write: the buffer holds the same bytes
        counts.fallbacks().increment();
        LOG.debug("sendfile of {} bytes fell back to a copy: {}", b.remaining(), e.toString());
        return super.flush(Arrays.copyOfRange(buffers, at, buffers.length));
      }
      if (n <= 0) {
        return false; // the socket's buffer is full: Jetty waits for it to drain and flushes again
      }
      b.position(b.position() + (int) n);
      counts.bytes().add(n);
      notIdle();
    }
    region = null;
    return at + 1 == buffers.length || super.flush(Arrays.copyOfRange(buffers, at + 1, buffers.length));
  }

  private static int indexOf(ByteBuffer[] buffers, ByteBuffer b) {
    for (int i = 0; i < buffers.length; i++) {
      if (buffers[i] == b) {
        return i;
      }
    }
    return -1;
  }
}
