package org.oversky.gateway.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.oversky.conf.ConfigLoader;
import org.oversky.conf.NodeConfig;
import org.oversky.conf.Settings;
import org.oversky.gateway.node.DataDir;
import org.oversky.gateway.node.NodeIdentity;
import org.oversky.gateway.node.SanityChecks;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code oversky init}: checks the machine, then creates the data directory, identity and config file. */
@Command(name = "init", mixinStandardHelpOptions = true, description = "Check this machine and create a node's data directory.")
final class InitCommand implements Callable<Integer> {
  @Mixin NodeOptions options;

  @Override
  public Integer call() throws Exception {
    NodeConfig config = options.load();
    List<SanityChecks.Check> checks = SanityChecks.run(config, true);
    for (SanityChecks.Check c : checks) {
      System.out.printf("%-4s %-15s %s%n", !c.ok() ? "FAIL" : c.warns() ? "WARN" : "ok", c.name(), c.detail());
      if (!c.fix().isEmpty()) {
        System.out.printf("     %-15s -> %s%n", "", c.fix());
      }
    }
    if (!SanityChecks.allOk(checks)) {
      throw new CliException("some checks failed; fix them and run 'oversky init' again");
    }
    boolean existed = NodeIdentity.exists(config.dataDir());
    Map<String, String> settings = new LinkedHashMap<>(options.flags());
    settings.remove(Settings.DATA.key());
    settings.remove(ConfigLoader.CONFIG_KEY);
    Path file = config.dataDir().resolve(ConfigLoader.CONFIG_FILE_NAME);
    if (!settings.isEmpty() && Files.exists(file)) {
      throw new CliException(
          file + " exists already and is kept as it is, so " + String.join(", ", settings.keySet())
              + " would not be saved; edit that file, or give the flags to 'oversky serve'");
    }
    NodeIdentity id = DataDir.prepare(config.dataDir(), settings);
    System.out.println();
    System.out.println((existed ? "kept the existing node " : "created node ") + id.nodeId());
    System.out.println("data directory: " + config.dataDir().toAbsolutePath());
    System.out.println("config file:    " + file.toAbsolutePath());
    if (!settings.isEmpty()) {
      System.out.println("saved in it:    " + String.join(", ", settings.keySet()));
    }
    System.out.println("next: oversky serve --data " + config.dataDir());
    return 0;
  }
}
