package org.oversky.routing.zone;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.regex.Pattern;

/** Literal IP addresses from text, never by a name lookup (a name here would ask DNS). */
public final class Addresses {
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");

  private Addresses() {}

  /** {@code text} as an IPv4 (dotted quad) or IPv6 (with colons) address, if it is one. */
  public static Optional<InetAddress> literal(String text) {
    if (text == null || (!text.contains(":") && !IPV4.matcher(text).matches())) {
      return Optional.empty();
    }
    try {
      return Optional.of(InetAddress.getByName(text));
    } catch (UnknownHostException e) {
      return Optional.empty(); // a malformed literal: not an address
    }
  }
}
