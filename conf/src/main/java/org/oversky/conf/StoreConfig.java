package org.oversky.conf;

/**
 * Budgets of the content store.
 *
 * @param hotBytes heap held by the hot tier (bodies cached as byte arrays)
 * @param hotMaxObjectBytes largest body the hot tier keeps
 * @param inlineMaxBytes bodies up to this size live inside the index file; larger ones are files
 * @param diskBytes budget of all stored bodies; past it the least valuable are evicted
 */
public record StoreConfig(long hotBytes, long hotMaxObjectBytes, long inlineMaxBytes, long diskBytes) {
  public StoreConfig {
    if (hotBytes < 0 || hotMaxObjectBytes < 0 || inlineMaxBytes < 0 || diskBytes <= 0) {
      throw new IllegalArgumentException("store budgets must be positive");
    }
  }
}
