package org.oversky.gateway.purge;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.oversky.gateway.cluster.ClusterMessages;
import org.oversky.gateway.metrics.Failures;
import org.oversky.gateway.routing.ClusterMonitor;

/**
 * A purge taken by one node and carried to every node of the cluster. The node that takes it
 * purges its own copies, then sends the purge to every other node it knows as a {@link
 * ClusterMessages} of kind {@code purge} ({@code POST /api/v1/cluster/purge}, signed under the
 * cluster secret), and waits up to {@link ClusterMessages#WAIT} for their answers, so that the
 * caller learns which nodes have purged. Without a cluster secret a purge stays on the node that
 * took it.
 */
public final class ClusterPurge extends ContainerLifeCycle {
  /** The header carrying the signature, lowercase hex. */
  public static final String MAC_HEADER = ClusterMessages.MAC_HEADER;

  /** What a purge did. */
  public record Result(org.oversky.gateway.proxy.SiteHandler.PurgeScope scope, String value, int removedHere, List<String> confirmed, List<String> unconfirmed) {}

  /** The purge on this node itself: how many variants it removed, or -1 when the value names nothing. */
  @FunctionalInterface
  public interface LocalPurge {
    int purge(org.oversky.gateway.proxy.SiteHandler.PurgeScope scope, String value, boolean soft);
  }

  private final ClusterMessages messages;
  private final LocalPurge localPurge;

  /**
   * @param secret the cluster secret; empty: purges stay on this node
   * @param localPurge purges what a scope and value name on this node; how many variants there were, or -1 for a bad value
   */
  public ClusterPurge(String secret, URI self, ClusterMonitor monitor,
      LocalPurge localPurge, Failures failures, InstantSource clock) {
    this.messages = new ClusterMessages("purge", secret, self, monitor, failures, clock);
    this.localPurge = localPurge;
    addBean(messages);
  }

  /**
   * Purges what {@code scope} and {@code value} name here and on every other node known
   * ({@code soft}: marks it stale instead of removing it); empty for a value that names nothing.
   */
  public Optional<CompletableFuture<Result>> purge(org.oversky.gateway.proxy.SiteHandler.PurgeScope scope, String value, boolean soft) {
    int removed = localPurge.purge(scope, value, soft);
    if (removed < 0) {
      return Optional.empty();
    }
    Map<String, Object> message = new LinkedHashMap<>();
    message.put("scope", scope.name().toLowerCase(java.util.Locale.ROOT));
    message.put("value", value);
    message.put("soft", soft);
    Map<URI, CompletableFuture<Boolean>> answers = messages.send(message, "the purge of " + scope + " " + value + "; its copy expires on its own");
    return Optional.of(CompletableFuture.allOf(answers.values().toArray(CompletableFuture[]::new)).thenApply(v -> {
      List<String> confirmed = new ArrayList<>();
      List<String> unconfirmed = new ArrayList<>();
      answers.forEach((node, f) -> (f.join() ? confirmed : unconfirmed).add(node.toString()));
      return new Result(scope, value, removed, confirmed, unconfirmed);
    }));
  }

  /** Takes a purge another node sent: {@code body} as it came, {@code macHex} its signature header. */
  public ClusterMessages.Verdict receive(byte[] body, String macHex) {
    ClusterMessages.Received r = messages.receive(body, macHex);
    if (r.verdict() != ClusterMessages.Verdict.TAKEN) {
      return r.verdict();
    }
    JsonNode m = r.message().orElseThrow();
    if (!m.path("scope").isTextual() || !m.path("value").isTextual()) {
      return ClusterMessages.Verdict.MALFORMED;
    }
    org.oversky.gateway.proxy.SiteHandler.PurgeScope scope;
    try {
      scope = org.oversky.gateway.proxy.SiteHandler.PurgeScope.valueOf(m.get("scope").asText().toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      return ClusterMessages.Verdict.MALFORMED;
    }
    return localPurge.purge(scope, m.get("value").asText(), m.path("soft").asBoolean(false)) < 0
        ? ClusterMessages.Verdict.MALFORMED : ClusterMessages.Verdict.TAKEN;
  }

  /** Counters for the status page. */
  public Map<String, Object> status() {
    return messages.status();
  }
}
