package org.oversky.gateway.fetch;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.channels.UnresolvedAddressException;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.oversky.gateway.http.ExactFields;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.HttpResponseException;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.util.SocketAddressResolver;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.oversky.cache.BodyTooLargeException;
import org.oversky.cache.BodyWriter;
import org.oversky.cache.ContentStore;
import org.oversky.cache.StoredBody;
import org.oversky.conf.FetchConfig;

/**
 * Fetches a URL into the store under the outbound policy: http(s) only, no private addresses
 * unless allowed (checked on the URL and on every address connected to, redirects included), a
 * size limit, and connect and read timeouts. The body streams from the origin into the store; it
 * is never held whole in heap.
 */
public final class OriginFetcher extends ContainerLifeCycle {
  private static final int CHUNK = 64 * 1024;

  private final FetchConfig config;
  private final OutboundPolicy policy;
  private final HttpClient client;
  private final String userAgent;

  public OriginFetcher(FetchConfig config, String userAgent) {
    this.config = config;
    this.userAgent = userAgent;
    this.policy = new OutboundPolicy(config.allowPrivateOrigins());
    QueuedThreadPool threads = new QueuedThreadPool(32, 2);
    threads.setName("oversky-fetch");
    threads.setDaemon(true);
    ScheduledExecutorScheduler scheduler = new ScheduledExecutorScheduler("oversky-fetch-scheduler", true);
    this.client = ExactFields.client();
    client.setExecutor(threads);
    client.setScheduler(scheduler);
    client.setSocketAddressResolver(
        policy.guard(new SocketAddressResolver.Async(threads, scheduler, config.connectTimeout().toMillis())));
    client.setConnectTimeout(config.connectTimeout().toMillis());
    client.setIdleTimeout(config.readTimeout().toMillis());
    client.setFollowRedirects(true);
    client.setMaxRedirects(config.maxRedirects());
    client.setUserAgentField(null);
    addBean(client);
  }

  /** Parses a location given by a client, as a 400 problem when it is not a usable URL. */
  public static URI parseLocation(String location) throws FetchException {
    if (location == null || location.isBlank()) {
      throw new FetchException(400, "bad-location", "give the URL to fetch as \"location\"");
    }
    try {
      URI uri = new URI(location.trim());
      if (!uri.isAbsolute()) {
        throw new FetchException(400, "bad-location", "'" + location + "' is not an absolute URL");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw new FetchException(400, "bad-location", "'" + location + "' is not a URL: " + e.getReason());
    }
  }

  /** Fetches {@code url} and stores its body; the stored body's metadata on success. */
  public StoredBody fetchInto(URI url, ContentStore store) throws FetchException, IOException {
    policy.checkUrl(url);
    InputStreamResponseListener listener = new InputStreamResponseListener();
    client
        .newRequest(url)
        .headers(h -> h.put(HttpHeader.USER_AGENT, userAgent).put(HttpHeader.ACCEPT_ENCODING, "identity"))
        .idleTimeout(config.readTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .send(listener);
    Response response;
    try {
      response = listener.get(config.connectTimeout().toMillis() + config.readTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new FetchException(504, "origin-timeout", "no answer from " + url + " within the fetch timeouts", e);
    } catch (ExecutionException e) {
      throw translate(url, e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FetchException(503, "interrupted", "the node is shutting down", e);
    }
    if (response.getStatus() != 200) {
      closeQuietly(listener.getInputStream());
      throw new FetchException(
          502, "origin-status", url + " answered " + response.getStatus() + "; only a 200 response can be registered");
    }
    long declared = response.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
    if (declared > config.maxBodyBytes()) {
      closeQuietly(listener.getInputStream());
      throw tooLarge(url, config.maxBodyBytes());
    }
    String type =
        Optional.ofNullable(response.getHeaders().get(HttpHeader.CONTENT_TYPE)).orElse("application/octet-stream");
    try (InputStream in = listener.getInputStream();
        BodyWriter writer = store.newWriter(type, config.maxBodyBytes())) {
      byte[] buf = new byte[CHUNK];
      int n;
      while ((n = in.read(buf)) >= 0) {
        writer.write(buf, 0, n);
      }
      if (declared >= 0 && writer.size() != declared) {
        throw new FetchException(
            502, "origin-truncated", url + " sent " + writer.size() + " of the " + declared + " bytes it announced");
      }
      return writer.commit(Optional.empty());
    } catch (BodyTooLargeException e) {
      throw tooLarge(url, e.limit());
    } catch (FetchException e) {
      throw e;
    } catch (IOException e) {
      throw translate(url, e);
    }
  }

  private static FetchException tooLarge(URI url, long limit) {
    return new FetchException(
        413, "body-too-large", url + " is larger than the limit of " + limit + " bytes (fetch.max-body, store.disk-bytes)");
  }

  private static FetchException translate(URI url, Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof FetchException f) {
        return f;
      }
      if (c instanceof TimeoutException || c instanceof java.net.SocketTimeoutException) {
        return new FetchException(504, "origin-timeout", url + " did not answer in time: " + c.getMessage(), t);
      }
      if (c instanceof ConnectException || c instanceof UnresolvedAddressException || c instanceof java.net.UnknownHostException) {
        return new FetchException(502, "origin-unreachable", "could not connect to " + url + ": " + c, t);
      }
      if (c instanceof HttpResponseException h && h.getMessage() != null && h.getMessage().contains("redirect")) {
        return new FetchException(502, "too-many-redirects", url + ": " + h.getMessage(), t);
      }
    }
    return new FetchException(502, "origin-failed", "fetching " + url + " failed: " + t, t);
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException ignored) {
      // the response is abandoned anyway
    }
  }
}
