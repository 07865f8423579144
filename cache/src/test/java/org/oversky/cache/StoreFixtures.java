package org.oversky.cache;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;

/** Helpers shared by the store tests: deterministic bodies, hashing, reading and listing files. */
final class StoreFixtures {
  static final String TYPE = "application/octet-stream";

  private StoreFixtures() {}

  static byte[] randomBytes(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  static ContentKey sha256(byte[] data) {
    try {
      return ContentKey.ofDigest(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  static StoredBody put(ContentStore store, byte[] data) throws IOException {
    try (BodyWriter w = store.newWriter(TYPE, Long.MAX_VALUE)) {
      w.write(data);
      return w.commit(Optional.empty());
    }
  }

  /** Reads a whole body, closing it. */
  static byte[] readAll(Body body) throws IOException {
    try (body) {
      return switch (body) {
        case Body.InMemory m -> m.toByteArray();
        case Body.Disk d -> {
          ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(d.channel().size()));
          long pos = 0;
          while (buf.hasRemaining()) {
            int n = d.channel().read(buf, pos);
            if (n < 0) {
              break;
            }
            pos += n;
          }
          yield buf.array();
        }
      };
    }
  }

  static byte[] read(ContentStore store, ContentKey key) throws IOException {
    return readAll(store.open(key).orElseThrow(() -> new AssertionError("no body under " + key)));
  }

  /** The regular files under {@code dir}, at any depth. */
  static List<Path> filesUnder(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return new ArrayList<>(s.filter(Files::isRegularFile).toList());
    }
  }

  /** Where the store keeps a file body: {@code bodies/ab/cdef…}. */
  static Path bodyFile(Path dir, ContentKey key) {
    return dir.resolve("bodies").resolve(key.hex().substring(0, 2)).resolve(key.hex().substring(2));
  }
}
