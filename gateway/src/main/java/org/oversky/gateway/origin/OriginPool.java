package org.oversky.gateway.origin;

import java.net.URI;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.oversky.conf.SiteConfig;

/**
 * The origins of one site as this node sees them: which to ask first for a request, and which are
 * ejected for failing. An origin that fails {@link #EJECT_AFTER} times in a row (a 5xx, a refused
 * connection, a timeout) is ejected for {@link #EJECTION_MILLIS} times the number of times it has
 * been ejected, as Envoy's passive outlier detection does; at most a tenth of a site's origins
 * (at least one) are ejected at once, so that a bad spell everywhere does not empty the pool. An
 * ejected origin is still tried, last. Thread-safe: the requests of the site report to it.
 */
public final class OriginPool {
  /** Failures in a row that eject an origin. */
  public static final int EJECT_AFTER = 5;
  /** The first ejection's length; the n-th lasts n times as long. */
  public static final long EJECTION_MILLIS = 30_000;
  /** The largest share of a site's origins ejected at once (at least one). */
  public static final double MAX_EJECTED_SHARE = 0.10;

  private final String site;
  private final List<SiteConfig.Origin> origins;
  private final InstantSource clock;
  private final State[] states;

  private static final class State {
    int failuresInARow;
    int ejections;
    long ejectedUntil;
    long requests;
    long failures;
    double latencyMillis = -1;
  }

  /**
   * One origin as the status page and {@code /metrics} show it.
   *
   * @param url its base URL
   * @param priority its priority (1 first)
   * @param weight its weight within the priority
   * @param ejected whether it is ejected now
   * @param ejectedUntilMillis when its ejection ends (epoch ms), or 0
   * @param ejections how many times it has been ejected
   * @param failuresInARow its failures since its last success
   * @param requests answers and failures counted
   * @param failures failures counted
   * @param latencyMillis a moving average of its time to response headers, or -1 before the first
   */
  public record Status(URI url, int priority, int weight, boolean ejected, long ejectedUntilMillis, int ejections,
      int failuresInARow, long requests, long failures, double latencyMillis) {}

  public OriginPool(SiteConfig site, InstantSource clock) {
    this.site = site.host();
    this.origins = site.origins();
    this.clock = Objects.requireNonNull(clock, "clock");
    this.states = new State[origins.size()];
    for (int i = 0; i < states.length; i++) {
      states[i] = new State();
    }
  }

  /** The site's host. */
  public String site() {
    return site;
  }

  /**
   * The origins to try for one request, in order: by priority; within a priority the ones not
   * ejected, the first of them drawn by weight with {@code draw} (0 to 1), the rest by weight;
   * every ejected origin last.
   */
  public synchronized List<URI> order(double draw) {
    long now = clock.millis();
    List<Integer> live = new ArrayList<>();
    List<Integer> ejected = new ArrayList<>();
    for (int i = 0; i < origins.size(); i++) {
      (states[i].ejectedUntil > now ? ejected : live).add(i);
    }
    List<URI> out = new ArrayList<>();
    int from = 0;
    while (from < live.size()) {
      int priority = origins.get(live.get(from)).priority();
      int to = from;
      while (to < live.size() && origins.get(live.get(to)).priority() == priority) {
        to++;
      }
      List<Integer> level = new ArrayList<>(live.subList(from, to));
      level.sort(Comparator.comparingInt((Integer i) -> origins.get(i).weight()).reversed());
      int total = level.stream().mapToInt(i -> origins.get(i).weight()).sum();
      double point = Math.max(0, Math.min(0.999999, draw)) * total;
      int first = 0;
      for (int k = 0, acc = 0; k < level.size(); k++) {
        acc += origins.get(level.get(k)).weight();
        if (point < acc) {
          first = k;
          break;
        }
      }
      out.add(origins.get(level.get(first)).url());
      for (int k = 0; k < level.size(); k++) {
        if (k != first) {
          out.add(origins.get(level.get(k)).url());
        }
      }
      from = to;
    }
    ejected.forEach(i -> out.add(origins.get(i).url()));
    return out;
  }

  /** {@code origin} answered (with a status below 500) after {@code millis}. */
  public synchronized void answered(URI origin, long millis) {
    State s = state(origin);
    if (s == null) {
      return;
    }
    s.requests++;
    s.failuresInARow = 0;
    s.latencyMillis = s.latencyMillis < 0 ? millis : s.latencyMillis + 0.2 * (millis - s.latencyMillis);
  }

  /** {@code origin} failed: a 5xx, a refused connection, a timeout. Returns true when this ejected it. */
  public synchronized boolean failed(URI origin) {
    State s = state(origin);
    if (s == null) {
      return false;
    }
    s.requests++;
    s.failures++;
    s.failuresInARow++;
    long now = clock.millis();
    if (s.failuresInARow < EJECT_AFTER || s.ejectedUntil > now || ejectedNow(now) >= maxEjected()) {
      return false;
    }
    s.ejections++;
    s.ejectedUntil = now + EJECTION_MILLIS * s.ejections;
    s.failuresInARow = 0;
    return true;
  }

  /** How many origins may be ejected at once: a tenth, at least one. */
  int maxEjected() {
    return Math.max(1, (int) Math.floor(origins.size() * MAX_EJECTED_SHARE));
  }

  private int ejectedNow(long now) {
    int n = 0;
    for (State s : states) {
      n += s.ejectedUntil > now ? 1 : 0;
    }
    return n;
  }

  /** Every origin's figures. */
  public synchronized List<Status> status() {
    long now = clock.millis();
    List<Status> out = new ArrayList<>();
    for (int i = 0; i < origins.size(); i++) {
      State s = states[i];
      SiteConfig.Origin o = origins.get(i);
      out.add(new Status(o.url(), o.priority(), o.weight(), s.ejectedUntil > now, s.ejectedUntil > now ? s.ejectedUntil : 0,
          s.ejections, s.failuresInARow, s.requests, s.failures, s.latencyMillis));
    }
    return out;
  }

  private State state(URI origin) {
    for (int i = 0; i < origins.size(); i++) {
      if (origins.get(i).url().equals(origin)) {
        return states[i];
      }
    }
    return null;
  }
}
