package org.oversky.gateway.fetch;

import java.io.IOException;
import org.oversky.gateway.http.Problem;

/** An origin fetch that failed, with the HTTP status and problem type the node answers with. */
public final class FetchException extends IOException {
  private static final long serialVersionUID = 1L;
  private final int status;
  private final String slug;

  public FetchException(int status, String slug, String message) {
    super(message);
    this.status = status;
    this.slug = slug;
  }

  public FetchException(int status, String slug, String message, Throwable cause) {
    super(message, cause);
    this.status = status;
    this.slug = slug;
  }

  /** The status to answer: 400 bad URL, 403 refused by policy, 413 too large, 502/504 origin trouble. */
  public int status() {
    return status;
  }

  /** The failure as a problem body. */
  public Problem toProblem() {
    String title =
        switch (status) {
          case 400 -> "Bad location";
          case 403 -> "Location refused by the outbound policy";
          case 413 -> "Body too large";
          case 504 -> "Origin timed out";
          default -> "Origin fetch failed";
        };
    return new Problem(status, slug, title, getMessage());
  }
}
