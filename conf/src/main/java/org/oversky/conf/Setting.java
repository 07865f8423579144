package org.oversky.conf;

import java.util.Locale;

/**
 * One configuration key: its name in the config file, its default and what it means. The same
 * entries produce the commented config file that {@code oversky init} writes and the
 * configuration reference.
 *
 * @param key dotted name, such as {@code store.disk-bytes}
 * @param defaultValue the value used when no source sets it (empty: derived, see description)
 * @param form the expected form, quoted in error messages
 * @param description one line on what it does
 */
public record Setting(String key, String defaultValue, String form, String description) {
  public Setting {
    if (!key.matches("[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)*")) {
      throw new IllegalArgumentException("bad setting key " + key);
    }
  }

  /** The environment variable that sets this key: {@code OVERSKY_} and the key in capitals. */
  public String envName() {
    return "OVERSKY_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }
}
