package org.oversky.it;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/** JSON in tests. */
final class Jsons {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private Jsons() {}

  static Map<String, Object> parse(byte[] body) {
    try {
      return MAPPER.readValue(body, new TypeReference<Map<String, Object>>() {});
    } catch (IOException e) {
      throw new UncheckedIOException("not a JSON object: " + new String(body), e);
    }
  }

  static String location(String url) {
    try {
      return MAPPER.writeValueAsString(Map.of("location", url));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
