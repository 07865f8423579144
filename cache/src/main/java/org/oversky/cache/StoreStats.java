package org.oversky.cache;

/**
 * Figures of a store at one moment.
 *
 * @param bodies bodies stored
 * @param bytes their total size
 * @param diskBudget the configured budget
 * @param evictions bodies evicted since start
 * @param hotBytes bytes held by the heap tier
 */
public record StoreStats(long bodies, long bytes, long diskBudget, long evictions, long hotBytes) {}
