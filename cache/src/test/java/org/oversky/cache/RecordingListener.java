package org.oversky.cache;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link StoreListener} that remembers what it was told. */
final class RecordingListener implements StoreListener {
  final List<StoredBody> stored = new CopyOnWriteArrayList<>();
  final List<StoredBody> evicted = new CopyOnWriteArrayList<>();
  final List<StoredBody> deleted = new CopyOnWriteArrayList<>();

  @Override
  public void stored(StoredBody body) {
    stored.add(body);
  }

  @Override
  public void removed(StoredBody body, boolean wasEvicted) {
    (wasEvicted ? evicted : deleted).add(body);
  }
}
