package org.oversky.dht.rpc;

import java.net.URI;
import java.util.Objects;
import org.oversky.dht.id.NodeId;

/** The payload of a request, one record per RPC. */
public sealed interface Request extends Payload {
  /** Asks whether the receiver is alive, and shows it the sender's signed identity. */
  record Ping() implements Request {
    @Override
    public Rpc rpc() {
      return Rpc.PING;
    }
  }

  /** Asks for the contacts the receiver knows closest to {@code target}. */
  record FindNode(NodeId target) implements Request {
    public FindNode {
      Objects.requireNonNull(target, "target");
    }

    @Override
    public Rpc rpc() {
      return Rpc.FIND_NODE;
    }
  }

  /** Asks for the providers of content key {@code key}, and closer contacts. */
  record GetProviders(NodeId key) implements Request {
    public GetProviders {
      Objects.requireNonNull(key, "key");
    }

    @Override
    public Rpc rpc() {
      return Rpc.GET_PROVIDERS;
    }
  }

  /**
   * Announces that the sender provides content key {@code key} at {@code providerUrl} until {@code
   * expiresAt}. The provider is always the sender: no node can announce another.
   */
  record AddProvider(NodeId key, URI providerUrl, long expiresAt) implements Request {
    public AddProvider {
      Objects.requireNonNull(key, "key");
      Urls.require(providerUrl, "a provider's base URL");
      if (expiresAt < 0) {
        throw new IllegalArgumentException("expiresAt is epoch milliseconds, got " + expiresAt);
      }
    }

    @Override
    public Rpc rpc() {
      return Rpc.ADD_PROVIDER;
    }
  }

  /** Asks for the value record under {@code key}, and closer contacts. */
  record GetRecord(NodeId key) implements Request {
    public GetRecord {
      Objects.requireNonNull(key, "key");
    }

    @Override
    public Rpc rpc() {
      return Rpc.GET_RECORD;
    }
  }

  /** Asks the receiver to store a value record signed by its publisher. */
  record PutRecord(SignedRecord record) implements Request {
    public PutRecord {
      Objects.requireNonNull(record, "record");
    }

    @Override
    public Rpc rpc() {
      return Rpc.PUT_RECORD;
    }
  }
}
