package org.oversky.gateway.dnslink;

import java.time.InstantSource;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.oversky.conf.DnsSettings;
import org.oversky.gateway.http.Problem;
import org.oversky.gateway.key.KeyHandler;

/**
 * {@code GET|HEAD /} of a DNSLink host ({@code dnslink.hosts}): the body of the content key its
 * {@code _dnslink} TXT record names, served as {@code /key/} serves it, but cacheable only for
 * what is left of the record's TTL (the host's root changes when its record does) and without
 * the sandbox {@code /key/} puts on bodies anyone stored: the host's owner chose this one. The
 * lookup does not block the request's thread; the body comes from the store or the network as
 * for {@code /key/}.
 */
public final class DnslinkHandler {
  /** The response header naming the key served, and whether the mapping was the last known one. */
  public static final String HEADER = "Oversky-Dnslink";

  private final DnsSettings.Dnslink settings;
  private final DnslinkResolver resolver;
  private final KeyHandler key;
  private final InstantSource clock;

  public DnslinkHandler(DnsSettings.Dnslink settings, DnslinkResolver resolver, KeyHandler key, InstantSource clock) {
    this.settings = settings;
    this.resolver = resolver;
    this.key = key;
    this.clock = clock;
  }

  /** Whether {@code host} (lower case, no port) is served by its DNSLink record. */
  public boolean accepts(String host) {
    return settings.accepts(host);
  }

  /** Answers a request to {@code host}'s {@code path}. */
  public void serve(String host, String path, Request request, Response response, Callback callback) {
    if (!HttpMethod.GET.is(request.getMethod()) && !HttpMethod.HEAD.is(request.getMethod())) {
      Problem.methodNotAllowed(request.getMethod(), "GET, HEAD").send(response, callback);
      return;
    }
    if (!path.equals("/")) {
      new Problem(404, "dnslink-path", "Not found", host + " is a DNSLink host: it serves the content key its _dnslink."
          + host + " TXT record names at /, and nothing else").send(response, callback);
      return;
    }
    resolver.lookup(host).whenComplete((resolved, error) -> {
      try {
        if (error != null) {
          Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null ? error.getCause() : error;
          new Problem(502, "dnslink-lookup-failed", "Bad gateway", "the DNSLink record of " + host + " could not be read and none is known: "
              + cause.getMessage()).send(response, callback);
        } else if (resolved.link().isEmpty()) {
          new Problem(404, "dnslink-not-found", "Not found", resolved.why()).send(response, callback);
        } else {
          DnslinkResolver.Link link = resolved.link().get();
          response.getHeaders().put(HEADER, KeyHandler.PREFIX + link.key().hex() + (link.stale() ? "; stale" : ""));
          String cacheControl = "public, max-age=" + link.maxAgeSeconds(clock.millis());
          key.serve(KeyHandler.PREFIX + link.key().hex(), request, new Rooted(request, response, cacheControl), callback);
        }
      } catch (Exception | Error e) {
        callback.failed(e);
      }
    });
  }

  /** The response of a host's root: its own Cache-Control, no sandbox. */
  private static final class Rooted extends Response.Wrapper {
    private final HttpFields.Mutable headers;

    Rooted(Request request, Response wrapped, String cacheControl) {
      super(request, wrapped);
      HttpField ours = new HttpField(HttpHeader.CACHE_CONTROL, cacheControl);
      this.headers = new HttpFields.Mutable.Wrapper(wrapped.getHeaders()) {
        @Override
        public HttpField onAddField(HttpField field) {
          return rewrite(field);
        }

        @Override
        public HttpField onReplaceField(HttpField old, HttpField field) {
          return rewrite(field);
        }

        private HttpField rewrite(HttpField field) {
          if (field.getHeader() == HttpHeader.CACHE_CONTROL) {
            return ours;
          }
          return "Content-Security-Policy".equalsIgnoreCase(field.getName()) ? null : field;
        }
      };
    }

    @Override
    public HttpFields.Mutable getHeaders() {
      return headers;
    }
  }
}
