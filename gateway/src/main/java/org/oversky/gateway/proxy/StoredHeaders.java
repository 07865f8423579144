package org.oversky.gateway.proxy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.oversky.cache.StoredResponse;

/** Which response header fields are stored, and how a 304 updates them (RFC 9111 §3.1, §3.2). */
final class StoredHeaders {
  /** Hop-by-hop fields (RFC 9110 §7.6.1) and those a cache sets itself. */
  private static final Set<String> NOT_STORED =
      Set.of(
          "connection", "keep-alive", "proxy-connection", "te", "transfer-encoding", "trailer", "upgrade",
          "proxy-authenticate", "proxy-authentication-info", "proxy-authorization", "content-length", "cache-status",
          // the cluster's answers between nodes: about this exchange, never about the response
          "oversky-origin-failed", "oversky-directory-next");

  /** Fields a 304 must not replace (RFC 9111 §3.2). */
  private static final Set<String> NOT_UPDATED =
      Set.of("content-encoding", "content-length", "content-md5", "content-range", "etag", "transfer-encoding");

  private StoredHeaders() {}

  /**
   * The request attribute set on a request from a node of the cluster (a verified {@link
   * DirectoryBook#NODE_HEADER} or claim): its answer carries {@code Oversky-Cache-Control}.
   */
  static final String FOR_CLUSTER = "oversky.forCluster";

  /** Whether a response field (lower-case name) goes to the cluster's nodes too: the origin's directives for the CDN. */
  static boolean forCluster(String lowerCaseName) {
    return lowerCaseName.equals("oversky-cache-control");
  }

  /** Whether {@code request} came from a node of the cluster (see {@link #FOR_CLUSTER}). */
  static boolean fromCluster(org.eclipse.jetty.server.Request request) {
    return request.getAttribute(FOR_CLUSTER) != null;
  }

  /**
   * Whether a response field (lower-case name) is meant for this node alone and never sent on:
   * {@code Oversky-Cache-Control} (but to the cluster's nodes, see {@link #FOR_CLUSTER}), and a
   * directory's {@code Oversky-Directory} proof. {@code CDN-Cache-Control} is sent on, for CDN
   * caches further down the path.
   */
  static boolean onlyForThisNode(String lowerCaseName) {
    return lowerCaseName.equals("oversky-cache-control") || lowerCaseName.equals("oversky-directory");
  }

  /** The fields of an origin response worth storing; {@code Set-Cookie} never is. */
  static List<StoredResponse.Header> from(HttpFields fields) {
    Set<String> connectionListed = connectionListed(fields);
    List<StoredResponse.Header> out = new ArrayList<>(fields.size());
    for (HttpField f : fields) {
      String name = f.getLowerCaseName();
      if (NOT_STORED.contains(name) || connectionListed.contains(name) || name.equals("set-cookie")) {
        continue;
      }
      out.add(new StoredResponse.Header(f.getName(), f.getValue()));
    }
    return out;
  }

  /** The stored fields freshened with those of a 304 (RFC 9111 §4.3.4). */
  static List<StoredResponse.Header> freshen(List<StoredResponse.Header> stored, HttpFields notModified) {
    List<StoredResponse.Header> update = from(notModified);
    Set<String> replaced = new HashSet<>();
    for (StoredResponse.Header h : update) {
      String name = h.name().toLowerCase(Locale.ROOT);
      if (!NOT_UPDATED.contains(name)) {
        replaced.add(name);
      }
    }
    List<StoredResponse.Header> out = new ArrayList<>();
    for (StoredResponse.Header h : stored) {
      if (!replaced.contains(h.name().toLowerCase(Locale.ROOT))) {
        out.add(h);
      }
    }
    for (StoredResponse.Header h : update) {
      if (replaced.contains(h.name().toLowerCase(Locale.ROOT))) {
        out.add(h);
      }
    }
    return out;
  }

  private static Set<String> connectionListed(HttpFields fields) {
    Set<String> names = new HashSet<>();
    for (String v : fields.getValuesList("Connection")) {
      for (String n : v.split(",")) {
        names.add(n.trim().toLowerCase(Locale.ROOT));
      }
    }
    return names;
  }
}
