package org.oversky.gateway.http;

import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's errors (bad request lines, oversized headers, unhandled failures) as RFC 9457 problem
 * bodies instead of HTML pages, so every error the node answers looks the same.
 */
public final class ProblemErrorHandler extends ErrorHandler {
  @Override
  protected void generateResponse(
      Request request, Response response, int code, String message, Throwable cause, Callback callback) {
    problemFor(code, message).send(response, callback);
  }

  private static Problem problemFor(int code, String message) {
    String title = HttpStatus.getMessage(code);
    String detail =
        switch (code) {
          case 431 -> "the request's headers are too large; send fewer or smaller headers";
          case 414 -> "the request URI is too long";
          default -> message == null || message.isBlank() ? title : message;
        };
    String slug = code >= 500 ? "internal-error" : "http-" + code;
    return new Problem(code, slug, title, detail);
  }
}
