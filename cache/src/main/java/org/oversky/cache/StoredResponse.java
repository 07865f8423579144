package org.oversky.cache;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A response stored for a site URL: its status and header fields, the key of its body in the
 * content store, and the times RFC 9111 needs to compute its age.
 *
 * @param url the normalised absolute URL it answers
 * @param variant the normalised request header values its {@code Vary} selected ("" without Vary)
 * @param status the response status
 * @param headers the stored header fields, in order (hop-by-hop fields already removed)
 * @param body the key of the body in the content store
 * @param requestTime when the request that produced (or last validated) it was sent, epoch ms
 * @param responseTime when that response was received, epoch ms
 */
public record StoredResponse(
    String url, String variant, int status, List<Header> headers, ContentKey body, long requestTime, long responseTime) {
  /** One header field. */
  public record Header(String name, String value) {}

  public StoredResponse {
    if (url == null || variant == null || headers == null || body == null) {
      throw new IllegalArgumentException("a stored response needs a URL, a variant, headers and a body");
    }
    headers = List.copyOf(headers);
  }

  /** All values of a header (names compare case-insensitively). */
  public List<String> values(String name) {
    List<String> out = new ArrayList<>(1);
    for (Header h : headers) {
      if (h.name().equalsIgnoreCase(name)) {
        out.add(h.value());
      }
    }
    return out;
  }

  /** The first value of a header, or null. */
  public String first(String name) {
    for (Header h : headers) {
      if (h.name().equalsIgnoreCase(name)) {
        return h.value();
      }
    }
    return null;
  }

  byte[] encode() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(1);
      out.writeUTF(url);
      out.writeUTF(variant);
      out.writeShort(status);
      out.writeUTF(body.hex());
      out.writeLong(requestTime);
      out.writeLong(responseTime);
      out.writeShort(headers.size());
      for (Header h : headers) {
        out.writeUTF(h.name());
        out.writeUTF(h.value());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static StoredResponse decode(byte[] data) throws IOException {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
      int version = in.readByte();
      if (version != 1) {
        throw new IOException("unknown stored response version " + version);
      }
      String url = in.readUTF();
      String variant = in.readUTF();
      int status = in.readShort();
      ContentKey body = new ContentKey(in.readUTF());
      long requestTime = in.readLong();
      long responseTime = in.readLong();
      int n = in.readShort();
      List<Header> headers = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        headers.add(new Header(in.readUTF(), in.readUTF()));
      }
      return new StoredResponse(url, variant, status, headers, body, requestTime, responseTime);
    }
  }

  /** The index key: URL, then variant. */
  String indexKey() {
    return url + '\u0000' + variant;
  }

  static String urlPrefix(String url) {
    return url + '\u0000';
  }
}
