package org.oversky.gateway.node;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version this build was made from. */
public final class Version {
  private static final String VERSION = load();

  private Version() {}

  /** Such as {@code 0.1.0}. */
  public static String get() {
    return VERSION;
  }

  private static String load() {
    try (InputStream in = Version.class.getResourceAsStream("/org/oversky/gateway/version.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      return p.getProperty("version", "development");
    } catch (IOException e) {
      return "development";
    }
  }
}
