package org.oversky.gateway.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.oversky.conf.ConfigLoader;
import org.oversky.conf.ConfigTemplate;

/** Lays out a node's data directory: the identity, a commented config file, the store. */
public final class DataDir {
  private DataDir() {}

  /**
   * Creates what is missing in {@code dir} (the directory, an identity, the config file) and
   * returns the identity. An existing identity and config are kept as they are.
   */
  public static NodeIdentity prepare(Path dir) throws IOException {
    Files.createDirectories(dir);
    Path config = dir.resolve(ConfigLoader.CONFIG_FILE_NAME);
    if (!Files.exists(config)) {
      Files.writeString(config, ConfigTemplate.render());
    }
    return NodeIdentity.exists(dir) ? NodeIdentity.load(dir) : NodeIdentity.create(dir);
  }

  /** Where the content store lives inside a data directory. */
  public static Path store(Path dir) {
    return dir.resolve("store");
  }
}
