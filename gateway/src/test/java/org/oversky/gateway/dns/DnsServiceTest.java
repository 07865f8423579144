package org.oversky.gateway.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.URI;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.oversky.conf.DnsSettings;
import org.oversky.conf.HostPort;
import org.oversky.conf.RoutingSettings;
import org.oversky.conf.SiteConfig;
import org.oversky.gateway.metrics.Failures;
import org.oversky.gateway.routing.ClusterMonitor;
import org.oversky.gateway.routing.LoadMeter;
import org.oversky.gateway.routing.NodeRouting;

/** DNS answers reuse a decision for a quarter second; a change of the view shows after that (injected clock). */
class DnsServiceTest {
  private final AtomicLong now = new AtomicLong(1_000_000);
  private final InstantSource clock = () -> Instant.ofEpochMilli(now.get());
  private final URI self = URI.create("http://10.0.0.1:8080");
  private final Failures failures = new Failures(new SimpleMeterRegistry(), clock, 10_000);
  private final NodeRouting routing = NodeRouting.load(new RoutingSettings("eu", Optional.empty()));
  private final ClusterMonitor monitor = new ClusterMonitor(self, routing,
      new LoadMeter(10, 20, java.nio.file.Path.of("."), clock, failures), List::of, clock, failures);

  @Test
  void aDecisionIsReusedForAQuarterSecondAndThenMadeAgain() throws Exception {
    DnsService dns = new DnsService(new DnsSettings(Optional.of(new HostPort("127.0.0.1", 5353)), Optional.of("cdn.test"), 0),
        List.of(SiteConfig.parse("site.test=http://127.0.0.1:9")), routing, monitor, new SimpleMeterRegistry(), clock);
    InetAddress client = InetAddress.getByName("192.0.2.1");
    InetAddress me = InetAddress.getByName("10.0.0.1");
    assertEquals(List.of(me), dns.pick(client, "site.test").addresses());

    monitor.drain(true);
    now.addAndGet(DnsService.REUSE_MILLIS - 1);
    assertEquals(List.of(me), dns.pick(client, "site.test").addresses(), "within the quarter second, the decision is reused");
    now.addAndGet(1);
    assertEquals(List.of(), dns.pick(client, "site.test").addresses(), "then made again: the draining node is left out");
    assertTrue(dns.pick(InetAddress.getByName("192.0.2.2"), "site.test").addresses().isEmpty());
  }
}
