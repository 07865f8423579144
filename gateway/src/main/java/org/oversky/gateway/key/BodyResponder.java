package org.oversky.gateway.key;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.eclipse.jetty.http.ByteRange;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;
import org.oversky.cache.Body;
import org.oversky.cache.StoredBody;
import org.oversky.gateway.http.Problem;

/**
 * Answers a request with a stored body: the content-addressed headers, {@code If-None-Match}
 * ({@code 304}), {@code Range} ({@code 206}, multipart for several ranges, {@code 416}) and HEAD.
 * Bodies in heap are written without blocking; bodies on disk are copied in chunks on the
 * handler's own (pool) thread, so no disk read happens on a selector thread.
 */
final class BodyResponder {
  static final String IMMUTABLE = "public, max-age=31536000, immutable";
  // The same on every body: encoded once.
  private static final HttpField CACHE_CONTROL = new PreEncodedHttpField(HttpHeader.CACHE_CONTROL, IMMUTABLE);
  private static final HttpField ACCEPT_RANGES = new PreEncodedHttpField(HttpHeader.ACCEPT_RANGES, "bytes");
  private static final HttpField NOSNIFF = new PreEncodedHttpField("X-Content-Type-Options", "nosniff");
  // Anyone can store anything: never let a stored page run script as this node's origin.
  private static final HttpField SANDBOX = new PreEncodedHttpField("Content-Security-Policy", "sandbox");
  private static final long WINDOW = 8L << 20;

  private BodyResponder() {}

  static void respond(Request request, Response response, Callback callback, Body body) {
    StoredBody meta = body.meta();
    String etag = "\"" + meta.key().hex() + "\"";
    var headers = response.getHeaders();
    headers.put(HttpHeader.ETAG, etag);
    headers.put(CACHE_CONTROL);
    headers.put("Repr-Digest", "sha-256=:" + meta.key().base64() + ":");
    headers.put(ACCEPT_RANGES);
    headers.put(NOSNIFF);
    headers.put(SANDBOX);

    if (noneMatch(request, meta)) {
      response.setStatus(HttpStatus.NOT_MODIFIED_304);
      close(body);
      callback.succeeded();
      return;
    }
    boolean head = HttpMethod.HEAD.is(request.getMethod());
    List<String> rangeHeaders = request.getHeaders().getValuesList(HttpHeader.RANGE);
    if (!rangeHeaders.isEmpty() && ifRangeHolds(request, etag)) {
      List<ByteRange> ranges = ByteRange.parse(rangeHeaders, meta.size());
      if (ranges.isEmpty()) {
        headers.put(HttpHeader.CONTENT_RANGE, ByteRange.toNonSatisfiableHeaderValue(meta.size()));
        close(body);
        Problem problem =
            new Problem(
                416,
                "range-not-satisfiable",
                "Range not satisfiable",
                "the body has " + meta.size() + " bytes; ask for ranges inside 0-" + (meta.size() - 1));
        problem.send(response, callback);
        return;
      }
      response.setStatus(HttpStatus.PARTIAL_CONTENT_206);
      if (ranges.size() == 1) {
        ByteRange r = ranges.get(0);
        headers.put(HttpHeader.CONTENT_TYPE, meta.contentType());
        headers.put(HttpHeader.CONTENT_RANGE, r.toHeaderValue(meta.size()));
        headers.put(HttpHeader.CONTENT_LENGTH, r.getLength());
        send(response, callback, body, head, List.of(new Segment(null, r.first(), r.getLength())));
      } else {
        multipart(request, response, callback, body, head, ranges);
      }
      return;
    }
    response.setStatus(HttpStatus.OK_200);
    headers.put(HttpHeader.CONTENT_TYPE, meta.contentType());
    headers.put(HttpHeader.CONTENT_LENGTH, meta.size());
    send(response, callback, body, head, List.of(new Segment(null, 0, meta.size())));
  }

  /** {@code If-None-Match} (RFC 9110 §13.1.2): weak comparison, so {@code W/"x"} matches {@code "x"}. */
  private static boolean noneMatch(Request request, StoredBody meta) {
    String ours = meta.key().hex();
    for (String value : request.getHeaders().getValuesList(HttpHeader.IF_NONE_MATCH)) {
      int i = 0;
      int n = value.length();
      while (i < n) {
        char c = value.charAt(i);
        if (c == ' ' || c == '\t' || c == ',') {
          i++;
        } else if (c == '*') {
          return true;
        } else if (value.startsWith("W/\"", i) || c == '"') {
          int open = value.indexOf('"', i);
          int close = value.indexOf('"', open + 1);
          if (close < 0) {
            return false; // malformed: ignore the header
          }
          if (value.regionMatches(open + 1, ours, 0, ours.length()) && close - open - 1 == ours.length()) {
            return true;
          }
          i = close + 1;
        } else {
          return false;
        }
      }
    }
    return false;
  }

  /** {@code If-Range}: the range applies only when the validator still matches (a strong ETag; dates never do). */
  private static boolean ifRangeHolds(Request request, String etag) {
    String ifRange = request.getHeaders().get(HttpHeader.IF_RANGE);
    return ifRange == null || ifRange.trim().equals(etag);
  }

  /** A part of the response: literal bytes (part headers) or a slice of the body. */
  private record Segment(byte[] literal, long offset, long length) {}

  private static void multipart(
      Request request, Response response, Callback callback, Body body, boolean head, List<ByteRange> ranges) {
    StoredBody meta = body.meta();
    String boundary = Long.toHexString(ThreadLocalRandom.current().nextLong()) + Long.toHexString(meta.size());
    List<Segment> segments = new ArrayList<>();
    long length = 0;
    for (ByteRange r : ranges) {
      byte[] partHead =
          ("\r\n--" + boundary + "\r\nContent-Type: " + meta.contentType() + "\r\nContent-Range: "
                  + r.toHeaderValue(meta.size()) + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII);
      segments.add(new Segment(partHead, 0, partHead.length));
      segments.add(new Segment(null, r.first(), r.getLength()));
      length += partHead.length + r.getLength();
    }
    byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII);
    segments.add(new Segment(tail, 0, tail.length));
    length += tail.length;
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "multipart/byteranges; boundary=" + boundary);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, length);
    send(response, callback, body, head, segments);
  }

  private static void send(
      Response response, Callback callback, Body body, boolean head, List<Segment> segments) {
    if (head) {
      close(body);
      callback.succeeded();
      return;
    }
    switch (body) {
      case Body.InMemory memory -> sendInMemory(response, callback, memory.data(), segments);
      case Body.Disk disk -> sendDisk(response, callback, disk, segments);
    }
  }

  private static void sendInMemory(Response response, Callback callback, ByteBuffer data, List<Segment> segments) {
    if (segments.size() == 1) {
      response.write(true, slice(data, segments.get(0)), callback);
      return;
    }
    ByteBuffer[] parts = new ByteBuffer[segments.size()];
    int total = 0;
    for (int i = 0; i < parts.length; i++) {
      Segment s = segments.get(i);
      parts[i] = s.literal() != null ? ByteBuffer.wrap(s.literal()) : slice(data, s);
      total += parts[i].remaining();
    }
    ByteBuffer out = ByteBuffer.allocate(total);
    for (ByteBuffer p : parts) {
      out.put(p);
    }
    response.write(true, out.flip(), callback);
  }

  private static ByteBuffer slice(ByteBuffer data, Segment s) {
    return data.slice(data.position() + (int) s.offset(), (int) s.length());
  }

  /**
   * Copies slices of a body file to the response, mapped a window at a time: the socket write
   * reads the page cache directly, with no copy through the heap (the closest Java gets to
   * sendfile). Writes block this pool thread, never a selector thread.
   */
  private static void sendDisk(Response response, Callback callback, Body.Disk disk, List<Segment> segments) {
    try (disk) {
      FileChannel channel = disk.channel();
      for (int i = 0; i < segments.size(); i++) {
        Segment s = segments.get(i);
        boolean lastSegment = i == segments.size() - 1;
        if (s.literal() != null) {
          write(response, lastSegment, ByteBuffer.wrap(s.literal()));
          continue;
        }
        long pos = s.offset();
        long end = s.offset() + s.length();
        if (s.length() == 0) {
          write(response, lastSegment, ByteBuffer.allocate(0));
        }
        while (pos < end) {
          long n = Math.min(WINDOW, end - pos);
          if (pos + n > channel.size()) {
            throw new IOException("stored body " + disk.meta().key() + " is shorter than its index entry");
          }
          ByteBuffer window = channel.map(FileChannel.MapMode.READ_ONLY, pos, n);
          pos += n;
          write(response, lastSegment && pos >= end, window);
        }
      }
      callback.succeeded();
    } catch (Throwable t) {
      callback.failed(t);
    }
  }

  private static void write(Response response, boolean last, ByteBuffer buf) throws IOException {
    try (Blocker.Callback blocker = Blocker.callback()) {
      response.write(last, buf, blocker);
      blocker.block();
    }
  }

  private static void close(Body body) {
    try {
      body.close();
    } catch (IOException ignored) {
      // a read-only channel; nothing to lose
    }
  }
}
