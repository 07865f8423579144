package org.oversky.gateway.proxy;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;
import org.eclipse.jetty.client.HttpResponseException;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.io.EofException;

/**
 * Why a forwarded request failed, in words for the client and with the party at fault: a
 * malformed request body is the client's (400), everything else is the origin's (502, or 504 for
 * a time-out). The words never carry Jetty's connection dumps (ports, object ids); those go to
 * the log.
 *
 * @param status the status to answer
 * @param type the problem type's last segment
 * @param title the problem title
 * @param words what failed, in a phrase such as "refused the connection"
 * @param clientFault whether the client caused it (then no stale copy stands in)
 */
record OriginFailure(int status, String type, String title, String words, boolean clientFault) {

  /**
   * Classifies {@code failure}.
   *
   * @param clientBodyFailed whether reading the client's request body failed
   */
  static OriginFailure of(Throwable failure, boolean clientBodyFailed) {
    if (clientBodyFailed) {
      return new OriginFailure(400, "bad-request-body", "Bad request body", "the request body is malformed or was cut off", true);
    }
    if (find(failure, HttpResponseException.class) != null) {
      HttpException http = find(failure, HttpException.class);
      String reason = http == null ? null : http.getReason();
      return new OriginFailure(502, "origin-protocol-error", "Origin sent a bad response", "sent a response that is not valid HTTP" + (reason == null || reason.isBlank() ? "" : " (" + plain(reason) + ")"), false);
    }
    if (find(failure, TimeoutException.class) != null) {
      return new OriginFailure(504, "origin-timeout", "Origin timed out", "did not answer in time", false);
    }
    if (find(failure, UnknownHostException.class) != null) {
      return new OriginFailure(502, "origin-unreachable", "Origin unreachable", "has a name that does not resolve", false);
    }
    if (find(failure, ConnectException.class) != null || find(failure, NoRouteToHostException.class) != null) {
      return new OriginFailure(502, "origin-unreachable", "Origin unreachable", "refused the connection or could not be reached", false);
    }
    if (find(failure, SSLException.class) != null) {
      return new OriginFailure(502, "origin-tls-error", "Origin TLS failed", "failed the TLS handshake", false);
    }
    if (find(failure, EofException.class) != null
        || find(failure, ClosedChannelException.class) != null
        || find(failure, java.io.IOException.class) != null) {
      return new OriginFailure(502, "origin-unreachable", "Origin unreachable", "closed or reset the connection before a complete response", false);
    }
    return new OriginFailure(502, "origin-unreachable", "Origin unreachable", "could not be reached", false);
  }

  /** A reason from Jetty, cut to printable words without object dumps. */
  private static String plain(String reason) {
    String r = reason.replaceAll("\\S+@[0-9a-f]+\\S*", "").replaceAll("\\s+", " ").strip();
    return r.length() > 80 ? r.substring(0, 80) : r;
  }

  private static <T> T find(Throwable t, Class<T> type) {
    for (int depth = 0; t != null && depth < 10; depth++, t = t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }
}
