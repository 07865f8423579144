package org.oversky.dht.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oversky.dht.id.NodeId;
import org.oversky.dht.routing.Contact;

class ContactsFileTest {
  @Test
  void contactsRoundTrip(@TempDir Path dir) throws Exception {
    SplittableRandom r = new SplittableRandom(1);
    List<Contact> contacts = List.of(
        new Contact(NodeId.random(r), URI.create("http://203.0.113.5:8080"), InetAddress.getByName("203.0.113.5"), 1_700_000_000_000L, 12),
        Contact.of(NodeId.random(r), URI.create("https://node.example.net"), InetAddress.getByName("2001:db8::1"), 5));
    Path file = dir.resolve("sub/contacts.json");
    ContactsFile.save(file, contacts);
    assertEquals(contacts, ContactsFile.load(file));
  }

  @Test
  void aMissingOrDamagedFileGivesNoContactsAndBadEntriesAreSkipped(@TempDir Path dir) throws Exception {
    assertEquals(List.of(), ContactsFile.load(dir.resolve("none.json")));
    Path damaged = dir.resolve("damaged.json");
    Files.writeString(damaged, "[{\"id\":");
    assertEquals(List.of(), ContactsFile.load(damaged));
    Path mixed = dir.resolve("mixed.json");
    String good = "{\"id\":\"" + "a".repeat(64) + "\",\"url\":\"http://10.0.0.1:8080\",\"address\":\"10.0.0.1\",\"lastSeen\":1,\"rtt\":3}";
    String named = "{\"id\":\"" + "b".repeat(64) + "\",\"url\":\"http://x:8080\",\"address\":\"attacker.example\",\"lastSeen\":1,\"rtt\":3}";
    String badId = "{\"id\":\"xyz\",\"url\":\"http://10.0.0.2:8080\",\"address\":\"10.0.0.2\",\"lastSeen\":1,\"rtt\":3}";
    Files.writeString(mixed, "[" + good + "," + named + "," + badId + "]");
    List<Contact> loaded = ContactsFile.load(mixed);
    assertEquals(1, loaded.size());
    assertEquals(NodeId.ofHex("a".repeat(64)), loaded.get(0).id());
  }
}
