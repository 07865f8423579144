package org.oversky.gateway.proxy;

import java.util.ArrayList;
import java.util.List;
import org.oversky.cache.ContentKey;
import org.oversky.cache.StoredResponse;

/** Builds {@link StoredResponse}s for the policy tests: fixed times, headers given as name/value pairs. */
final class Stored {
  /** A whole second, as HTTP dates have second resolution. */
  static final long T = 1_700_000_000_000L;

  static final ContentKey BODY = new ContentKey("ab".repeat(32));

  private Stored() {}

  static List<StoredResponse.Header> headers(String... nameValues) {
    if (nameValues.length % 2 != 0) {
      throw new IllegalArgumentException("headers come in name/value pairs");
    }
    List<StoredResponse.Header> out = new ArrayList<>();
    for (int i = 0; i < nameValues.length; i += 2) {
      out.add(new StoredResponse.Header(nameValues[i], nameValues[i + 1]));
    }
    return out;
  }

  /** A 200 requested at {@code requestTime} and received at {@code responseTime}. */
  static StoredResponse response(long requestTime, long responseTime, String... nameValues) {
    return new StoredResponse("http://example.com/", "", 200, headers(nameValues), BODY, requestTime, responseTime);
  }

  /** A 200 requested and received at {@link #T}. */
  static StoredResponse at(String... nameValues) {
    return response(T, T, nameValues);
  }

  static StoredResponse withStatus(int status, String... nameValues) {
    return new StoredResponse("http://example.com/", "", status, headers(nameValues), BODY, T, T);
  }
}
