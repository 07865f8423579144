package org.oversky.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared body of a collapsed fetch: who holds the channel, and when it closes. */
class InFlightTest {
  private static FileChannel channel(Path dir) throws Exception {
    Path f = dir.resolve("body");
    Files.write(f, new byte[] {1, 2, 3});
    return FileChannel.open(f, StandardOpenOption.READ);
  }

  @Test
  void aFollowerThatComesAfterTheFetchEndedGetsNoChannelRatherThanAClosedOne(@TempDir Path dir) throws Exception {
    InFlight f = new InFlight();
    FileChannel ch = channel(dir);
    f.publish(new InFlight.Head(200, List.of(), "", 3), ch);
    f.advance(3);
    f.complete();
    assertFalse(ch.isOpen(), "the leader's reference was the last");
    assertNull(f.acquire());
    assertTrue(f.isComplete());
  }

  @Test
  void theChannelStaysOpenUntilTheLastFollowerGivesItBack(@TempDir Path dir) throws Exception {
    InFlight f = new InFlight();
    FileChannel ch = channel(dir);
    f.publish(new InFlight.Head(200, List.of(), "", 3), ch);
    FileChannel mine = f.acquire();
    assertNotNull(mine);
    f.advance(3);
    f.complete();
    assertTrue(mine.isOpen(), "a follower still reads");
    assertEquals(3, mine.read(ByteBuffer.allocate(8), 0));
    f.release();
    assertFalse(ch.isOpen());
  }
}
