package org.oversky.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * HTTP/1.1 spoken byte by byte, for what well-behaved clients and servers never send: malformed
 * chunks, absurd methods, CONNECT, slow heads, unknown transfer codings.
 */
final class RawHttp {
  private RawHttp() {}

  /** Sends {@code request} as is to {@code base}'s host and port, reads until the server closes or {@code timeoutMs}. */
  static String exchange(URI base, String request, int timeoutMs) throws IOException {
    try (Socket s = new Socket(base.getHost(), base.getPort())) {
      s.setSoTimeout(timeoutMs);
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      return readAll(s.getInputStream());
    }
  }

  /** The status code of the first response in {@code raw}, or -1. */
  static int status(String raw) {
    if (!raw.startsWith("HTTP/1.1 ") || raw.length() < 12) {
      return -1;
    }
    return Integer.parseInt(raw.substring(9, 12));
  }

  private static String readAll(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    try {
      int n;
      while ((n = in.read(buf)) > 0) {
        out.write(buf, 0, n);
        String text = out.toString(StandardCharsets.ISO_8859_1);
        if (complete(text)) {
          break;
        }
      }
    } catch (java.net.SocketTimeoutException e) {
      // what arrived is the answer
    }
    return out.toString(StandardCharsets.ISO_8859_1);
  }

  /** Whether a response with a Content-Length has all of its body. */
  private static boolean complete(String text) {
    int end = text.indexOf("\r\n\r\n");
    if (end < 0) {
      return false;
    }
    for (String line : text.substring(0, end).split("\r\n")) {
      if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
        long length = Long.parseLong(line.substring(15).trim());
        return text.length() - end - 4 >= length;
      }
    }
    return false;
  }

  /** A one-connection-at-a-time origin that answers every request with the bytes {@code answer} gives for its head. */
  static final class Origin implements AutoCloseable {
    private final ServerSocket server;
    private final ExecutorService pool = Executors.newCachedThreadPool();

    Origin(Function<String, String> answer) throws IOException {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      pool.execute(() -> {
        while (!server.isClosed()) {
          try {
            Socket s = server.accept();
            pool.execute(() -> serve(s, answer));
          } catch (IOException closed) {
            return;
          }
        }
      });
    }

    private static void serve(Socket s, Function<String, String> answer) {
      try (s) {
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
          head.append((char) c);
          if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
            break;
          }
        }
        s.getOutputStream().write(answer.apply(head.toString()).getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
      } catch (IOException gone) {
        // the node went away: nothing to answer
      }
    }

    String url() {
      return "http://127.0.0.1:" + server.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      server.close();
      pool.shutdownNow();
    }
  }
}
