package org.oversky.cache;

import java.io.IOException;

/** A body grew past what the store accepts (its size limit or the whole disk budget); nothing was stored. */
public final class BodyTooLargeException extends IOException {
  private static final long serialVersionUID = 1L;
  private final long limit;

  public BodyTooLargeException(long limit) {
    super("the body is larger than the limit of " + limit + " bytes; it was not stored");
    this.limit = limit;
  }

  /** The limit that was passed, in bytes. */
  public long limit() {
    return limit;
  }
}
