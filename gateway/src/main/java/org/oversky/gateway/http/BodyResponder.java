package org.oversky.gateway.http;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.eclipse.jetty.http.ByteRange;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;
import org.oversky.cache.Body;
import org.oversky.cache.MappedBody;
import org.oversky.cache.StoredBody;

/**
 * Answers a request with a stored body and the headers the caller has set: conditional requests
 * ({@code If-None-Match}, {@code If-Modified-Since}: {@code 304}), {@code Range} ({@code 206},
 * multipart for several ranges, {@code 416}) and HEAD. Bodies in memory are written without
 * blocking; bodies on disk are written from mapped windows on the calling (pool) thread, so no
 * disk read happens on a selector thread.
 */
public final class BodyResponder {
  /**
   * The validators of the representation being sent.
   *
   * @param etag the entity tag as sent in {@code ETag} (may be weak), or null
   * @param lastModified {@code Last-Modified} in epoch ms, or -1
   */
  public record Validators(String etag, long lastModified) {}

  private BodyResponder() {}

  /**
   * Sends {@code body} with {@code status} (ranges apply only to 200), after the caller has put
   * the representation's headers; {@code Content-Type} defaults to the stored type.
   */
  public static void respond(
      Request request, Response response, Callback callback, Body body, int status, Validators validators) {
    StoredBody meta = body.meta();
    var headers = response.getHeaders();
    if (!headers.contains(HttpHeader.CONTENT_TYPE)) {
      headers.put(HttpHeader.CONTENT_TYPE, meta.contentType());
    }
    boolean head = HttpMethod.HEAD.is(request.getMethod());
    boolean safe = head || HttpMethod.GET.is(request.getMethod());
    if (safe && notModified(request, validators)) {
      response.setStatus(HttpStatus.NOT_MODIFIED_304);
      headers.remove(HttpHeader.CONTENT_LENGTH);
      close(body);
      callback.succeeded();
      return;
    }
    List<String> rangeHeaders = request.getHeaders().getValuesList(HttpHeader.RANGE);
    if (status == 200 && safe && !rangeHeaders.isEmpty() && ifRangeHolds(request, validators)) {
      List<ByteRange> ranges = ByteRange.parse(rangeHeaders, meta.size());
      if (ranges.isEmpty()) {
        headers.put(HttpHeader.CONTENT_RANGE, ByteRange.toNonSatisfiableHeaderValue(meta.size()));
        headers.remove(HttpHeader.CONTENT_TYPE);
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
        headers.put(HttpHeader.CONTENT_RANGE, r.toHeaderValue(meta.size()));
        headers.put(HttpHeader.CONTENT_LENGTH, r.getLength());
        send(response, callback, body, head, List.of(new Segment(null, r.first(), r.getLength())));
      } else {
        multipart(response, callback, body, head, ranges, headers.get(HttpHeader.CONTENT_TYPE));
      }
      return;
    }
    response.setStatus(status);
    headers.put(HttpHeader.CONTENT_LENGTH, meta.size());
    send(response, callback, body, head, List.of(new Segment(null, 0, meta.size())));
  }

  /**
   * RFC 9110 §13.1.2 and §13.1.3: {@code If-None-Match} by weak comparison ({@code W/"x"} matches
   * {@code "x"}; {@code *} matches anything); only without it, {@code If-Modified-Since}.
   */
  private static boolean notModified(Request request, Validators v) {
    List<String> inm = request.getHeaders().getValuesList(HttpHeader.IF_NONE_MATCH);
    if (!inm.isEmpty()) {
      String ours = v.etag() == null ? null : opaque(v.etag());
      for (String value : inm) {
        for (String tag : tags(value)) {
          if (tag.equals("*") || (ours != null && opaque(tag).equals(ours))) {
            return true;
          }
        }
      }
      return false;
    }
    String ims = request.getHeaders().get(HttpHeader.IF_MODIFIED_SINCE);
    if (ims != null && v.lastModified() > 0) {
      long since = HttpDates.parse(ims);
      return since > 0 && v.lastModified() / 1000 <= since / 1000;
    }
    return false;
  }

  /** The entity tags of one {@code If-None-Match} value; a malformed value yields none after the bad part. */
  private static List<String> tags(String value) {
    List<String> out = new ArrayList<>();
    int i = 0;
    int n = value.length();
    while (i < n) {
      char c = value.charAt(i);
      if (c == ' ' || c == '\t' || c == ',') {
        i++;
      } else if (c == '*') {
        out.add("*");
        i++;
      } else if (value.startsWith("W/\"", i) || c == '"') {
        int open = value.indexOf('"', i);
        int close = value.indexOf('"', open + 1);
        if (close < 0) {
          break;
        }
        out.add(value.substring(i, close + 1));
        i = close + 1;
      } else {
        break;
      }
    }
    return out;
  }

  private static String opaque(String tag) {
    return tag.startsWith("W/") ? tag.substring(2) : tag;
  }

  /**
   * {@code If-Range} (RFC 9110 §13.1.5): the range applies only when the validator still
   * matches: a strong entity tag equal to ours, or exactly our {@code Last-Modified} date.
   */
  private static boolean ifRangeHolds(Request request, Validators v) {
    String ifRange = request.getHeaders().get(HttpHeader.IF_RANGE);
    if (ifRange == null) {
      return true;
    }
    String value = ifRange.trim();
    if (value.startsWith("\"")) {
      return v.etag() != null && !v.etag().startsWith("W/") && value.equals(v.etag());
    }
    if (value.startsWith("W/")) {
      return false;
    }
    long date = HttpDates.parse(value);
    return date > 0 && v.lastModified() > 0 && date / 1000 == v.lastModified() / 1000;
  }

  /** A part of the response: literal bytes (part headers) or a slice of the body. */
  private record Segment(byte[] literal, long offset, long length) {}

  private static void multipart(
      Response response, Callback callback, Body body, boolean head, List<ByteRange> ranges, String contentType) {
    StoredBody meta = body.meta();
    String boundary = Long.toHexString(ThreadLocalRandom.current().nextLong()) + Long.toHexString(meta.size());
    List<Segment> segments = new ArrayList<>();
    long length = 0;
    for (ByteRange r : ranges) {
      byte[] partHead =
          ("\r\n--" + boundary + "\r\nContent-Type: " + contentType + "\r\nContent-Range: "
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
   * Copies slices of a body file to the response from the store's mapped windows of the file
   * (mapped once and shared by every reader): the socket write reads the page cache directly,
   * with no copy through the heap (the closest Java gets to sendfile). Writes block this pool
   * thread, never a selector thread, as a page not yet read from the disk is read in the write.
   */
  private static void sendDisk(Response response, Callback callback, Body.Disk disk, List<Segment> segments) {
    try (disk) {
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
          ByteBuffer window = disk.mapped().window((int) (pos / MappedBody.WINDOW), disk.channel());
          int from = (int) (pos % MappedBody.WINDOW);
          int n = (int) Math.min(window.limit() - from, end - pos);
          pos += n;
          write(response, lastSegment && pos >= end, window.slice(from, n));
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
