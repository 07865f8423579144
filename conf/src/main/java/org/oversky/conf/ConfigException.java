package org.oversky.conf;

/** A configuration value that cannot be used; the message names the key, where it came from and the expected form. */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String key;

  public ConfigException(String key, String message) {
    super(message);
    this.key = key;
  }

  /** The offending key, such as {@code store.disk-bytes}. */
  public String key() {
    return key;
  }
}
