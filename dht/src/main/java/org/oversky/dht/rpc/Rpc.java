package org.oversky.dht.rpc;

import java.util.Optional;

/** The DHT's remote procedures, each sent as {@code POST /dht/v1/<wire name>}. */
public enum Rpc {
  PING("ping"),
  FIND_NODE("find_node"),
  GET_PROVIDERS("get_providers"),
  ADD_PROVIDER("add_provider"),
  ADD_PROVIDERS("add_providers"),
  GET_RECORD("get_record"),
  PUT_RECORD("put_record"),
  HAND_OVER("hand_over");

  private final String wireName;

  Rpc(String wireName) {
    this.wireName = wireName;
  }

  /** The name in a message's {@code rpc} field and in the request path, e.g. {@code find_node}. */
  public String wireName() {
    return wireName;
  }

  /** The path a request is posted to, e.g. {@code /dht/v1/find_node}. */
  public String path() {
    return "/dht/v1/" + wireName;
  }

  /** The RPC with this wire name, if there is one (names are case-sensitive). */
  public static Optional<Rpc> ofWireName(String name) {
    for (Rpc rpc : values()) {
      if (rpc.wireName.equals(name)) {
        return Optional.of(rpc);
      }
    }
    return Optional.empty();
  }
}
