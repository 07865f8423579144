package org.oversky.cache;

import java.io.IOException;

/** The bytes written did not hash to the key they were expected under; nothing was stored. */
public final class ContentMismatchException extends IOException {
  private static final long serialVersionUID = 1L;

  public ContentMismatchException(ContentKey expected, ContentKey actual) {
    super("the body hashes to " + actual + ", not to the expected key " + expected + "; it was not stored");
  }
}
