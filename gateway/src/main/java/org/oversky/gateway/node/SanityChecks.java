package org.oversky.gateway.node;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.oversky.conf.NodeConfig;
import org.oversky.conf.Values;

/** The checks of {@code oversky init} (the original {@code setup} action): can a node run here. */
public final class SanityChecks {
  /**
   * One check's outcome.
   *
   * @param name what was checked
   * @param ok whether it passed
   * @param detail what was found
   * @param fix what to do when it failed or warns (empty when it passed cleanly)
   */
  public record Check(String name, boolean ok, String detail, String fix) {
    /** Passed, but with something to do: the node runs, not as configured for long. */
    public boolean warns() {
      return ok && !fix.isEmpty();
    }
  }

  private SanityChecks() {}

  /**
   * Runs every check.
   *
   * @param checkPort whether to try binding the listen port (false when the node itself holds it)
   */
  public static List<Check> run(NodeConfig config, boolean checkPort) {
    List<Check> checks = new ArrayList<>();
    checks.add(java());
    checks.add(dataDir(config.dataDir()));
    checks.add(disk(config));
    if (checkPort) {
      checks.add(port(config));
    }
    return checks;
  }

  /** Whether every check passed. */
  public static boolean allOk(List<Check> checks) {
    return checks.stream().allMatch(Check::ok);
  }

  private static Check java() {
    int feature = Runtime.version().feature();
    return feature >= 21
        ? new Check("java", true, "Java " + Runtime.version(), "")
        : new Check("java", false, "Java " + Runtime.version(), "install a JDK 21 or newer and set JAVA_HOME to it");
  }

  private static Check dataDir(Path dir) {
    try {
      Files.createDirectories(dir);
      Path probe = Files.createTempFile(dir, ".probe", ".tmp");
      Files.delete(probe);
      return new Check("data directory", true, dir.toAbsolutePath() + " is writable", "");
    } catch (IOException | SecurityException e) {
      return new Check(
          "data directory",
          false,
          dir.toAbsolutePath() + " is not writable: " + e.getMessage(),
          "choose a directory you can write with --data DIR, or fix its permissions");
    }
  }

  private static Check disk(NodeConfig config) {
    Path dir = config.dataDir();
    try {
      Path existing = dir.toAbsolutePath();
      while (existing != null && !Files.exists(existing)) {
        existing = existing.getParent();
      }
      long free = Files.getFileStore(existing == null ? Path.of(".") : existing).getUsableSpace();
      long minimum = 64L << 20;
      String detail =
          Values.formatSize(free >> 20 << 20) + " free; the store budget is " + Values.formatSize(config.store().diskBytes());
      if (free < minimum) {
        return new Check("free disk", false, detail, "free some disk space, or put --data on a larger disk");
      }
      if (free < config.store().diskBytes()) {
        return new Check(
            "free disk",
            true,
            detail + ", larger than the free space: the disk fills before the store starts evicting",
            "lower --disk-bytes to at most " + Values.formatSize(free >> 20 << 20) + ", or free disk space");
      }
      return new Check("free disk", true, detail, "");
    } catch (IOException e) {
      return new Check("free disk", false, "could not read free space: " + e.getMessage(), "check that the data path exists");
    }
  }

  private static Check port(NodeConfig config) {
    String where = config.listen().toString();
    if (config.listen().port() == 0) {
      return new Check("listen port", true, where + ": a free port is picked at start", "");
    }
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(config.listen().host(), config.listen().port()));
      return new Check("listen port", true, where + " is free", "");
    } catch (IOException e) {
      return new Check(
          "listen port",
          false,
          where + " cannot be bound: " + e.getMessage(),
          "stop what holds the port, or choose another with --listen HOST:PORT");
    }
  }
}
