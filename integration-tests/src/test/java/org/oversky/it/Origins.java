package org.oversky.it;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;

import com.github.tomakehurst.wiremock.WireMockServer;

/** Origins for tests: real HTTP servers on loopback. */
final class Origins {
  private Origins() {}

  /** A started WireMock server on a free loopback port (one acceptor: this machine has two cores). */
  static WireMockServer wireMock() {
    WireMockServer server = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1").jettyAcceptors(1));
    server.start();
    return server;
  }

  /** A started WireMock server that answers {@code GET path} with {@code body}. */
  static WireMockServer serving(String path, byte[] body) {
    WireMockServer server = wireMock();
    server.stubFor(com.github.tomakehurst.wiremock.client.WireMock.get(path)
        .willReturn(com.github.tomakehurst.wiremock.client.WireMock.ok().withBody(body)));
    return server;
  }
}
