package org.oversky.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.junit.jupiter.api.Test;
import org.oversky.conf.FetchConfig;

/**
 * The client the proxy reads origins with reuses its read buffers: a read buffer is {@link
 * SiteProxy#RESPONSE_BUFFER_BYTES}, past what Jetty's default pool keeps (64 KiB), so each
 * response was read into a new direct buffer, zeroed and faulted in.
 */
class SiteProxyClientTest {
  @Test
  void theOriginClientsReadBuffersComeBackFromItsPool() throws Exception {
    SiteProxy proxy = new SiteProxy(null, null, null,
        new FetchConfig(true, Duration.ofSeconds(5), Duration.ofSeconds(30), 1L << 30, 5),
        "test", s -> {}, e -> {}, null, n -> {}, null, null, null, java.time.InstantSource.system());
    HttpClient client = proxy.newHttpClient();
    proxy.configureHttpClient(client);
    client.start();
    try {
      assertTrue(client.getResponseBufferSize() >= SiteProxy.RESPONSE_BUFFER_BYTES);
      RetainableByteBuffer first = client.getByteBufferPool().acquire(client.getResponseBufferSize(), true);
      java.nio.ByteBuffer bytes = first.getByteBuffer();
      first.release();
      RetainableByteBuffer second = client.getByteBufferPool().acquire(client.getResponseBufferSize(), true);
      assertSame(bytes, second.getByteBuffer(), "the released read buffer is the next one handed out");
      second.release();
    } finally {
      client.stop();
    }
  }
}
