package org.oversky.gateway.cli;

import org.oversky.gateway.node.Version;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code oversky} command line. */
@Command(
    name = "oversky",
    mixinStandardHelpOptions = true,
    versionProvider = Main.VersionProvider.class,
    description = "A decentralized HTTP content delivery network node.",
    subcommands = {
      DemoCommand.class,
      InitCommand.class,
      ServeCommand.class,
      RegisterCommand.class,
      GetCommand.class,
      DrainCommand.class,
      PurgeCommand.class,
      RouteCommand.class,
      StatusCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns its exit code (0 ok, 1 failed, 2 bad usage or configuration). */
  public static int run(String... args) {
    return new CommandLine(new Main()).setExecutionExceptionHandler(Main::onError).execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  private static int onError(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
    if (e instanceof org.oversky.conf.ConfigException) {
      cl.getErr().println("oversky: " + e.getMessage());
      return 2;
    }
    if (e instanceof CliException c) {
      cl.getErr().println("oversky: " + c.getMessage());
      return c.exitCode();
    }
    // Not a mistake of the user's: a fault of the node's, with what a bug report needs.
    cl.getErr().println("oversky: " + e);
    e.printStackTrace(cl.getErr());
    return 1;
  }

  /** Prints the build's version. */
  static final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"oversky " + Version.get(), "Java " + Runtime.version()};
    }
  }
}
