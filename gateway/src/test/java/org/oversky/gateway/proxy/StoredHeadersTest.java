package org.oversky.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.oversky.cache.StoredResponse;

class StoredHeadersTest {
  private static HttpFields fields(String... nameValues) {
    HttpFields.Mutable f = HttpFields.build();
    for (int i = 0; i < nameValues.length; i += 2) {
      f.add(nameValues[i], nameValues[i + 1]);
    }
    return f;
  }

  private static List<String> render(List<StoredResponse.Header> headers) {
    return headers.stream().map(h -> h.name() + ": " + h.value()).toList();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"Connection", "Keep-Alive", "Proxy-Connection", "TE", "Transfer-Encoding", "Trailer", "Upgrade",
        "Proxy-Authenticate", "Proxy-Authentication-Info", "Proxy-Authorization", "Content-Length", "Set-Cookie",
        "transfer-encoding", "SET-COOKIE", "Oversky-Origin-Failed", "Oversky-Directory-Next"})
  void rfc9111_3_1_fieldsThatAreNotStored(String name) {
    HttpFields origin = fields("Content-Type", "text/plain", name, "x", "ETag", "\"a\"");
    assertEquals(List.of("Content-Type: text/plain", "ETag: \"a\""), render(StoredHeaders.from(origin)), name);
  }

  @Test
  void rfc9111_3_1_fieldsListedInConnectionAreNotStored() {
    HttpFields origin =
        fields("Connection", "X-Hop, keep-alive", "connection", "x-other", "x-hop", "1", "X-Other", "2", "X-Kept", "3");
    assertEquals(List.of("X-Kept: 3"), render(StoredHeaders.from(origin)));
  }

  @Test
  void rfc9111_3_1_endToEndFieldsAreStoredInOrder() {
    HttpFields origin =
        fields("Date", "d", "Cache-Control", "max-age=60", "Vary", "Accept", "Vary", "Accept-Language", "ETag", "\"a\"",
            "Content-Encoding", "gzip", "Last-Modified", "m");
    assertEquals(
        List.of("Date: d", "Cache-Control: max-age=60", "Vary: Accept", "Vary: Accept-Language", "ETag: \"a\"",
            "Content-Encoding: gzip", "Last-Modified: m"),
        render(StoredHeaders.from(origin)));
  }

  @Test
  void rfc9111_4_3_4_freshenReplacesFieldsPresentInThe304() {
    List<StoredResponse.Header> stored =
        Stored.headers("Content-Type", "text/html", "Date", "old", "Cache-Control", "max-age=10", "X-Multi", "a",
            "ETag", "\"v1\"", "x-multi", "b", "Expires", "old");
    HttpFields notModified = fields("Date", "new", "cache-control", "max-age=60", "X-Multi", "c", "X-Added", "1");
    assertEquals(
        List.of("Content-Type: text/html", "ETag: \"v1\"", "Expires: old", "Date: new", "cache-control: max-age=60",
            "X-Multi: c", "X-Added: 1"),
        render(StoredHeaders.freshen(stored, notModified)));
  }

  @Test
  void rfc9111_3_2_freshenKeepsFieldsTheStoredBodyDependsOn() {
    List<StoredResponse.Header> stored =
        Stored.headers(
            "ETag", "\"v1\"", "Content-Encoding", "gzip", "Content-Range", "bytes 0-1/2", "Content-Type", "a/b");
    HttpFields notModified =
        fields("ETag", "\"v2\"", "Content-Encoding", "br", "Content-Length", "0", "Content-Range", "bytes 0-0/1",
            "Content-MD5", "x", "Transfer-Encoding", "chunked");
    assertEquals(
        List.of("ETag: \"v1\"", "Content-Encoding: gzip", "Content-Range: bytes 0-1/2", "Content-Type: a/b"),
        render(StoredHeaders.freshen(stored, notModified)));
  }

  @Test
  void rfc9111_3_2_freshenSkipsFieldsExceptedFromStorage() {
    List<StoredResponse.Header> stored = Stored.headers("Cache-Control", "max-age=10", "X-Hop", "kept");
    HttpFields notModified =
        fields("Connection", "X-Hop", "X-Hop", "dropped", "Set-Cookie", "id=1", "Keep-Alive", "timeout=5",
            "Proxy-Authenticate", "Basic", "Cache-Control", "max-age=20");
    assertEquals(
        List.of("X-Hop: kept", "Cache-Control: max-age=20"), render(StoredHeaders.freshen(stored, notModified)));
  }

  @Test
  void rfc9111_4_3_4_emptyNotModifiedChangesNothing() {
    List<StoredResponse.Header> stored = Stored.headers("Cache-Control", "max-age=10", "ETag", "\"v1\"");
    assertEquals(render(stored), render(StoredHeaders.freshen(stored, HttpFields.EMPTY)));
  }
}
