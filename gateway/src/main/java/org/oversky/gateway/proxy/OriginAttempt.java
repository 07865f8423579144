package org.oversky.gateway.proxy;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.oversky.conf.FetchConfig;
import org.oversky.gateway.origin.OriginPool;

/**
 * The origins one request may ask, in the order its site's {@link OriginPool} gave (after the
 * region's shield node, for a shielded fill), and which it is asking now. A request without a body moves to the next when one fails (a 5xx, a refused
 * connection, a timeout) before anything reached the client. Used by one request at a time.
 */
final class OriginAttempt {
  /** Sent with a fill to a shield: the shield then goes to the cluster and the origin itself, never to a shield. */
  static final String SHIELDED_HEADER = "Oversky-Shielded";
  /**
   * On a node's 5xx answer to a request of the cluster: the node asked the origin and this is
   * the origin's failure, so the asker passes it on instead of asking the origin again.
   */
  static final String ORIGIN_FAILED_HEADER = "Oversky-Origin-Failed";

  private final OriginPool pool;
  private final boolean viaShield;
  /** The shield (or directory) first when there is one, then the origins; a directory's answer may put its filler second. */
  private final List<URI> order;
  /** The claim sent to the shield when it is the URL's directory ({@code shield=directory}). */
  private final Optional<String> claim;
  /** What checks the directory's answer to the claim (null without a claim). */
  private final DirectoryBook book;
  /** The URL asked for, as the directory book keys it; null unless a claim goes with it. */
  private final String url;
  /** Whether the directory named a filler, asked next as a shield is ({@link #follow}). */
  private boolean toFiller;
  private int index;
  private long sentNanos;

  OriginAttempt(OriginPool pool, Optional<URI> shield, List<URI> origins) {
    this(pool, shield, origins, Optional.empty(), null, null);
  }

  /**
   * As above, with the shield the directory of {@code url}: {@code claim} goes to it with the
   * request ({@link DirectoryBook#CLAIM_HEADER}), and {@code book} checks its answer and hears when
   * the miss went past it ({@link DirectoryBook#wentPast}).
   */
  OriginAttempt(OriginPool pool, URI directory, List<URI> origins, String claim, DirectoryBook book, String url) {
    this(pool, Optional.of(directory), origins, Optional.of(claim), book, url);
  }

  /** A directory node's own miss: to the URL's {@code filler} first, when another node filled it; {@code book} hears what came of it. */
  OriginAttempt(OriginPool pool, Optional<URI> filler, List<URI> origins, DirectoryBook book) {
    this(pool, filler, origins, Optional.empty(), book, null);
  }

  private OriginAttempt(OriginPool pool, Optional<URI> shield, List<URI> origins, Optional<String> claim, DirectoryBook book, String url) {
    this.pool = pool;
    this.claim = claim;
    this.book = book;
    this.url = url;
    this.viaShield = shield.isPresent();
    List<URI> all = new ArrayList<>();
    shield.ifPresent(all::add);
    all.addAll(origins);
    this.order = all;
  }

  /**
   * How long the answer of the one asked now may be silent, ms: {@code fetch}'s read timeout for an
   * origin; for another node (a shield, directory or filler), which may wait on the origin itself,
   * twice that plus the connect timeout, so that it answers the origin's failure first.
   */
  long idleMillis(FetchConfig fetch) {
    return atShield() ? 2 * fetch.readTimeout().toMillis() + fetch.connectTimeout().toMillis() : fetch.readTimeout().toMillis();
  }

  /** Whether this request goes to its region's shield first. */
  boolean viaShield() {
    return viaShield;
  }

  /**
   * Whether the one asked now is the shield: the region's, the URL's directory, or the filler a
   * directory node named (each is sent {@link #SHIELDED_HEADER} and this node's proof).
   */
  boolean atShield() {
    return viaShield && (index == 0 || toFiller && index == 1);
  }

  /**
   * Whether an answer of the directory asked now, with {@code answerHeader} (its {@link
   * DirectoryBook#ANSWER_HEADER}, or null), comes from a node of the cluster: only then is it
   * used; true when the one asked now is not a directory.
   */
  boolean answeredByCluster(String answerHeader) {
    return !atDirectory() || book.answers(claim.get(), answerHeader);
  }

  /** A fill of {@code url} by this attempt was not stored: the directory's book hears it (see {@link DirectoryBook#notStored}). */
  void notStored(String url) {
    if (book != null) {
      book.notStored(url);
    }
  }

  /** The claim to send with the request now: to a directory node, asked first. */
  Optional<String> claim() {
    return atDirectory() ? claim : Optional.empty();
  }

  /**
   * The directory asked now answered with whom to fill from instead of the response: {@code next}
   * (its {@link DirectoryBook#NEXT_HEADER}), proved by {@code answer}. When that verifies, moves to
   * the filler it names (asked next, then the origins) or to the origins, without counting the
   * directory as failed, and returns true; false (nothing changed) for an answer that does not.
   */
  boolean follow(String next, String answer) {
    if (!atDirectory() || !book.answersNaming(claim.get(), answer, next)) {
      return false;
    }
    if (!next.equals(DirectoryBook.NEXT_ORIGIN)) {
      URI filler;
      try {
        filler = URI.create(next);
      } catch (IllegalArgumentException e) {
        return false;
      }
      if (!filler.isAbsolute() || filler.getHost() == null) {
        return false;
      }
      order.add(1, filler);
      toFiller = true;
    }
    index++;
    return true;
  }

  /**
   * Whether the one asked now is the URL's directory node ({@code shield=directory}), which may
   * answer from the origin without storing: what it answers is this node's to tell the cluster.
   */
  boolean atDirectory() {
    return viaShield && index == 0 && claim.isPresent();
  }

  /** The origin asked now. */
  URI current() {
    return order.get(index);
  }

  /** Whether another origin is left to try. */
  boolean hasNext() {
    return index + 1 < order.size();
  }

  /** Counts the current origin as failed and moves to the next. */
  void failedOver() {
    if (atDirectory()) {
      book.countFailedOver();
      book.wentPast(url);
    }
    pool.failed(current());
    index++;
  }

  /**
   * The node asked now answered with a copy older than a purge here: moves to the next without
   * counting that node as failed (it works; it has not had the purge yet).
   */
  void refused() {
    if (atDirectory()) {
      book.wentPast(url);
    }
    index++;
  }

  /** The request to the current origin is being sent. */
  void sending() {
    if (atDirectory()) {
      book.countAsked();
    }
    sentNanos = System.nanoTime();
  }

  /** The current origin answered below 500; how long it took to its response headers, ms. */
  long answered() {
    long millis = (System.nanoTime() - sentNanos) / 1_000_000;
    pool.answered(current(), millis);
    return millis;
  }

  /** The current origin failed and no other is tried; how long since the request was sent, ms. */
  long failed() {
    pool.failed(current());
    return (System.nanoTime() - sentNanos) / 1_000_000;
  }

  /** How many origins were asked before the current one. */
  int failovers() {
    return index;
  }
}
