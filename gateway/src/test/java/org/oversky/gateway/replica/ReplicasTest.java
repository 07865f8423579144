package org.oversky.gateway.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oversky.cache.BodyWriter;
import org.oversky.cache.ContentStore;
import org.oversky.cache.StoredBody;
import org.oversky.cache.StoredResponse;
import org.oversky.conf.ReplicaSettings;
import org.oversky.conf.RoutingSettings;
import org.oversky.conf.StoreConfig;
import org.oversky.gateway.metrics.Failures;
import org.oversky.gateway.routing.ClusterMonitor;
import org.oversky.gateway.routing.LoadMeter;
import org.oversky.gateway.routing.NodeRouting;
import org.oversky.routing.placement.Placement;

/**
 * The replica round's pace (injected clock): a node whose bodies need no copies looks at each key
 * once a round, and a round starts again only when the placeable nodes change or after {@link
 * Replicas#RECHECK_MILLIS}, not at every tick (a node caching a site read its index file for every
 * body it held every two seconds: 11 % of its CPU during a crawl of 1,825 files after 24,000).
 */
class ReplicasTest {
  private static final int BODIES = 50;

  @TempDir Path dir;
  private final AtomicLong now = new AtomicLong(1_000_000);
  private final InstantSource clock = () -> Instant.ofEpochMilli(now.get());
  private final URI self = URI.create("http://10.0.0.1:8080");
  private final Failures failures = new Failures(new SimpleMeterRegistry(), clock, 10_000);
  private final ClusterMonitor monitor = new ClusterMonitor(self, NodeRouting.load(new RoutingSettings("eu", Optional.empty())),
      new LoadMeter(10, 20, Path.of("."), clock, failures), List::of, clock, failures);
  private ContentStore store;

  @BeforeEach
  void open() throws Exception {
    store = ContentStore.open(dir, new StoreConfig(1 << 20, 8 << 10, 1 << 10, 64L << 20));
    for (int i = 0; i < BODIES; i++) {
      BodyWriter w = store.newWriter("text/plain", 1 << 20);
      w.write(("body " + i).getBytes(StandardCharsets.UTF_8));
      StoredBody body = w.commit(Optional.empty());
      store.responses().put(new StoredResponse("http://site.test/" + i, "", 200, List.of(), body.key(), 1L, 2L));
    }
  }

  @AfterEach
  void close() {
    store.close();
  }

  private long examined(Replicas replicas) {
    return ((Number) replicas.status().get("keysExamined")).longValue();
  }

  @Test
  void aRoundLooksAtEveryKeyOnceAndStartsAgainOnlyWhenTheNodesChangeOrTheRecheckIsDue() {
    Replicas replicas = new Replicas(ReplicaSettings.DEFAULT, self, store, monitor, null, failures, clock, url -> 0);

    replicas.tick();
    assertEquals(BODIES, examined(replicas), "the first round looks at every key held");
    for (int i = 0; i < 5; i++) {
      now.addAndGet(Replicas.TICK_MILLIS);
      replicas.tick();
    }
    assertEquals(BODIES, examined(replicas), "with the nodes unchanged, the next ticks look at nothing");

    now.addAndGet(Replicas.RECHECK_MILLIS);
    replicas.tick();
    assertEquals(2 * BODIES, examined(replicas), "the recheck is due: a new round");

    monitor.drain(true);
    now.addAndGet(Replicas.TICK_MILLIS);
    replicas.tick();
    assertEquals(3 * BODIES, examined(replicas), "a change of the placeable nodes starts a round at once");
    now.addAndGet(Replicas.TICK_MILLIS);
    replicas.tick();
    assertEquals(3 * BODIES, examined(replicas));
  }

  @Test
  void aRoundIsDueFirstOnAChangeOfNodesAndAfterTheRecheckTime() {
    Set<Placement.Node> a = Set.of(new Placement.Node(self, "eu"));
    Set<Placement.Node> b = Set.of(new Placement.Node(self, "eu"), new Placement.Node(URI.create("http://10.0.0.2:8080"), "us"));
    assertTrue(Replicas.roundDue(null, 0, a, 5));
    assertFalse(Replicas.roundDue(a, 5, Set.copyOf(a), 5 + Replicas.RECHECK_MILLIS - 1));
    assertTrue(Replicas.roundDue(a, 5, a, 5 + Replicas.RECHECK_MILLIS));
    assertTrue(Replicas.roundDue(a, 5, b, 6));
  }
}
