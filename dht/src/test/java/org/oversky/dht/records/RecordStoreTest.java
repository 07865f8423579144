package org.oversky.dht.records;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.oversky.dht.id.NodeId;
import org.oversky.dht.records.RecordStore.PutOutcome;
import org.oversky.dht.rpc.SignedRecord;

class RecordStoreTest {
  static final long NOW = ProviderStoreTest.NOW;
  static final long HOUR = ProviderStoreTest.HOUR;
  static final KeyPair ALICE = keyPair();
  static final KeyPair MALLORY = keyPair();
  static final NodeId KEY = ProviderStoreTest.id(1_000);

  static KeyPair keyPair() {
    try {
      return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  static SignedRecord record(NodeId key, String value, long expiresAt, KeyPair publisher) {
    return SignedRecord.sign(key, value.getBytes(StandardCharsets.UTF_8), expiresAt, publisher);
  }

  @Test
  void aVerifiedLiveRecordIsStoredAndReadBackUntilItExpires() {
    RecordStore store = new RecordStore(4);
    SignedRecord record = record(KEY, "v1", NOW + HOUR, ALICE);

    assertEquals(PutOutcome.STORED, store.put(record, NOW));

    assertEquals(Optional.of(record), store.get(KEY, NOW));
    assertEquals(Optional.of(record), store.get(KEY, NOW + HOUR - 1));
    assertEquals(Optional.empty(), store.get(KEY, NOW + HOUR));
    assertEquals(Optional.empty(), store.get(ProviderStoreTest.id(1), NOW));
    assertEquals(1, store.size());
  }

  @Test
  void aRecordWhoseSignatureDoesNotVerifyIsRejected() {
    RecordStore store = new RecordStore(4);
    SignedRecord honest = record(KEY, "v1", NOW + HOUR, ALICE);
    SignedRecord forgedValue =
        new SignedRecord(KEY, "evil".getBytes(StandardCharsets.UTF_8), NOW + HOUR,
            ALICE.getPublic(), honest.signature());
    SignedRecord malloryAsAlice =
        new SignedRecord(KEY, honest.value(), NOW + HOUR, ALICE.getPublic(),
            record(KEY, "v1", NOW + HOUR, MALLORY).signature());
    SignedRecord stretchedExpiry =
        new SignedRecord(KEY, honest.value(), NOW + 2 * HOUR, ALICE.getPublic(), honest.signature());

    assertEquals(PutOutcome.REJECTED_BAD_SIGNATURE, store.put(forgedValue, NOW));
    assertEquals(PutOutcome.REJECTED_BAD_SIGNATURE, store.put(malloryAsAlice, NOW));
    assertEquals(PutOutcome.REJECTED_BAD_SIGNATURE, store.put(stretchedExpiry, NOW));

    assertEquals(0, store.size());
    assertEquals(Optional.empty(), store.get(KEY, NOW));
  }

  @Test
  void aRecordExpiredOnArrivalIsRejected() {
    RecordStore store = new RecordStore(4);

    assertEquals(PutOutcome.REJECTED_EXPIRED, store.put(record(KEY, "v", NOW, ALICE), NOW));
    assertEquals(PutOutcome.REJECTED_EXPIRED, store.put(record(KEY, "v", NOW - 1, ALICE), NOW));

    assertEquals(0, store.size());
  }

  @Test
  void aRecordExpiringLaterReplacesTheHeldOne() {
    RecordStore store = new RecordStore(1);
    store.put(record(KEY, "v1", NOW + HOUR, ALICE), NOW);
    SignedRecord newer = record(KEY, "v2", NOW + 2 * HOUR, ALICE);

    assertEquals(PutOutcome.REPLACED, store.put(newer, NOW), "even when the store is full");

    assertEquals(Optional.of(newer), store.get(KEY, NOW));
    assertEquals(1, store.size());
  }

  @Test
  void theSameRecordPutAgainChangesNothing() {
    RecordStore store = new RecordStore(1);
    SignedRecord record = record(KEY, "v1", NOW + HOUR, ALICE);
    store.put(record, NOW);

    assertEquals(PutOutcome.UNCHANGED, store.put(record, NOW + 1));

    assertEquals(Optional.of(record), store.get(KEY, NOW));
    assertEquals(1, store.size());
  }

  @Test
  void aRecordExpiringNoLaterCannotRollTheKeyBack() {
    RecordStore store = new RecordStore(4);
    SignedRecord held = record(KEY, "v2", NOW + 2 * HOUR, ALICE);
    store.put(held, NOW);

    assertEquals(PutOutcome.REJECTED_NOT_NEWER, store.put(record(KEY, "v1", NOW + HOUR, ALICE), NOW));
    assertEquals(
        PutOutcome.REJECTED_NOT_NEWER, store.put(record(KEY, "v3", NOW + 2 * HOUR, ALICE), NOW));
    assertEquals(
        PutOutcome.REJECTED_NOT_NEWER, store.put(record(KEY, "v2", NOW + 2 * HOUR, MALLORY), NOW));

    assertEquals(Optional.of(held), store.get(KEY, NOW));
  }

  @Test
  void anExpiredHeldRecordIsReplacedByAnyLiveOne() {
    RecordStore store = new RecordStore(1);
    store.put(record(KEY, "v2", NOW + 2 * HOUR, ALICE), NOW);
    SignedRecord later = record(KEY, "v1", NOW + 3 * HOUR, ALICE);

    assertEquals(PutOutcome.STORED, store.put(later, NOW + 2 * HOUR));

    assertEquals(Optional.of(later), store.get(KEY, NOW + 2 * HOUR));
    assertEquals(1, store.size());
  }

  @Test
  void aFullStoreRejectsANewKeyAndEvictsNothingLive() {
    RecordStore store = new RecordStore(2);
    SignedRecord a = record(ProviderStoreTest.id(1), "a", NOW + HOUR, ALICE);
    SignedRecord b = record(ProviderStoreTest.id(2), "b", NOW + 2 * HOUR, ALICE);
    store.put(a, NOW);
    store.put(b, NOW);

    assertEquals(
        PutOutcome.REJECTED_FULL,
        store.put(record(ProviderStoreTest.id(3), "c", NOW + 99 * HOUR, MALLORY), NOW));

    assertEquals(Optional.of(a), store.get(ProviderStoreTest.id(1), NOW));
    assertEquals(Optional.of(b), store.get(ProviderStoreTest.id(2), NOW));
    assertEquals(2, store.size());
  }

  @Test
  void aFullStoreMakesRoomFromExpiredRecordsOnly() {
    RecordStore store = new RecordStore(2);
    store.put(record(ProviderStoreTest.id(1), "a", NOW + HOUR, ALICE), NOW);
    store.put(record(ProviderStoreTest.id(2), "b", NOW + 2 * HOUR, ALICE), NOW);
    SignedRecord c = record(ProviderStoreTest.id(3), "c", NOW + 3 * HOUR, ALICE);

    assertEquals(PutOutcome.STORED, store.put(c, NOW + HOUR));

    assertEquals(Optional.empty(), store.get(ProviderStoreTest.id(1), NOW));
    assertEquals(Optional.of(c), store.get(ProviderStoreTest.id(3), NOW + HOUR));
    assertEquals(2, store.size());
  }

  @Test
  void expireDropsExpiredRecordsAndSaysHowMany() {
    RecordStore store = new RecordStore(4);
    store.put(record(ProviderStoreTest.id(1), "a", NOW + HOUR, ALICE), NOW);
    store.put(record(ProviderStoreTest.id(2), "b", NOW + HOUR, ALICE), NOW);
    store.put(record(ProviderStoreTest.id(3), "c", NOW + 2 * HOUR, ALICE), NOW);

    assertEquals(0, store.expire(NOW + HOUR - 1));
    assertEquals(2, store.expire(NOW + HOUR));
    assertEquals(1, store.size());
    assertEquals(1, store.expire(NOW + 2 * HOUR));
    assertEquals(0, store.size());
  }

  @Test
  void badArgumentsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new RecordStore(0));
    RecordStore store = new RecordStore(1);
    assertThrows(NullPointerException.class, () -> store.put(null, NOW));
    assertThrows(NullPointerException.class, () -> store.get(null, NOW));
  }
}
