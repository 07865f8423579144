package org.oversky.routing.zone;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a small IPv4 MaxMind DB (format 2.0, 24-bit records) for tests: each prefix maps to a
 * record {@code {"country": {"iso_code": C}, "continent": {"code": K}}}, as GeoLite2-Country has.
 * Only what the tests need of the format: strings, maps, unsigned integers, an array.
 */
final class MmdbWriter {
  private record Entry(byte[] address, int length, Map<String, Object> data) {}

  private final List<Entry> entries = new ArrayList<>();

  MmdbWriter add(String prefix, String country, String continent) throws IOException {
    String[] p = prefix.split("/");
    Map<String, Object> data = new LinkedHashMap<>();
    if (country != null) {
      data.put("country", Map.of("iso_code", country));
    }
    if (continent != null) {
      data.put("continent", Map.of("code", continent));
    }
    entries.add(new Entry(InetAddress.getByName(p[0]).getAddress(), Integer.parseInt(p[1]), data));
    return this;
  }

  /** A node of the search tree: two children (node, data offset, or empty). */
  private static final class Node {
    Object left;
    Object right;
  }

  void write(Path file) throws IOException {
    Node root = new Node();
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    for (Entry e : entries) {
      Integer offset = data.size();
      encode(e.data(), data);
      Node n = root;
      for (int bit = 0; bit < e.length(); bit++) {
        boolean one = (e.address()[bit / 8] >> (7 - bit % 8) & 1) == 1;
        if (bit == e.length() - 1) {
          if (one) {
            n.right = offset;
          } else {
            n.left = offset;
          }
        } else {
          Object next = one ? n.right : n.left;
          if (!(next instanceof Node)) {
            next = new Node();
            if (one) {
              n.right = next;
            } else {
              n.left = next;
            }
          }
          n = (Node) next;
        }
      }
    }
    List<Node> order = new ArrayList<>();
    number(root, order);
    int count = order.size();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Node n : order) {
      record24(out, value(n.left, order, count));
      record24(out, value(n.right, order, count));
    }
    out.write(new byte[16]);
    data.writeTo(out);
    out.write(new byte[] {(byte) 0xAB, (byte) 0xCD, (byte) 0xEF});
    out.write("MaxMind.com".getBytes(StandardCharsets.US_ASCII));
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("binary_format_major_version", new U16(2));
    meta.put("binary_format_minor_version", new U16(0));
    meta.put("build_epoch", new U64(1_700_000_000L));
    meta.put("database_type", "oversky-test-country");
    meta.put("description", Map.of("en", "test"));
    meta.put("ip_version", new U16(4));
    meta.put("languages", List.of("en"));
    meta.put("node_count", new U32(count));
    meta.put("record_size", new U16(24));
    encode(meta, out);
    Files.write(file, out.toByteArray());
  }

  private static void number(Node n, List<Node> order) {
    order.add(n);
    if (n.left instanceof Node l) {
      number(l, order);
    }
    if (n.right instanceof Node r) {
      number(r, order);
    }
  }

  private static long value(Object child, List<Node> order, int count) {
    if (child == null) {
      return count; // no data
    }
    if (child instanceof Node n) {
      return order.indexOf(n);
    }
    return count + 16L + (Integer) child;
  }

  private static void record24(ByteArrayOutputStream out, long v) {
    out.write((int) (v >> 16) & 0xff);
    out.write((int) (v >> 8) & 0xff);
    out.write((int) v & 0xff);
  }

  private record U16(int v) {}

  private record U32(long v) {}

  private record U64(long v) {}

  private static void encode(Object value, ByteArrayOutputStream out) throws IOException {
    if (value instanceof String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      out.write(2 << 5 | b.length);
      out.write(b);
    } else if (value instanceof Map<?, ?> m) {
      out.write(7 << 5 | m.size());
      for (Map.Entry<?, ?> e : m.entrySet()) {
        encode(e.getKey(), out);
        encode(e.getValue(), out);
      }
    } else if (value instanceof List<?> l) {
      out.write(l.size()); // extended type: 11 - 7 = 4 in the next byte
      out.write(4);
      for (Object o : l) {
        encode(o, out);
      }
    } else if (value instanceof U16 u) {
      out.write(5 << 5 | 2);
      out.write(u.v() >> 8 & 0xff);
      out.write(u.v() & 0xff);
    } else if (value instanceof U32 u) {
      out.write(6 << 5 | 4);
      for (int i = 3; i >= 0; i--) {
        out.write((int) (u.v() >> (8 * i)) & 0xff);
      }
    } else if (value instanceof U64 u) {
      out.write(8); // extended type: 9 - 7 = 2 in the next byte
      out.write(2);
      for (int i = 7; i >= 0; i--) {
        out.write((int) (u.v() >> (8 * i)) & 0xff);
      }
    } else {
      throw new IllegalArgumentException("cannot encode " + value);
    }
  }
}
