package org.oversky.dns.update;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.xbill.DNS.Name;
import org.xbill.DNS.TSIG;
import org.xbill.DNS.TextParseException;

/**
 * A TSIG key as BIND writes it ({@code tsig-keygen -a hmac-sha256 NAME}): {@code key "NAME" {
 * algorithm hmac-sha256; secret "BASE64"; };}. The same file goes into the primary's
 * {@code named.conf} (an {@code include}) and to the node, so the secret never appears on a
 * command line.
 *
 * @param name the key's name, which the primary's {@code update-policy} or {@code allow-update} names
 * @param algorithm the HMAC, such as {@code hmac-sha256}
 * @param secret the shared secret
 */
public record TsigKeyFile(String name, String algorithm, byte[] secret) {
  /** The algorithms RFC 8945 requires or recommends; MD5 and SHA-1 are refused. */
  public static final Set<String> ALGORITHMS = Set.of("hmac-sha224", "hmac-sha256", "hmac-sha384", "hmac-sha512");

  /** Larger than any key file. */
  static final int MAX_BYTES = 16 * 1024;

  private static final Pattern KEY = Pattern.compile(
      "key\\s+\"?([A-Za-z0-9._-]+)\"?\\s*\\{(.*?)\\}\\s*;", Pattern.DOTALL);
  private static final Pattern ALGORITHM = Pattern.compile("algorithm\\s+\"?([A-Za-z0-9-]+)\"?\\s*;");
  private static final Pattern SECRET = Pattern.compile("secret\\s+\"([A-Za-z0-9+/=\\s]+)\"\\s*;");

  public TsigKeyFile {
    if (!ALGORITHMS.contains(algorithm)) {
      throw new IllegalArgumentException("algorithm " + algorithm + " is not one of " + new java.util.TreeSet<>(ALGORITHMS));
    }
    if (secret.length < 16) {
      throw new IllegalArgumentException("the secret is " + secret.length + " bytes; give at least 16 (tsig-keygen makes 32)");
    }
    secret = secret.clone();
  }

  /**
   * {@code text} without named.conf's comments ({@code #} and {@code //} to the end of the line,
   * {@code /* ... *}{@code /}), each a space; a quoted string is kept whole, since a base64 secret
   * may hold {@code //}.
   */
  static String uncommented(String text) {
    StringBuilder out = new StringBuilder(text.length());
    boolean quoted = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      char next = i + 1 < text.length() ? text.charAt(i + 1) : 0;
      if (quoted || c != '#' && !(c == '/' && (next == '/' || next == '*'))) {
        quoted ^= c == '"';
        out.append(c);
      } else if (c == '/' && next == '*') {
        int end = text.indexOf("*/", i + 2);
        i = end < 0 ? text.length() : end + 1;
        out.append(' ');
      } else {
        int end = text.indexOf('\n', i);
        i = end < 0 ? text.length() : end - 1;
        out.append(' ');
      }
    }
    return out.toString();
  }

  /** Parses the text of a key file: exactly one {@code key} clause. */
  public static TsigKeyFile parse(String text) {
    String uncommented = uncommented(text);
    Matcher key = KEY.matcher(uncommented);
    if (!key.find()) {
      throw new IllegalArgumentException("no key clause: want key \"NAME\" { algorithm hmac-sha256; secret \"BASE64\"; }; as tsig-keygen writes it");
    }
    String name = key.group(1).toLowerCase(Locale.ROOT);
    String body = key.group(2);
    if (key.find()) {
      throw new IllegalArgumentException("more than one key clause; give a file with one key");
    }
    Matcher algorithm = ALGORITHM.matcher(body);
    Matcher secret = SECRET.matcher(body);
    if (!algorithm.find()) {
      throw new IllegalArgumentException("key " + name + " has no algorithm (algorithm hmac-sha256;)");
    }
    if (!secret.find()) {
      throw new IllegalArgumentException("key " + name + " has no secret (secret \"BASE64\";)");
    }
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(secret.group(1).replaceAll("\\s", ""));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("key " + name + ": the secret is not base64 (" + e.getMessage() + ")");
    }
    return new TsigKeyFile(name, algorithm.group(1).toLowerCase(Locale.ROOT), bytes);
  }

  /** Reads and parses {@code file}. */
  public static TsigKeyFile read(Path file) throws IOException {
    if (Files.size(file) > MAX_BYTES) {
      throw new IllegalArgumentException("larger than " + MAX_BYTES + " bytes: not a key file");
    }
    return parse(Files.readString(file, StandardCharsets.UTF_8));
  }

  /** The key as dnsjava signs with it. */
  public TSIG tsig() {
    try {
      return new TSIG(TSIG.algorithmToName(algorithm), Name.fromString(name, Name.root), secret);
    } catch (TextParseException e) {
      throw new IllegalArgumentException("key name " + name + " is not a DNS name", e);
    }
  }

  @Override
  public byte[] secret() {
    return secret.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TsigKeyFile k && k.name.equals(name) && k.algorithm.equals(algorithm) && java.util.Arrays.equals(k.secret, secret);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(name, algorithm, java.util.Arrays.hashCode(secret));
  }

  @Override
  public String toString() {
    return "TsigKeyFile[" + name + ", " + algorithm + ", secret hidden]";
  }
}
