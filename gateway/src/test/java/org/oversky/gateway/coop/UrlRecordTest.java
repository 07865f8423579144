package org.oversky.gateway.coop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.oversky.cache.ContentKey;
import org.oversky.cache.StoredResponse;

class UrlRecordTest {
  private static final String URL = "https://www.example.com/a";
  private static final URI NODE = URI.create("http://10.0.0.5:8080");

  @Test
  void aResponseRecordRoundTrips() {
    StoredResponse r =
        new StoredResponse(
            URL, "", 200,
            List.of(new StoredResponse.Header("Content-Type", "text/html"), new StoredResponse.Header("Cache-Control", "max-age=60")),
            new ContentKey("ab".repeat(32)), 1_700_000_000_000L, 1_700_000_000_050L);
    UrlRecord record = UrlRecord.of(r, NODE);
    assertEquals(Optional.of(record), UrlRecord.parse(record.toJson(), URL));
  }

  @Test
  void aMarkerRoundTrips() {
    UrlRecord marker = UrlRecord.fetching(URL, NODE);
    assertEquals(Optional.of(marker), UrlRecord.parse(marker.toJson(), URL));
  }

  @Test
  void aVaryRecordRoundTripsAndItsNamesAreChecked() {
    UrlRecord vary = UrlRecord.vary(URL, List.of("accept-encoding", "accept-language"), NODE);
    assertTrue(vary.isVary());
    assertEquals(Optional.of(vary), UrlRecord.parse(vary.toJson(), URL));
    String bad = "{\"kind\":\"vary\",\"url\":\"" + URL + "\",\"provider\":\"http://a\",\"vary\":[\"bad name\"]}";
    assertTrue(UrlRecord.parse(bad.getBytes(StandardCharsets.UTF_8), URL).isEmpty());
    String none = "{\"kind\":\"vary\",\"url\":\"" + URL + "\",\"provider\":\"http://a\",\"vary\":[]}";
    assertTrue(UrlRecord.parse(none.getBytes(StandardCharsets.UTF_8), URL).isEmpty());
  }

  @Test
  void aRecordForAnotherUrlOrMalformedIsRefused() {
    byte[] json = UrlRecord.fetching(URL, NODE).toJson();
    assertTrue(UrlRecord.parse(json, URL + "/other").isEmpty());
    for (String bad : List.of(
        "", "[]", "{\"url\":\"" + URL + "\"}",
        "{\"kind\":\"fetching\",\"url\":\"" + URL + "\",\"provider\":\"ftp://x\"}",
        "{\"kind\":\"response\",\"url\":\"" + URL + "\",\"provider\":\"http://a\",\"headers\":[],\"body\":\"xyz\",\"status\":200}",
        "{\"kind\":\"response\",\"url\":\"" + URL + "\",\"provider\":\"http://a\",\"headers\":[[1,2]],\"body\":\"" + "a".repeat(64) + "\",\"status\":200}",
        "{\"kind\":\"response\",\"url\":\"" + URL + "\",\"provider\":\"http://a\",\"headers\":[],\"body\":\"" + "a".repeat(64) + "\",\"status\":99}")) {
      assertTrue(UrlRecord.parse(bad.getBytes(StandardCharsets.UTF_8), URL).isEmpty(), bad);
    }
  }
}
