package org.oversky.dht.rpc;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** The payload of an answer, one record per RPC. Lists hold at most {@link #MAX_CONTACTS}. */
public sealed interface Response extends Payload {
  /** Most contacts (or providers) in one list of an answer: Kademlia's k. */
  int MAX_CONTACTS = 20;

  /** Answers {@code ping}. */
  record Pong() implements Response {
    @Override
    public Rpc rpc() {
      return Rpc.PING;
    }
  }

  /** Answers {@code find_node}: the contacts closest to the target that the receiver knows. */
  record Nodes(List<ContactInfo> nodes) implements Response {
    public Nodes {
      nodes = bounded(nodes, "nodes");
    }

    @Override
    public Rpc rpc() {
      return Rpc.FIND_NODE;
    }
  }

  /** Answers {@code get_providers}: providers of the key it knows, and contacts closer to it. */
  record Providers(List<ProviderInfo> providers, List<ContactInfo> closer) implements Response {
    public Providers {
      providers = bounded(providers, "providers");
      closer = bounded(closer, "closer");
    }

    @Override
    public Rpc rpc() {
      return Rpc.GET_PROVIDERS;
    }
  }

  /** Answers {@code add_provider}: the record was stored. (A refusal is an HTTP problem.) */
  record ProviderAdded() implements Response {
    @Override
    public Rpc rpc() {
      return Rpc.ADD_PROVIDER;
    }
  }

  /**
   * Answers {@code add_providers}: how many of the keys were stored or refreshed; the rest met a
   * store at its bounds. (A refusal of the whole message is an HTTP problem.)
   */
  record ProvidersAdded(int added) implements Response {
    public ProvidersAdded {
      if (added < 0 || added > Request.AddProviders.MAX_KEYS) {
        throw new IllegalArgumentException("added is 0 to " + Request.AddProviders.MAX_KEYS + ", got " + added);
      }
    }

    @Override
    public Rpc rpc() {
      return Rpc.ADD_PROVIDERS;
    }
  }

  /**
   * Answers {@code hand_over}: how many entries were taken (stored, or kept until their provider
   * answers a ping); the rest were expired, for keys the receiver is not close to, or over bounds.
   */
  record HandedOver(int taken) implements Response {
    public HandedOver {
      if (taken < 0 || taken > Request.HandOver.MAX_ENTRIES) {
        throw new IllegalArgumentException("taken is 0 to " + Request.HandOver.MAX_ENTRIES + ", got " + taken);
      }
    }

    @Override
    public Rpc rpc() {
      return Rpc.HAND_OVER;
    }
  }

  /** Answers {@code get_record}: the record if the receiver holds it, and contacts closer to it. */
  record RecordReply(Optional<SignedRecord> record, List<ContactInfo> closer) implements Response {
    public RecordReply {
      Objects.requireNonNull(record, "record");
      closer = bounded(closer, "closer");
    }

    @Override
    public Rpc rpc() {
      return Rpc.GET_RECORD;
    }
  }

  /** Answers {@code put_record}: the record was stored. (A refusal is an HTTP problem.) */
  record RecordStored() implements Response {
    @Override
    public Rpc rpc() {
      return Rpc.PUT_RECORD;
    }
  }

  private static <T> List<T> bounded(List<T> list, String what) {
    Objects.requireNonNull(list, what);
    if (list.size() > MAX_CONTACTS) {
      throw new IllegalArgumentException(
          "an answer lists at most " + MAX_CONTACTS + " " + what + ", got " + list.size());
    }
    return List.copyOf(list); // also refuses null elements
  }
}
