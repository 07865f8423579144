package org.oversky.gateway.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;

/** Small request bodies (API JSON, DHT messages), read with a bound. Blocking: call from a pool thread. */
public final class RequestBodies {
  /** An oversized body up to this size is read and dropped before the answer; a larger one is not read. */
  static final long DRAIN_LIMIT = 1 << 20;

  private RequestBodies() {}

  /**
   * The body when it has at most {@code max} bytes; empty when it has more. An oversized body of
   * up to 1 MiB is read and dropped first, so that a client still writing it receives the
   * answer (a 413) rather than a reset connection.
   */
  public static Optional<byte[]> read(Request request, int max) throws IOException {
    long declared = request.getLength();
    try (InputStream in = Content.Source.asInputStream(request)) {
      if (declared > max) {
        if (declared <= DRAIN_LIMIT) {
          in.transferTo(OutputStream.nullOutputStream());
        }
        return Optional.empty();
      }
      byte[] body = in.readNBytes(max + 1);
      return body.length > max ? Optional.empty() : Optional.of(body);
    }
  }
}
