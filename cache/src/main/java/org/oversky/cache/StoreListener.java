package org.oversky.cache;

/** Told when bodies enter or leave the store, for metrics and (later) announcements to the network. */
public interface StoreListener {
  /** A body was committed under its key. */
  default void stored(StoredBody body) {}

  /**
   * A body left the store.
   *
   * @param evicted true when the disk budget pushed it out, false when it was deleted
   */
  default void removed(StoredBody body, boolean evicted) {}
}
