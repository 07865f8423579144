package org.oversky.dht.rpc;

import java.net.URI;
import java.util.Objects;
import org.oversky.dht.id.NodeId;

/**
 * A node named in an answer: its id and where to reach it. Hearsay: the receiver learns the
 * node's key (and so checks the id) only when the node answers a request of its own.
 *
 * @param id the node's id
 * @param baseUrl its advertised base URL (absolute http or https, at most 512 characters)
 */
public record ContactInfo(NodeId id, URI baseUrl) {
  public ContactInfo {
    Objects.requireNonNull(id, "id");
    Urls.require(baseUrl, "a contact's base URL");
  }
}
