package org.oversky.examples.embedded;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oversky.conf.ConfigLoader;
import org.oversky.gateway.Gateway;
import org.oversky.gateway.ee10.ServletContextMount;

/** A host built on an ee10 servlet context mounts the same gateway: its servlet answers as before, the site is cached. */
class ServletHostTest {
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  public static final class Hello extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      resp.setContentType("text/plain");
      resp.getWriter().print("hello from a servlet");
    }
  }

  @Test
  void servletContextHostKeepsItsServletsAndCachesTheSite(@TempDir Path dir) throws Exception {
    WireMockServer origin = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1").jettyAcceptors(1));
    origin.start();
    origin.stubFor(com.github.tomakehurst.wiremock.client.WireMock.get("/page").willReturn(aResponse().withHeader("Cache-Control", "max-age=300").withBody("cached page")));
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    context.addServlet(Hello.class, "/*");
    Gateway oversky =
        Gateway.builder(ConfigLoader.load(Map.of("data", dir.toString(), "sites", "www.site.test=" + origin.baseUrl(), "request-log", "false"), Map.of()))
            .embedded(true)
            .mount("/cdn")
            .build();
    ServletContextMount.mount(context, oversky);
    server.setHandler(context);
    server.start();
    try {
      String base = "http://127.0.0.1:" + connector.getLocalPort();
      HttpResponse<String> servlet = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/page")).header("Host", "app.test").build(), HttpResponse.BodyHandlers.ofString());
      assertEquals("hello from a servlet", servlet.body());
      for (int i = 0; i < 2; i++) {
        HttpResponse<String> site = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/page")).header("Host", "www.site.test").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals("cached page", site.body());
        if (i == 1) {
          assertTrue(site.headers().firstValue("Cache-Status").orElse("").startsWith("oversky; hit"));
        }
      }
      assertEquals(1, origin.countRequestsMatching(getRequestedFor(urlEqualTo("/page")).build()).getCount());
    } finally {
      server.stop();
      origin.stop();
    }
  }
}
