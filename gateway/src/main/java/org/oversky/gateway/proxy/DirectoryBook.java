package org.oversky.gateway.proxy;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.oversky.gateway.crypto.HmacSha256;

/**
 * The directory of a site with {@code shield=directory}: which node filled each URL first, as
 * the URL's directory node keeps it, and the claims by which nodes of the cluster say they fill a
 * URL.
 *
 * <p>A node that misses a URL whose directory is another node asks that node, with a claim: its
 * own base URL and the time under an HMAC-SHA256 with a key derived from the cluster's secret (the
 * claim names a node of the cluster, not a URL: the directory sees the URL as its own request
 * path and scheme give it, which need not be the asker's bytes). The directory serves the URL when
 * it has it stored; otherwise the first node whose claim it takes is the URL's filler, and the
 * misses of the others are sent to it ({@link #fillerFor}). A claim that does not verify is
 * refused: only the cluster's nodes are named as fillers, so no one else can send the cluster's
 * misses to a server of theirs. The directory's answer carries {@link #ANSWER_HEADER}, an HMAC of
 * the claim it answers, and the asker stores it only then: a node outside the cluster that the
 * asker took for the URL's directory (the view holds every node the DHT knows) cannot fill its
 * cache.
 */
public final class DirectoryBook {
  /** The request header a claim travels in. */
  public static final String CLAIM_HEADER = "Oversky-Claim";
  /**
   * The request header by which a node of the cluster says so to another (a shield's, a
   * directory's or a filler's fill): a claim's value. A request that carries one that verifies is
   * answered with the fields meant for the cluster's nodes alone ({@code Oversky-Cache-Control}),
   * so that the node that stores the answer keeps the origin's directives for the CDN.
   */
  public static final String NODE_HEADER = "Oversky-Node";
  /** The response header by which a directory proves it holds the cluster's key: {@code mac=HEX} over the claim. */
  public static final String ANSWER_HEADER = "Oversky-Directory";
  /**
   * The response header by which a directory names whom the asker fills from, in a {@code 204}
   * instead of the response: the filler's site base URL, or {@link #NEXT_ORIGIN} (the asker is
   * now the URL's filler). Its {@link #ANSWER_HEADER} is then an HMAC of the claim and this value.
   */
  public static final String NEXT_HEADER = "Oversky-Directory-Next";
  /** The {@link #NEXT_HEADER} value that sends the asker to the origin. */
  public static final String NEXT_ORIGIN = "origin";
  /** How far a claim's time may be from the directory's clock. */
  static final Duration CLAIM_SKEW = Duration.ofMinutes(5);
  /**
   * Most URLs remembered, the least used going first. No entry expires by age: a filler's copy may
   * live for days, and with the origin down a URL whose entry had gone is filled from nowhere (the
   * directory keeps no URL records); a filler that no longer has the copy fills it again.
   */
  static final int MAX_ENTRIES = 200_000;

  private final HmacSha256.Key key;
  private final URI self;
  private final InstantSource clock;
  /**
   * The URLs this node knows a filler of: as their directory (at this node), as their filler (at
   * the directory it had then, or {@link #NOBODY}), or as their directory once (at the node it
   * handed the entry on to).
   */
  private final Cache<String, Entry> entries = Caffeine.newBuilder().maximumSize(MAX_ENTRIES).executor(Runnable::run).build();
  /** URLs whose last fill here through the directory was not stored: their misses go to the origin for a while (this node's clock). */
  private final Cache<String, Boolean> notStored;
  /**
   * URLs whose last miss here went past their directory node (it failed or refused, or a purge
   * sent the miss to the origin): the directory does not know this node fills them, so a fill of
   * them stored here is handed to it ({@link #filledHere}).
   */
  private final Cache<String, Boolean> filledPast;
  /** How long a miss that went past its directory waits for its fill to be stored (a slow body's too). */
  static final Duration FILLED_PAST_FOR = Duration.ofMinutes(10);
  /** Whether an entry is due to be handed on though the view did not change ({@link #handOnDue}). */
  private final java.util.concurrent.atomic.AtomicBoolean due = new java.util.concurrent.atomic.AtomicBoolean();
  /** How long a URL whose fill was not stored (no-store, private, an error) skips the directory. */
  static final Duration NOT_STORED_FOR = Duration.ofMinutes(5);
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong sentOn = new AtomicLong();
  private final AtomicLong pointed = new AtomicLong();
  private final AtomicLong named = new AtomicLong();
  private final AtomicLong handedOut = new AtomicLong();
  private final AtomicLong asked = new AtomicLong();
  private final AtomicLong handOverFailures = new AtomicLong();
  private final AtomicLong failedOver = new AtomicLong();
  private final AtomicLong handedIn = new AtomicLong();
  private final AtomicLong tooLong = new AtomicLong();
  private final AtomicLong wentPastCount = new AtomicLong();
  private final AtomicLong purgedCopiesRefused = new AtomicLong();

  /** Where an entry's directory is when there was none: the URL was filled while this node knew no other. */
  static final URI NOBODY = URI.create("oversky:nobody");

  /**
   * The key a URL is known by in the book and placed by ({@code HttpRouting.directoryFor}): its
   * host, path and query without the scheme, with the characters a URI may not hold
   * percent-encoded. Each node keys a request by what reached it: a client's {@code https} and raw
   * {@code a|b} at the asking node, the cluster's {@code http} and {@code a%7Cb} at the directory;
   * keyed as they came, the directory's entries and the asker's fills never met. The same key
   * whatever form it is given in ({@code keyOf(keyOf(u)) == keyOf(u)}).
   */
  public static String keyOf(String url) {
    String rest = url.startsWith("https://") ? url.substring(8) : url.startsWith("http://") ? url.substring(7) : url;
    return RequestTargets.forUri(rest);
  }

  /** A URL's entry: the node that filled it first, as far as this node knows, and the directory node that has the entry ({@link #NOBODY}: none yet). */
  record Entry(URI filler, URI at, int sentOn) {
    Entry(URI filler, URI at) {
      this(filler, at, 0);
    }
  }

  /**
   * From which miss sent on to a URL's filler the directory fills a claim itself and keeps the
   * copy ({@link #keepsCopy}): the second, so that a URL only two nodes want is stored on those
   * two, and one more wants it often enough to be worth a third copy here.
   */
  static final int KEEP_FROM = 2;

  /** One entry handed to a URL's new directory node. */
  public record HandedOn(String url, URI filler) {
    /** What it takes of a hand-over message, in bytes (UTF-8, with the JSON around it). */
    int bytes() {
      return url.getBytes(StandardCharsets.UTF_8).length + filler.toString().length() + 32;
    }
  }

  /** A book for a cluster with {@code secret} (empty: no claim verifies, none is made). */
  public DirectoryBook(String secret, URI self, InstantSource clock) {
    this.key = secret.isEmpty() ? null : new HmacSha256.Key(HmacSha256.of(secret.getBytes(StandardCharsets.UTF_8), "oversky-directory-claim".getBytes(StandardCharsets.US_ASCII)));
    this.self = self;
    this.clock = clock;
    this.notStored = Caffeine.newBuilder().maximumSize(MAX_ENTRIES).expireAfterWrite(NOT_STORED_FOR)
        .ticker(() -> clock.millis() * 1_000_000L).executor(Runnable::run).build();
    this.filledPast = Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(FILLED_PAST_FOR)
        .ticker(() -> clock.millis() * 1_000_000L).executor(Runnable::run).build();
  }

  /** Whether this node can make claims (the cluster has a secret). */
  public boolean enabled() {
    return key != null;
  }

  /**
   * This node's claim for the node whose site path is {@code to} (its URL up to the site's host,
   * as asked): {@code by=URL; to=TARGET; t=MILLIS; mac=HEX}. Bound to its target, a claim or proof
   * that a node outside the cluster receives (the view holds every node the DHT knows, so one may
   * be taken for a shield or a directory) is good nowhere else.
   */
  String claim(String to) {
    long t = clock.millis();
    return "by=" + self + "; to=" + to + "; t=" + t + "; mac=" + HexFormat.of().formatHex(mac(self.toString(), to, t));
  }

  /** This node's {@link #NODE_HEADER} value for the node whose site path is {@code to}; null without a cluster secret. */
  String nodeProof(String to) {
    return key == null ? null : claim(to);
  }

  /**
   * Whether {@code proof} (a {@link #NODE_HEADER} value, or null) verifies and was made for this
   * node ({@code here}: its site path as others ask it): the request comes from a node of the cluster.
   */
  boolean provesNode(String proof, String here) {
    return proof != null && parse(proof, here).isPresent();
  }

  /** The node a claim names, when it verifies, is recent and was made for this node ({@code here}); empty otherwise (counted). */
  Optional<URI> verify(String claim, String here) {
    Optional<URI> by = parse(claim, here);
    if (by.isEmpty()) {
      refused.incrementAndGet();
    }
    return by;
  }

  /** The {@link #ANSWER_HEADER} value of this directory's answer to {@code claim} (one that verified). */
  String answer(String claim) {
    return "mac=" + HexFormat.of().formatHex(answerMac(claim));
  }

  /** Whether {@code answer} (an {@link #ANSWER_HEADER} value, or null) answers {@code claim}: from a node that holds the cluster's key. */
  boolean answers(String claim, String answer) {
    if (key == null || answer == null || !answer.startsWith("mac=") || answer.length() != 4 + 64) {
      return false;
    }
    try {
      return MessageDigest.isEqual(answerMac(claim), HexFormat.of().parseHex(answer.substring(4)));
    } catch (IllegalArgumentException e) {
      return false; // not hex: not an answer
    }
  }

  private byte[] answerMac(String claim) {
    return key.of(("oversky-directory-answer\n" + claim).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The {@link #ANSWER_HEADER} value of this directory's answer to {@code claim} that names {@code
   * next} (a {@link #NEXT_HEADER} value) instead of carrying the response.
   */
  String answerNaming(String claim, String next) {
    pointed.incrementAndGet();
    return answer(claim + "\n" + next);
  }

  /** Whether {@code answer} answers {@code claim} by naming {@code next}: from a node that holds the cluster's key. */
  boolean answersNaming(String claim, String answer, String next) {
    return answers(claim + "\n" + next, answer);
  }

  private Optional<URI> parse(String claim, String here) {
    if (key == null || claim == null) {
      return Optional.empty();
    }
    String by = null;
    String to = null;
    String t = null;
    String mac = null;
    for (String part : claim.split(";")) {
      String p = part.trim();
      if (p.startsWith("by=")) {
        by = p.substring(3);
      } else if (p.startsWith("to=")) {
        to = p.substring(3);
      } else if (p.startsWith("t=")) {
        t = p.substring(2);
      } else if (p.startsWith("mac=")) {
        mac = p.substring(4);
      }
    }
    if (by == null || to == null || !to.equals(here) || t == null || mac == null || mac.length() != 64) {
      return Optional.empty();
    }
    try {
      long time = Long.parseLong(t);
      if (Math.abs(clock.millis() - time) > CLAIM_SKEW.toMillis()) {
        return Optional.empty();
      }
      if (!MessageDigest.isEqual(mac(by, to, time), HexFormat.of().parseHex(mac))) {
        return Optional.empty();
      }
      URI node = URI.create(by);
      return node.isAbsolute() && node.getHost() != null ? Optional.of(node) : Optional.empty();
    } catch (IllegalArgumentException e) {
      return Optional.empty(); // not a number, not hex, not a URI: not a claim
    }
  }

  private byte[] mac(String by, String to, long t) {
    return key.of(("oversky-claim\n" + by + "\n" + to + "\n" + t).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The node that filled {@code url} for the cluster, when it is not {@code claimant} and is
   * still {@code placeable}: the claimant's miss goes there (when that is this directory, the
   * caller serves it here: from its fill under way, or a new one). Otherwise the claimant becomes
   * the URL's filler (it goes to the origin) and the answer is empty.
   */
  Optional<URI> fillerFor(String url, URI claimant, Predicate<URI> placeable) {
    URI[] before = new URI[1];
    entries.asMap().compute(keyOf(url), (u, known) -> {
      if (known != null && !known.filler().equals(claimant) && (known.filler().equals(self) || placeable.test(known.filler()))) {
        before[0] = known.filler();
        return new Entry(known.filler(), self, known.sentOn() + 1);
      }
      return new Entry(claimant, self);
    });
    if (before[0] != null) {
      sentOn.incrementAndGet();
      return Optional.of(before[0]);
    }
    named.incrementAndGet();
    return Optional.empty();
  }

  /**
   * Whether this directory fills a claim of {@code url} from its filler itself, keeping the copy:
   * when it has sent the URL's misses on to the filler {@link #KEEP_FROM} times or more (this one
   * included). Otherwise it names the filler, and the claimant fills from it.
   */
  boolean keepsCopy(String url) {
    Entry e = entries.getIfPresent(keyOf(url));
    return e != null && e.sentOn() >= KEEP_FROM;
  }

  /** This node as its own URL's claimant: {@link #fillerFor} with itself. */
  Optional<URI> fillerForSelf(String url, Predicate<URI> placeable) {
    return fillerFor(url, self, placeable);
  }

  /**
   * This node stored a response of {@code url}, a URL whose directory node is {@code directory}
   * (empty: it knows no other node): unless it knows a filler already, it is the URL's filler, and
   * it hands that on when the URL's directory node changes (see {@link #handOn}), or, when its miss
   * went past the directory ({@link #wentPast}), at the next pass ({@link #handOnDue}).
   */
  void filledHere(String url, Optional<URI> directory) {
    String key = keyOf(url);
    boolean past = filledPast.asMap().remove(key) != null;
    // a miss that went past the directory: the entry is the directory's news, due to be handed on
    if (entries.asMap().putIfAbsent(key, new Entry(self, past ? NOBODY : directory.orElse(NOBODY))) == null && past && directory.isPresent()) {
      due.set(true);
    }
  }

  /**
   * This node's miss of {@code url}, whose directory is another node, went to the origin past it:
   * it failed or refused the claim, or a purge here in the last minute sent the miss past it.
   */
  void wentPast(String url) {
    wentPastCount.incrementAndGet();
    if (url != null) {
      filledPast.put(keyOf(url), Boolean.TRUE);
    }
  }

  /**
   * Whether an entry is due at its directory though the view has not changed: a URL this node
   * filled past its directory ({@link #wentPast}). The next {@link #handOn} takes it.
   */
  boolean handOnDue() {
    return due.get();
  }

  /**
   * The entries whose directory node is another one now: for each URL whose directory {@code
   * directoryFor} names differs from the node that has its entry, the URL and its filler, by the
   * new directory node (an entry whose new directory is this node is kept here). Each entry is
   * handed on once per change: run when the view changes, so that a node that filled URLs alone,
   * or under another directory, tells the new one, and its misses elsewhere come to it. An entry
   * too long for a hand-over message is left out and counted ({@link #tooLongToHandOn}).
   */
  public java.util.Map<URI, java.util.List<HandedOn>> handOn(java.util.function.Function<String, Optional<URI>> directoryFor) {
    due.set(false); // what is marked from here on is due at the next pass
    java.util.Map<URI, java.util.List<HandedOn>> out = new java.util.HashMap<>();
    for (var e : entries.asMap().entrySet()) {
      Optional<URI> at = directoryFor.apply(e.getKey());
      Entry entry = e.getValue();
      if (at.isEmpty() || at.get().equals(entry.at())) {
        continue;
      }
      if (!entries.asMap().replace(e.getKey(), entry, new Entry(entry.filler(), at.get())) || at.get().equals(self)) {
        continue; // changed meanwhile (a claim, a fill): that writer's entry stands; or kept here
      }
      HandedOn on = new HandedOn(e.getKey(), entry.filler());
      if (on.bytes() > DirectoryHandOver.MAX_MESSAGE_BYTES) {
        tooLong.incrementAndGet(); // marked at the new node all the same: not tried at every pass
        continue;
      }
      out.computeIfAbsent(at.get(), n -> new java.util.ArrayList<>()).add(on);
      handedOut.incrementAndGet();
    }
    return out;
  }

  /**
   * {@code node} restarted (its book, in memory, is empty): every entry marked at it is due again
   * ({@link #NOBODY}), to be handed on by the next {@link #handOn}. Returns how many.
   */
  int reopenAt(URI node) {
    int n = 0;
    for (var e : entries.asMap().entrySet()) {
      Entry entry = e.getValue();
      if (entry.at().equals(node) && entries.asMap().replace(e.getKey(), entry, new Entry(entry.filler(), NOBODY))) {
        n++;
      }
    }
    return n;
  }

  /**
   * A hand-over of {@code batch} to {@code node} was not taken (the node down, starting, or
   * refusing): those of its entries still marked at that node are due again ({@link #NOBODY}), to
   * be handed on by the next {@link #handOn}.
   */
  void handOverFailed(java.util.List<HandedOn> batch, URI node) {
    for (HandedOn e : batch) {
      entries.asMap().computeIfPresent(e.url(), (u, known) -> known.at().equals(node) ? new Entry(known.filler(), NOBODY) : known);
    }
    handOverFailures.addAndGet(batch.size());
  }

  /**
   * An entry another node handed here: this node is the URL's directory now. A filler known here
   * and still {@code placeable} stays; otherwise {@code filler} is the URL's.
   */
  void takeHandedOn(String url, URI filler, Predicate<URI> placeable) {
    entries.asMap().compute(keyOf(url), (u, known) ->
        known != null && (known.filler().equals(self) || placeable.test(known.filler())) ? new Entry(known.filler(), self) : new Entry(filler, self));
    handedIn.incrementAndGet();
  }

  /**
   * A fill of {@code url} here through the directory (or, on the directory, through the URL's
   * filler) got a response this node did not store: the next misses of the URL here go to the
   * origin for {@link #NOT_STORED_FOR}, instead of three hops to it through the directory and the
   * filler, which store nothing either.
   */
  void notStored(String url) {
    notStored.put(keyOf(url), Boolean.TRUE);
  }

  /** Whether the misses of {@code url} here go past the directory (see {@link #notStored}). */
  boolean passesBy(String url) {
    return notStored.getIfPresent(keyOf(url)) != null;
  }

  /** Claims refused (not verified, or too old). */
  public long refused() {
    return refused.get();
  }

  /** Misses sent to the node that filled the URL first. */
  public long sentOn() {
    return sentOn.get();
  }

  /** Answers of this directory that named whom to fill from ({@link #NEXT_HEADER}) instead of carrying the response. */
  public long pointed() {
    return pointed.get();
  }

  /**
   * Misses here of URLs whose directory is another node that went to the origin past it: those
   * the directory failed ({@link #failedOver}), and those a purge in the last minute sent there.
   */
  public long wentPast() {
    return wentPastCount.get();
  }

  /** A miss here was sent to its URL's directory node, with a claim. */
  void countAsked() {
    asked.incrementAndGet();
  }

  /** A URL's directory node failed a miss sent there (down, 5xx, refused, or no proof of the cluster's key): it went on to the origin. */
  void countFailedOver() {
    failedOver.incrementAndGet();
  }

  /** Another node's copy older than a purge here was refused, and the miss went on to the origin. */
  void countPurgedCopyRefused() {
    purgedCopiesRefused.incrementAndGet();
  }

  /** Copies from other nodes refused as older than a purge here (see {@link #countPurgedCopyRefused}). */
  public long purgedCopiesRefused() {
    return purgedCopiesRefused.get();
  }

  /** Misses this node sent to their URL's directory node. */
  public long asked() {
    return asked.get();
  }

  /** Of {@link #asked}, those the directory failed, which went on to the origin. */
  public long failedOver() {
    return failedOver.get();
  }

  /** Entries this node handed to another directory node. */
  public long handedOut() {
    return handedOut.get();
  }

  /**
   * Entries not handed on because their URL does not fit in a hand-over message (about 48 KiB):
   * the new directory's next claimant of such a URL fills it from the origin once more.
   */
  public long tooLongToHandOn() {
    return tooLong.get();
  }

  /** Entries handed on that the receiving node did not take (they are handed on again). */
  public long handOverFailures() {
    return handOverFailures.get();
  }

  /** Entries other nodes handed here. */
  public long handedIn() {
    return handedIn.get();
  }

  /** URLs whose filler this directory named (the claimant went to the origin). */
  public long named() {
    return named.get();
  }
}
