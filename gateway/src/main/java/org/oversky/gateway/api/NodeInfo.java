package org.oversky.gateway.api;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.oversky.cache.ContentStore;
import org.oversky.cache.StoreStats;
import org.oversky.conf.NodeConfig;
import org.oversky.gateway.node.NodeIdentity;
import org.oversky.gateway.node.Version;

/** The node's figures for {@code /api/v1/status} and the status page. */
public final class NodeInfo {
  private final NodeConfig config;
  private final NodeIdentity identity;
  private final ContentStore store;
  private final Map<String, java.util.function.Supplier<Map<String, Object>>> sections;
  private final Instant started = Instant.now();

  /** @param sections further parts of the status document by name, such as {@code dht} */
  public NodeInfo(
      NodeConfig config,
      NodeIdentity identity,
      ContentStore store,
      Map<String, java.util.function.Supplier<Map<String, Object>>> sections) {
    this.config = config;
    this.identity = identity;
    this.store = store;
    this.sections = new java.util.TreeMap<>(sections);
  }

  /** The node's id (64 hex). */
  public String nodeId() {
    return identity.nodeId();
  }

  /** The status document. */
  public Map<String, Object> status() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("nodeId", identity.nodeId());
    out.put("publicUrl", config.publicUrl().toString());
    out.put("version", Version.get());
    out.put("startedAt", started.toString());
    out.put("uptimeSeconds", Instant.now().getEpochSecond() - started.getEpochSecond());
    StoreStats s = store.stats();
    Map<String, Object> st = new LinkedHashMap<>();
    st.put("bodies", s.bodies());
    st.put("bytes", s.bytes());
    st.put("diskBudget", s.diskBudget());
    st.put("evictions", s.evictions());
    st.put("hotBytes", s.hotBytes());
    out.put("store", st);
    sections.forEach((name, section) -> out.put(name, section.get()));
    out.put("jvm", jvm());
    return out;
  }

  private static Map<String, Object> jvm() {
    Runtime rt = Runtime.getRuntime();
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("heapUsedBytes", rt.totalMemory() - rt.freeMemory());
    out.put("heapMaxBytes", rt.maxMemory());
    out.put("heapPeakBytes", peak);
    out.put("javaVersion", Runtime.version().toString());
    return out;
  }
}
