package org.oversky.dht.rpc;

import static org.oversky.dht.rpc.RpcRejectedException.Reason.BAD_FIELD;
import static org.oversky.dht.rpc.RpcRejectedException.Reason.BAD_HEX;
import static org.oversky.dht.rpc.RpcRejectedException.Reason.BAD_URL;
import static org.oversky.dht.rpc.RpcRejectedException.Reason.TOO_LONG;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.oversky.dht.id.NodeId;

/**
 * Reads the fields of one JSON object of a message, each checked against its type and bound, and
 * names the field by its path ({@code payload.nodes[3].url}) when it refuses one.
 */
final class JsonFields {
  private final JsonNode node;
  private final String path;
  private final Set<String> read = new HashSet<>();

  private JsonFields(JsonNode node, String path) {
    this.node = node;
    this.path = path;
  }

  /** The fields of {@code node}, which must be an object; {@code path} is "" for the root. */
  static JsonFields of(JsonNode node, String path) throws RpcRejectedException {
    if (node == null || !node.isObject()) {
      throw new RpcRejectedException(
          BAD_FIELD, (path.isEmpty() ? "the message" : path) + " is a JSON object, got " + type(node));
    }
    return new JsonFields(node, path);
  }

  JsonNode required(String name) throws RpcRejectedException {
    JsonNode value = node.get(name);
    if (value == null) {
      throw new RpcRejectedException(BAD_FIELD, path(name) + " is missing");
    }
    read.add(name);
    return value;
  }

  /** Whether the object has a member {@code name}. */
  boolean has(String name) {
    return node.has(name);
  }

  JsonFields object(String name) throws RpcRejectedException {
    return of(required(name), path(name));
  }

  /** The object in field {@code name}, or {@code null} when the message has no such field. */
  JsonFields optionalObject(String name) throws RpcRejectedException {
    return node.has(name) ? object(name) : null;
  }

  /** The object in field {@code name}, or {@code null} when the field is JSON {@code null}. */
  JsonFields objectOrNull(String name) throws RpcRejectedException {
    JsonNode value = required(name);
    return value.isNull() ? null : of(value, path(name));
  }

  int integer(String name) throws RpcRejectedException {
    JsonNode value = required(name);
    if (!value.isInt()) {
      throw new RpcRejectedException(BAD_FIELD, path(name) + " is an integer, got " + type(value));
    }
    return value.intValue();
  }

  /** A non-negative integer that fits a long, such as epoch milliseconds. */
  long epochMillis(String name) throws RpcRejectedException {
    JsonNode value = required(name);
    if (!value.isIntegralNumber() || !value.canConvertToLong() || value.longValue() < 0) {
      throw new RpcRejectedException(
          BAD_FIELD, path(name) + " is epoch milliseconds (an integer from 0 to 2^63-1), got " + text(value));
    }
    return value.longValue();
  }

  String string(String name, int maxChars) throws RpcRejectedException {
    JsonNode value = required(name);
    if (!value.isTextual()) {
      throw new RpcRejectedException(BAD_FIELD, path(name) + " is a string, got " + type(value));
    }
    String s = value.textValue();
    if (s.length() > maxChars) {
      throw new RpcRejectedException(
          TOO_LONG, path(name) + " has at most " + maxChars + " characters, got " + s.length());
    }
    return s;
  }

  /** Exactly {@code bytes} bytes as {@code 2 * bytes} lowercase hex digits. */
  byte[] hex(String name, int bytes) throws RpcRejectedException {
    JsonNode value = required(name);
    String s = value.isTextual() ? value.textValue() : null;
    if (s == null || s.length() != 2 * bytes || !isLowerHex(s)) {
      throw new RpcRejectedException(
          BAD_HEX,
          path(name) + " is " + 2 * bytes + " lowercase hex digits, got "
              + (s == null ? type(value) : Urls.quote(s)));
    }
    return HexFormat.of().parseHex(s);
  }

  NodeId id(String name) throws RpcRejectedException {
    return NodeId.ofBytes(hex(name, NodeId.BYTES));
  }

  /** The ids in array {@code name}: 1 to {@code max} of them, each 64 lowercase hex digits. */
  List<NodeId> ids(String name, int max) throws RpcRejectedException {
    JsonNode value = required(name);
    if (!value.isArray()) {
      throw new RpcRejectedException(BAD_FIELD, path(name) + " is an array, got " + type(value));
    }
    if (value.isEmpty() || value.size() > max) {
      throw new RpcRejectedException(
          value.isEmpty() ? BAD_FIELD : TOO_LONG, path(name) + " lists 1 to " + max + " ids, got " + value.size());
    }
    List<NodeId> out = new ArrayList<>(value.size());
    for (int i = 0; i < value.size(); i++) {
      JsonNode e = value.get(i);
      String s = e.isTextual() ? e.textValue() : null;
      if (s == null || s.length() != 2 * NodeId.BYTES || !isLowerHex(s)) {
        throw new RpcRejectedException(
            BAD_HEX,
            path(name) + "[" + i + "] is " + 2 * NodeId.BYTES + " lowercase hex digits, got "
                + (s == null ? type(e) : Urls.quote(s)));
      }
      out.add(NodeId.ofHex(s));
    }
    if (new HashSet<>(out).size() != out.size()) {
      throw new RpcRejectedException(BAD_FIELD, path(name) + " names an id twice");
    }
    return out;
  }

  URI url(String name) throws RpcRejectedException {
    String s = string(name, Urls.MAX_CHARS);
    URI known = GOOD_URLS.get(s);
    if (known != null) {
      return known; // the same few node URLs come in every message
    }
    String problem = Urls.problem(s);
    if (problem != null) {
      throw new RpcRejectedException(BAD_URL, path(name) + ": " + problem);
    }
    URI url = URI.create(s); // cannot fail: problem() parsed it
    GOOD_URLS.put(s, url);
    return url;
  }

  /** URLs that passed {@link Urls#problem}, so that a node's URL is checked once, not per message. */
  private static final java.util.Map<String, URI> GOOD_URLS = Ed25519.bounded(4096);

  /** The elements of array {@code name}, at most {@code max}, each read as an object. */
  List<JsonFields> objects(String name, int max) throws RpcRejectedException {
    JsonNode value = required(name);
    if (!value.isArray()) {
      throw new RpcRejectedException(BAD_FIELD, path(name) + " is an array, got " + type(value));
    }
    if (value.size() > max) {
      throw new RpcRejectedException(
          TOO_LONG, path(name) + " lists at most " + max + " entries, got " + value.size());
    }
    List<JsonFields> out = new ArrayList<>(value.size());
    for (int i = 0; i < value.size(); i++) {
      out.add(of(value.get(i), path(name) + "[" + i + "]"));
    }
    return out;
  }

  /** Refuses fields this object has beyond those read. */
  void end() throws RpcRejectedException {
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!read.contains(name)) {
        throw new RpcRejectedException(
            BAD_FIELD, "unknown field " + Urls.quote(name) + " in " + (path.isEmpty() ? "the message" : path));
      }
    }
  }

  String path(String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  private static boolean isLowerHex(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }

  private static String type(JsonNode node) {
    return node == null ? "nothing" : "a JSON " + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
  }

  private static String text(JsonNode node) {
    return Urls.quote(node.toString());
  }
}
