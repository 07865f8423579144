package org.oversky.gateway.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.oversky.gateway.cluster.ClusterMessages;

/**
 * Hands directory entries ({@code shield=directory}) on when a URL's directory node changes: a
 * node joins, leaves or comes back, or this node filled URLs while it knew no other. On every
 * change of the view, each entry whose directory node is now another goes to that node, batched
 * per node, as a {@link ClusterMessages} of kind {@code directory} ({@code POST
 * /api/v1/cluster/directory}, signed under the cluster secret). Without it, the first miss of such
 * a URL on another node found no entry at the new directory and went to the origin again.
 */
public final class DirectoryHandOver extends ContainerLifeCycle {
  /** Most bytes of URLs and fillers in one message (a cluster message's body is at most 64 KiB). */
  static final int MAX_MESSAGE_CHARS = 48 * 1024;

  private final DirectoryBook book;
  private final Function<String, Optional<URI>> directoryFor;
  private final Supplier<List<URI>> view;
  private final Predicate<URI> placeable;
  private final ClusterMessages messages;
  /** The view {@link #followView} last saw; written by it alone. */
  private volatile List<URI> followed = List.of();

  /**
   * @param directoryFor a URL's directory node over the current view (empty while this node knows no other)
   * @param view the nodes directories are placed over ({@code ClusterMonitor#placeable})
   */
  public DirectoryHandOver(DirectoryBook book, Function<String, Optional<URI>> directoryFor, Supplier<List<URI>> view,
      ClusterMessages messages) {
    this.book = book;
    this.directoryFor = directoryFor;
    this.view = view;
    this.placeable = node -> view.get().contains(node);
    this.messages = messages;
    addBean(messages);
  }

  /** Hands on the entries whose directory node changed; does nothing unless the view did. Run every few hundred milliseconds. */
  public void followView() {
    if (!book.enabled()) {
      return;
    }
    List<URI> now = view.get();
    if (now.equals(followed)) {
      return;
    }
    book.handOn(directoryFor).forEach((node, entries) -> {
      for (List<Map<String, Object>> batch : batches(entries)) {
        messages.sendTo(node, Map.of("entries", batch), batch.size() + " directory entries; their URLs are filled from the origin once more");
      }
    });
    followed = now;
  }

  /** How many nodes the view held when {@link #followView} last handed entries on (its hand-over sent). */
  public int followedNodes() {
    return followed.size();
  }

  /** Entries as message fields, in batches of at most {@link #MAX_MESSAGE_CHARS} characters of URLs. */
  static List<List<Map<String, Object>>> batches(List<DirectoryBook.HandedOn> entries) {
    List<List<Map<String, Object>>> out = new ArrayList<>();
    List<Map<String, Object>> batch = new ArrayList<>();
    int chars = 0;
    for (DirectoryBook.HandedOn e : entries) {
      int size = e.url().length() + e.filler().toString().length() + 32;
      if (size > MAX_MESSAGE_CHARS) {
        continue; // a URL this long is filled from the origin once more
      }
      if (chars + size > MAX_MESSAGE_CHARS) {
        out.add(batch);
        batch = new ArrayList<>();
        chars = 0;
      }
      batch.add(Map.of("url", e.url(), "filler", e.filler().toString()));
      chars += size;
    }
    if (!batch.isEmpty()) {
      out.add(batch);
    }
    return out;
  }

  /** Takes entries another node handed here: {@code body} as it came, {@code macHex} its signature header. */
  public ClusterMessages.Verdict receive(byte[] body, String macHex) {
    ClusterMessages.Received r = messages.receive(body, macHex);
    if (r.verdict() != ClusterMessages.Verdict.TAKEN) {
      return r.verdict();
    }
    JsonNode entries = r.message().orElseThrow().path("entries");
    if (!entries.isArray()) {
      return ClusterMessages.Verdict.MALFORMED;
    }
    List<DirectoryBook.HandedOn> taken = new ArrayList<>();
    for (JsonNode e : entries) {
      Optional<URI> filler = node(e.path("filler"));
      String url = e.path("url").asText("");
      if (filler.isEmpty() || !(url.startsWith("http://") || url.startsWith("https://"))) {
        return ClusterMessages.Verdict.MALFORMED;
      }
      taken.add(new DirectoryBook.HandedOn(url, filler.get()));
    }
    taken.forEach(e -> book.takeHandedOn(e.url(), e.filler(), placeable));
    return ClusterMessages.Verdict.TAKEN;
  }

  private static Optional<URI> node(JsonNode field) {
    if (!field.isTextual()) {
      return Optional.empty();
    }
    try {
      URI u = URI.create(field.asText());
      return u.isAbsolute() && u.getHost() != null && ("http".equals(u.getScheme()) || "https".equals(u.getScheme()))
          ? Optional.of(u) : Optional.empty();
    } catch (IllegalArgumentException e) {
      return Optional.empty(); // not a URI: the message is refused as malformed
    }
  }

}
