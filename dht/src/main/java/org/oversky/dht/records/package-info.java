/**
 * What a DHT node stores for others: provider records ({@link org.oversky.dht.records.ProviderStore})
 * and signed value records ({@link org.oversky.dht.records.RecordStore}), both in memory, bounded
 * and thread-safe. Time is passed in as epoch milliseconds, so the stores hold no clock; a record
 * is live while {@code now < expiresAt}.
 */
package org.oversky.dht.records;
