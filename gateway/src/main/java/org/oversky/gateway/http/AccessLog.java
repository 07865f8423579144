package org.oversky.gateway.http;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.RequestLog;
import org.eclipse.jetty.server.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per request, in the combined log format with three fields after it (the response's
 * {@code Cache-Status}, the whole request's duration and the origin's time to headers, both in
 * ms, {@code -} when no origin was asked), or as one JSON object a line. Lines go to a file opened
 * for appending (rotated by copy and truncate, as logrotate's {@code copytruncate} does) or to
 * the logger {@code oversky.access}.
 */
public final class AccessLog extends org.eclipse.jetty.util.component.AbstractLifeCycle implements RequestLog {
  /** The request attribute the proxy sets to the origin's time to response headers, ms (a Long). */
  public static final String UPSTREAM_MILLIS = "oversky.upstreamMillis";

  /** The line formats. */
  public enum Format {
    /** Apache's combined format, then {@code "CACHE-STATUS" DURATION_MS UPSTREAM_MS}. */
    COMBINED,
    /** One JSON object a line. */
    JSON
  }

  private static final DateTimeFormatter CLF = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT).withZone(ZoneOffset.UTC);
  private static final Logger LOG = LoggerFactory.getLogger("oversky.access");

  private final Format format;
  private final BufferedWriter file;

  /** Lines in {@code format} to {@code file}, or to the logger {@code oversky.access} when empty. */
  public AccessLog(Format format, Optional<Path> file) throws IOException {
    this.format = format;
    this.file = file.isEmpty() ? null : Files.newBufferedWriter(file.get(), StandardCharsets.UTF_8,
        StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
  }

  @Override
  public void log(Request request, Response response) {
    String line = line(request, response, System.currentTimeMillis());
    if (file == null) {
      LOG.info(line);
      return;
    }
    synchronized (this) {
      try {
        file.write(line);
        file.newLine();
        file.flush();
      } catch (IOException e) {
        LOG.warn("could not write the access log line ({}): {}", e.getMessage(), line);
      }
    }
  }

  /** The line for a request that ended at {@code nowMillis}. */
  String line(Request request, Response response, long nowMillis) {
    long started = Request.getTimeStamp(request);
    long duration = Math.max(0, nowMillis - started);
    Object upstream = request.getAttribute(UPSTREAM_MILLIS);
    String client = Request.getRemoteAddr(request);
    String target = request.getHttpURI().getPathQuery();
    String protocol = request.getConnectionMetaData().getProtocol();
    int status = response.getStatus();
    long bytes = Response.getContentBytesWritten(response);
    String referer = request.getHeaders().get(HttpHeader.REFERER);
    String agent = request.getHeaders().get(HttpHeader.USER_AGENT);
    String host = request.getHeaders().get(HttpHeader.HOST);
    String cacheStatus = response.getHeaders().get("Cache-Status");
    if (format == Format.JSON) {
      StringBuilder j = new StringBuilder(256).append('{');
      field(j, "time", Instant.ofEpochMilli(started).toString()).append(',');
      field(j, "client", client).append(',');
      field(j, "method", request.getMethod()).append(',');
      field(j, "host", host).append(',');
      field(j, "target", target).append(',');
      field(j, "protocol", protocol).append(',');
      j.append("\"status\":").append(status).append(',');
      j.append("\"bytes\":").append(bytes).append(',');
      field(j, "referer", referer).append(',');
      field(j, "userAgent", agent).append(',');
      field(j, "cacheStatus", cacheStatus).append(',');
      j.append("\"durationMs\":").append(duration).append(',');
      j.append("\"upstreamMs\":").append(upstream instanceof Long l ? l.toString() : "null");
      return j.append('}').toString();
    }
    return client + " - - [" + CLF.format(Instant.ofEpochMilli(started)) + "] \"" + clean(request.getMethod()) + " " + clean(target) + " "
        + clean(protocol) + "\" " + status + " " + bytes + " \"" + clean(referer == null ? "-" : referer) + "\" \""
        + clean(agent == null ? "-" : agent) + "\" \"" + clean(cacheStatus == null ? "-" : cacheStatus) + "\" " + duration + " "
        + (upstream instanceof Long l ? l.toString() : "-");
  }

  /** Text inside a quoted field: no quotes, backslashes or control characters from the request reach the log as such. */
  private static String clean(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20 || c == 0x7f) {
        out.append(String.format(Locale.ROOT, "\\x%02x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static StringBuilder field(StringBuilder j, String name, String value) {
    j.append('"').append(name).append("\":");
    if (value == null) {
      return j.append("null");
    }
    j.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> j.append("\\\"");
        case '\\' -> j.append("\\\\");
        default -> {
          if (c < 0x20) {
            j.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            j.append(c);
          }
        }
      }
    }
    return j.append('"');
  }

  /** Closes the file with the server. */
  @Override
  protected synchronized void doStop() throws IOException {
    if (file != null) {
      file.close();
    }
  }
}
