package org.oversky.dht.rpc;

import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
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
      checkAnnouncement(providerUrl, expiresAt);
    }

    @Override
    public Rpc rpc() {
      return Rpc.ADD_PROVIDER;
    }
  }

  /**
   * Announces, as {@link AddProvider} does, that the sender provides each of {@code keys}: many
   * keys in one message (at most {@link #MAX_KEYS}, no key twice), for a node storing many bodies.
   */
  record AddProviders(List<NodeId> keys, URI providerUrl, long expiresAt) implements Request {
    /** The most keys one message announces. */
    public static final int MAX_KEYS = 256;

    public AddProviders {
      keys = List.copyOf(keys);
      if (keys.isEmpty() || keys.size() > MAX_KEYS) {
        throw new IllegalArgumentException("an add_providers message has 1 to " + MAX_KEYS + " keys, got " + keys.size());
      }
      if (new java.util.HashSet<>(keys).size() != keys.size()) {
        throw new IllegalArgumentException("an add_providers message names each key once");
      }
      checkAnnouncement(providerUrl, expiresAt);
    }

    @Override
    public Rpc rpc() {
      return Rpc.ADD_PROVIDERS;
    }
  }

  private static void checkAnnouncement(URI providerUrl, long expiresAt) {
    Urls.require(providerUrl, "a provider's base URL");
    if (expiresAt < 0) {
      throw new IllegalArgumentException("expiresAt is epoch milliseconds, got " + expiresAt);
    }
  }

  /**
   * Asks for the value record under {@code key}, and closer contacts. With a {@code claim} (a
   * record under the same key), the receiver stores the claim when it holds no live record for the
   * key, and answers with the record it holds afterwards, the claim itself when it was stored, and
   * no contacts: one round trip that both looks a key up and says "I am fetching it" (a site
   * cluster's in-flight marker), so that of two nodes claiming at once exactly one finds its own.
   */
  record GetRecord(NodeId key, Optional<SignedRecord> claim) implements Request {
    public GetRecord {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(claim, "claim"); // a claim under another key is the receiver's to refuse
    }

    /** A plain lookup: no claim. */
    public GetRecord(NodeId key) {
      this(key, Optional.empty());
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

  /**
   * Passes on provider records the sender holds for keys the receiver is now among the closest
   * nodes to (Kademlia section 2.5: what a node that joins should store). They are hearsay: the
   * receiver stores an entry only for a provider it knows at that URL, or after that provider
   * answers a ping from it there.
   */
  record HandOver(List<Entry> entries) implements Request {
    /** The most entries one message carries. */
    public static final int MAX_ENTRIES = 64; // 64 entries with URLs of the longest (512) still fit in a message (64 KiB)

    /** One provider record: {@code provider} serves {@code key}. */
    public record Entry(NodeId key, ProviderInfo provider) {
      public Entry {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(provider, "provider");
      }
    }

    public HandOver {
      entries = List.copyOf(entries);
      if (entries.isEmpty() || entries.size() > MAX_ENTRIES) {
        throw new IllegalArgumentException("a hand_over message has 1 to " + MAX_ENTRIES + " entries, got " + entries.size());
      }
    }

    @Override
    public Rpc rpc() {
      return Rpc.HAND_OVER;
    }
  }
}
