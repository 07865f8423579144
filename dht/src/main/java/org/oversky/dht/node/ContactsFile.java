package org.oversky.dht.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.oversky.dht.id.NodeId;
import org.oversky.dht.routing.Contact;

/**
 * The routing table saved in the data directory, so that a restarted node knows where the network
 * is without a bootstrap: a JSON array of {@code {"id", "url", "address", "lastSeen", "rtt"}}.
 * Written to a temporary file and renamed, so a crash leaves the old or the new file.
 */
public final class ContactsFile {
  /** Most contacts read back, whatever the file holds. */
  static final int MAX_CONTACTS = 10_000;

  private static final ObjectMapper JSON = new ObjectMapper();

  private ContactsFile() {}

  /** Writes {@code contacts} to {@code file}. */
  public static void save(Path file, List<Contact> contacts) throws IOException {
    ArrayNode array = JSON.createArrayNode();
    for (Contact c : contacts) {
      ObjectNode o = array.addObject();
      o.put("id", c.id().hex());
      o.put("url", c.baseUrl().toString());
      o.put("address", c.address().getHostAddress());
      o.put("lastSeen", c.lastSeen());
      o.put("rtt", c.rttMillis());
    }
    Files.createDirectories(file.toAbsolutePath().getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    JSON.writeValue(tmp.toFile(), array);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * The contacts in {@code file}; none when it does not exist. Entries that do not parse are
   * skipped: a damaged file costs the node its shortcuts, not its start.
   */
  public static List<Contact> load(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      return List.of();
    }
    JsonNode root;
    try {
      root = JSON.readTree(file.toFile());
    } catch (IOException e) {
      return List.of();
    }
    List<Contact> out = new ArrayList<>();
    if (root == null || !root.isArray()) {
      return out;
    }
    for (JsonNode n : root) {
      if (out.size() >= MAX_CONTACTS) {
        break;
      }
      try {
        String address = n.path("address").asText();
        if (!(address.matches("\\d{1,3}(\\.\\d{1,3}){3}") || address.matches("[0-9a-fA-F:.]*:[0-9a-fA-F:.]*"))) {
          continue; // an IP literal only: never resolve a name here
        }
        out.add(
            new Contact(
                NodeId.ofHex(n.path("id").asText()),
                URI.create(n.path("url").asText()),
                InetAddress.getByName(address),
                n.path("lastSeen").asLong(),
                n.path("rtt").asLong(Contact.UNKNOWN_RTT)));
      } catch (IllegalArgumentException | IOException e) {
        // skip the entry
      }
    }
    return out;
  }
}
