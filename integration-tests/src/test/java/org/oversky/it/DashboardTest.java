package org.oversky.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard at the node's root, loaded by headless Chromium (Debian's {@code chromium}): the
 * charts are drawn from {@code /api/v1/history} with one point a sample, the page shows what
 * {@code /api/v1/status} says, and a screenshot has the chart lines in it.
 */
class DashboardTest {
  static final String MISSING = "the dashboard test needs Chromium: apt-get install chromium (./run-tests installs it)";

  private static String chromium(Path dir, String... args) throws Exception {
    // a profile of its own each run: a run still exiting holds its profile's lock
    Path profile = Files.createTempDirectory(dir, "profile");
    List<String> cmd = new java.util.ArrayList<>(List.of("chromium", "--headless", "--no-sandbox", "--disable-gpu",
        "--user-data-dir=" + profile, "--virtual-time-budget=5000"));
    cmd.addAll(List.of(args));
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectError(dir.resolve("chromium.err").toFile()).start();
    } catch (java.io.IOException e) {
      throw new AssertionError(MISSING, e);
    }
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(90, TimeUnit.SECONDS), "chromium did not end");
    return new String(out, StandardCharsets.UTF_8);
  }

  @Test
  @SuppressWarnings("unchecked")
  void theChartsAreDrawnFromTheHistoryAndThePageShowsTheStatus(@TempDir Path dir) throws Exception {
    com.github.tomakehurst.wiremock.WireMockServer origin = Origins.wireMock();
    origin.stubFor(com.github.tomakehurst.wiremock.client.WireMock.get("/page").willReturn(
        com.github.tomakehurst.wiremock.client.WireMock.aResponse().withHeader("Cache-Control", "no-store").withBody("a page")));
    try (TestNode n = TestNode.start(dir.resolve("node"), java.util.Map.of("sites", "dash.test=" + origin.baseUrl()))) {
      for (int i = 0; i < 20; i++) {
        n.get("/healthz");
        n.get("/page", "Host", "dash.test");
      }
      // a sample every 10 s after the start: wait for two (a line needs two points), not for a time
      await("two samples in the history").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
          .until(() -> ((List<?>) Jsons.parse(n.get("/api/v1/history").body()).get("times")).size() >= 2);
      int samples = ((List<?>) Jsons.parse(n.get("/api/v1/history").body()).get("times")).size();
      String nodeId = (String) Jsons.parse(n.get("/api/v1/status").body()).get("nodeId");

      String dom = chromium(dir, "--dump-dom", n.base + "/");
      assertTrue(dom.contains(nodeId), "the page shows the node id the status gives");
      assertTrue(dom.contains("<b>dash.test</b>"), "the site's own chart is captioned with its host");
      for (String chart : List.of("requests", "share", "bytes", "origins", "site-0")) {
        Matcher m = Pattern.compile("id=\"chart-" + chart + "\"[^>]*data-points=\"(\\d+)\"").matcher(dom);
        assertTrue(m.find(), "chart " + chart + " drawn: " + dom.substring(Math.max(0, dom.indexOf("chart-" + chart) - 20),
            Math.min(dom.length(), dom.indexOf("chart-" + chart) + 200)));
        int points = Integer.parseInt(m.group(1));
        assertTrue(points >= samples && points <= samples + 1, chart + ": " + points + " points for " + samples + " samples");
      }
      Matcher polyline = Pattern.compile("<polyline points=\"([^\"]+)\"[^>]*stroke=\"#1f77b4\"").matcher(dom);
      assertTrue(polyline.find(), "the requests line");
      assertTrue(dom.contains("The last "), "the note says how long the charts span");

      // the charts' blue lines: blue pixels next to the charts' grey background (the legend's
      // blue words stand on white)
      int blue = bluePixelsOnCharts(dir, n);
      assertTrue(blue > 100, "the screenshot has the charts' blue lines: " + blue + " pixels");
    } finally {
      origin.stop();
    }
  }

  /** The pixels of a 1000x1400 screenshot of the node's root near the charts' blue (#1f77b4) with the charts' background (#fafafa) beside them. */
  private static int bluePixelsOnCharts(Path dir, TestNode n) throws Exception {
    Path shot = dir.resolve("dashboard.png");
    chromium(dir, "--window-size=1000,1400", "--screenshot=" + shot, n.base + "/");
    BufferedImage image = ImageIO.read(shot.toFile());
    assertEquals(1000, image.getWidth());
    int blue = 0;
    for (int y = 2; y < image.getHeight() - 2; y++) {
      for (int x = 2; x < image.getWidth() - 2; x++) {
        if (near(image.getRGB(x, y), 0x1f77b4, 40)
            && (near(image.getRGB(x, y - 2), 0xfafafa, 3) || near(image.getRGB(x, y + 2), 0xfafafa, 3))) {
          blue++;
        }
      }
    }
    return blue;
  }

  private static boolean near(int argb, int rgb, int within) {
    for (int shift = 0; shift <= 16; shift += 8) {
      if (Math.abs((argb >> shift & 0xff) - (rgb >> shift & 0xff)) >= within) {
        return false;
      }
    }
    return true;
  }
}
