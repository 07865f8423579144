package org.oversky.gateway.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import org.apache.commons.codec.digest.DigestUtils;
import org.oversky.cache.ContentKey;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code oversky get KEY}: downloads a body by its key and checks that it hashes to the key. With
 * {@code -o FILE} the file appears only once the check has passed.
 */
@Command(name = "get", mixinStandardHelpOptions = true, description = "Download a body by its content key and verify it.")
final class GetCommand implements Callable<Integer> {
  private static final long PROGRESS_FROM = 4L << 20;

  @Parameters(paramLabel = "KEY", description = "The SHA-256 of the body, 64 lowercase hex digits.")
  String key;

  @Option(names = "--node", paramLabel = "URL", description = "The node (default $OVERSKY_NODE or " + NodeClient.DEFAULT_NODE + ").")
  String node;

  @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write to FILE instead of standard output.")
  Path output;

  @Override
  public Integer call() throws Exception {
    if (!ContentKey.isWellFormed(key)) {
      throw new CliException("KEY must be a SHA-256 as 64 lowercase hex digits, got '" + key + "'", 2);
    }
    NodeClient client = new NodeClient(node);
    HttpRequest request = HttpRequest.newBuilder(client.resolve("/key/" + key)).GET().build();
    HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
    if (response.statusCode() != 200) {
      byte[] err;
      try (InputStream in = response.body()) {
        err = in.readNBytes(64 * 1024);
      }
      throw new CliException("the node answered " + NodeClient.describeError(response.statusCode(), err));
    }
    long length = response.headers().firstValueAsLong("Content-Length").orElse(-1);
    Progress progress = length >= PROGRESS_FROM ? new Progress(System.err, length) : null;
    MessageDigest sha = DigestUtils.getSha256Digest();
    Path temp = output == null ? null : Files.createTempFile(absoluteParent(output), ".oversky-get-", ".part");
    try (InputStream in = response.body();
        OutputStream out = temp == null ? unclosable(System.out) : Files.newOutputStream(temp)) {
      byte[] buf = new byte[64 * 1024];
      long done = 0;
      int n;
      while ((n = in.read(buf)) >= 0) {
        sha.update(buf, 0, n);
        out.write(buf, 0, n);
        done += n;
        if (progress != null) {
          progress.update(done);
        }
      }
      out.flush();
      if (progress != null) {
        progress.finish(done);
      }
      String actual = HexFormat.of().formatHex(sha.digest());
      if (!actual.equals(key)) {
        throw new CliException("the bytes received hash to " + actual + ", not to " + key + "; nothing was kept");
      }
      if (temp != null) {
        Files.move(temp, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        System.err.println("saved " + done + " verified bytes to " + output);
      }
    } finally {
      if (temp != null) {
        Files.deleteIfExists(temp);
      }
    }
    return 0;
  }

  /** Standard output, flushed but left open when the copy is done. */
  private static OutputStream unclosable(OutputStream out) {
    return new java.io.FilterOutputStream(out) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
      }

      @Override
      public void close() throws IOException {
        flush();
      }
    };
  }

  private static Path absoluteParent(Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    return parent;
  }

  /** A progress bar on a terminal; on anything else, a line every tenth of the way. */
  static final class Progress {
    private final PrintStream out;
    private final long total;
    private final boolean terminal = System.console() != null;
    private final long start = System.nanoTime();
    private int shown = -1;

    Progress(PrintStream out, long total) {
      this.out = out;
      this.total = total;
    }

    void update(long done) {
      int percent = (int) (done * 100 / total);
      int step = terminal ? percent : percent / 10 * 10;
      if (step == shown) {
        return;
      }
      shown = step;
      double seconds = Math.max(1e-3, (System.nanoTime() - start) / 1e9);
      String rate = String.format("%.1f MiB/s", done / seconds / (1 << 20));
      if (terminal) {
        int width = 30;
        int filled = percent * width / 100;
        out.print("\r[" + "#".repeat(filled) + " ".repeat(width - filled) + "] " + percent + "% " + rate + "   ");
      } else {
        out.println(step + "% of " + total + " bytes, " + rate);
      }
    }

    void finish(long done) {
      if (terminal) {
        out.println();
      }
    }
  }
}
