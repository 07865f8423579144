package org.oversky.gateway.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.oversky.conf.ConfigLoader;
import org.oversky.conf.ConfigTemplate;
import org.oversky.conf.Settings;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/** Lays out a node's data directory: the identity, a commented config file, the store. */
public final class DataDir {
  private DataDir() {}

  /**
   * Creates what is missing in {@code dir} (the directory, an identity, the config file) and
   * returns the identity. An existing identity and config are kept as they are.
   */
  public static NodeIdentity prepare(Path dir) throws IOException {
    return prepare(dir, Map.of());
  }

  /**
   * As {@link #prepare(Path)}, with {@code settings} (dotted keys) written into a new config file
   * so that a later {@code serve --data DIR} uses them. The file is readable by its owner only
   * when it holds a secret.
   */
  public static NodeIdentity prepare(Path dir, Map<String, String> settings) throws IOException {
    Files.createDirectories(dir);
    Path config = dir.resolve(ConfigLoader.CONFIG_FILE_NAME);
    if (!Files.exists(config)) {
      Files.writeString(config, ConfigTemplate.render(settings));
      if (settings.containsKey(Settings.CLUSTER_SECRET.key()) || settings.containsKey(Settings.ADMIN_TOKEN.key())) {
        try {
          Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
          // a file system without POSIX permissions: the directory's own permissions apply
        }
      }
    }
    return NodeIdentity.exists(dir) ? NodeIdentity.load(dir) : NodeIdentity.create(dir);
  }

  /** Where the content store lives inside a data directory. */
  public static Path store(Path dir) {
    return dir.resolve("store");
  }
}
