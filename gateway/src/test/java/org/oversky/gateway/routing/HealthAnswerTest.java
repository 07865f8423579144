package org.oversky.gateway.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.oversky.gateway.http.Json;
import org.oversky.routing.view.Load;
import org.oversky.routing.view.NodeState;

class HealthAnswerTest {
  private static Optional<HealthAnswer> parse(String json) throws Exception {
    return HealthAnswer.parse(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  @Test
  void whatANodeSaysIsReadBackAsItWasSaid() throws Exception {
    HealthAnswer said = new HealthAnswer("eu", true, new Load(3, 12.5, 4096, 0.25, 1 << 30, 10, 20),
        Map.of(URI.create("http://10.0.0.2:8080"), new HealthAnswer.Seen(NodeState.DOWN, "us", true, false)), Map.of("us", 80L),
        1_800_000_000_000L);
    byte[] written = said.toBytes("http://10.0.0.1:8080");
    assertEquals(said, HealthAnswer.parse(written).orElseThrow());
    // the wire form, as docs/api.md gives it
    Map<?, ?> json = Json.MAPPER.readValue(written, Map.class);
    assertEquals("http://10.0.0.1:8080", json.get("url"));
    assertEquals("draining", json.get("state"));
    assertEquals(Map.of("inFlight", 3, "requestsPerSecond", 12.5, "bytesOutPerSecond", 4096, "cpu", 0.25, "freeDiskBytes", 1 << 30,
        "softCapacity", 10, "hardCapacity", 20), json.get("load"));
    assertEquals(java.util.List.of(Map.of("url", "http://10.0.0.2:8080", "state", "down", "region", "us", "quorumDown", true, "draining", false)),
        json.get("view"));
  }

  @Test
  void anAnswerThatIsNotANodesCountsAsAMiss() throws Exception {
    assertEquals(Optional.empty(), parse("{}"), "no region");
    assertEquals(Optional.empty(), parse("[1, 2]"));
    assertEquals(Optional.empty(), parse("{\"region\": \"eu\", \"load\": {\"softCapacity\": 5, \"hardCapacity\": 5}}"), "capacities out of order");
    assertEquals(Optional.empty(), parse("{\"region\": \"eu\", \"view\": [{\"url\": \"http://a b\", \"state\": \"up\"}]}"), "a view entry that is no URL");
    HealthAnswer odd = parse("{\"region\": \"eu\", \"view\": [{\"url\": \"http://a\", \"state\": \"dead\"}], \"rttMillis\": {\"us\": \"fast\", \"ap\": -3}}").orElseThrow();
    assertEquals(Map.of(), odd.view(), "an unknown state is not read");
    assertEquals(Map.of(), odd.rttMillis(), "round trips that are not whole numbers of 0 or more are not read");
    assertEquals(Load.UNKNOWN, odd.load(), "no load figures: idle and unbounded");
    assertEquals(0, odd.started(), "no start time: unknown");
    assertEquals(0, parse("{\"region\": \"eu\", \"started\": \"yesterday\"}").orElseThrow().started(), "a start time that is no number: unknown");
    StringBuilder many = new StringBuilder("{\"region\": \"eu\", \"view\": [");
    for (int i = 0; i < HealthAnswer.MAX_ENTRIES + 50; i++) {
      many.append(i == 0 ? "" : ",").append("{\"url\": \"http://10.0.").append(i / 250).append('.').append(i % 250).append("\", \"state\": \"up\"}");
    }
    assertTrue(parse(many.append("]}").toString()).orElseThrow().view().size() <= HealthAnswer.MAX_ENTRIES, "a hostile peer cannot fill memory");
    assertEquals(Optional.empty(), parse("{\"region\": \"eu\", \"load\": {"), "cut short: not JSON");
    assertEquals(Optional.empty(), parse("not json"));
    HealthAnswer nested = parse("{\"x\": {\"region\": \"no\"}, \"region\": \"eu\", \"load\": {\"inFlight\": \"7\", \"cpu\": [1], \"extra\": {\"a\": 1}},"
        + " \"view\": [{\"url\": \"http://a\", \"state\": \"up\", \"more\": [1, {}]}, 3, {\"url\": \"http://b\", \"state\": \"up\"}], \"rttMillis\": {\"us\": 80}}").orElseThrow();
    assertEquals("eu", nested.region(), "a field of the same name inside another object is not the answer's");
    assertEquals(7, nested.load().inFlight(), "a number written as a string is read, as before");
    assertEquals(-1, nested.load().cpu(), "a figure that is no number: unknown");
    assertEquals(Map.of(URI.create("http://a"), new HealthAnswer.Seen(NodeState.UP, "", false, false)), nested.view(),
        "the entries before one that is not an object are read");
    assertEquals(Map.of("us", 80L), nested.rttMillis(), "the fields after the view are read");
    assertEquals(Optional.empty(), parse("{\"state\": {\"region\": \"eu\"}}"), "a region inside another field's object is not the answer's");
    assertEquals("us", parse("{\"started\": [{\"region\": \"eu\"}], \"region\": \"us\"}").orElseThrow().region(),
        "a field of the wrong kind is passed over whole");
  }
}
