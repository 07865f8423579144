package org.oversky.conf;

import java.util.List;
import java.util.Optional;

/** Every key a node understands, in the order the config file lists them. */
public final class Settings {
  public static final Setting LISTEN =
      new Setting("listen", "0.0.0.0:8080", "HOST:PORT", "Address and port the HTTP server listens on.");
  public static final Setting DATA =
      new Setting("data", "./oversky-data", "a directory path", "Data directory: identity, index and stored bodies.");
  public static final Setting PUBLIC_URL =
      new Setting(
          "public-url",
          "",
          "an http(s) URL such as http://node1.example.net:8080",
          "Base URL clients and peers use to reach this node (default: http://<listen host>:<port>).");
  public static final Setting ALLOW_PRIVATE_ORIGINS =
      new Setting(
          "allow-private-origins",
          "false",
          "true or false",
          "Allow fetching loopback, link-local and private addresses (off: the node is no SSRF tool).");
  public static final Setting REQUEST_LOG =
      new Setting("request-log", "true", "true or false", "Log one line per request (NCSA extended format).");
  public static final Setting HOT_BYTES =
      new Setting("store.hot-bytes", "64MiB", "a size such as 64MiB", "Heap given to the hot tier (bodies kept as bytes).");
  public static final Setting HOT_MAX_OBJECT =
      new Setting("store.hot-max-object", "256KiB", "a size such as 256KiB", "Largest body the hot tier keeps.");
  public static final Setting INLINE_MAX =
      new Setting(
          "store.inline-max", "16KiB", "a size such as 16KiB", "Bodies up to this size are kept inside the index file.");
  public static final Setting DISK_BYTES =
      new Setting("store.disk-bytes", "10GiB", "a size such as 10GiB", "Budget for all stored bodies; past it, eviction.");
  public static final Setting CONNECT_TIMEOUT =
      new Setting("fetch.connect-timeout", "5s", "a duration such as 5s or 500ms", "Time to connect to an origin.");
  public static final Setting READ_TIMEOUT =
      new Setting(
          "fetch.read-timeout", "30s", "a duration such as 30s", "Longest silence while reading an origin's response.");
  public static final Setting MAX_BODY =
      new Setting("fetch.max-body", "4GiB", "a size such as 4GiB", "Largest body fetched from an origin.");
  public static final Setting MAX_REDIRECTS =
      new Setting("fetch.max-redirects", "5", "a whole number from 0 to 20", "Redirects followed when fetching.");

  private static final List<Setting> ALL =
      List.of(
          LISTEN,
          DATA,
          PUBLIC_URL,
          ALLOW_PRIVATE_ORIGINS,
          REQUEST_LOG,
          HOT_BYTES,
          HOT_MAX_OBJECT,
          INLINE_MAX,
          DISK_BYTES,
          CONNECT_TIMEOUT,
          READ_TIMEOUT,
          MAX_BODY,
          MAX_REDIRECTS);

  private Settings() {}

  /** All keys, in file order. */
  public static List<Setting> all() {
    return ALL;
  }

  /** The setting with this dotted key, if there is one. */
  public static Optional<Setting> byKey(String key) {
    return ALL.stream().filter(s -> s.key().equals(key)).findFirst();
  }
}
