package org.oversky.cache;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * What the store knows about one body: its key, size, media type, when it was stored and whether
 * it lives inside the index (small) or in a file of its own.
 */
public record StoredBody(ContentKey key, long size, String contentType, long storedAtMillis, boolean inline) {
  public StoredBody {
    if (key == null || contentType == null || size < 0) {
      throw new IllegalArgumentException("StoredBody needs a key, a content type and a size >= 0");
    }
  }

  byte[] encode() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(1);
      out.writeLong(size);
      out.writeLong(storedAtMillis);
      out.writeBoolean(inline);
      out.writeUTF(contentType);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static StoredBody decode(ContentKey key, byte[] data) throws IOException {
    try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(data))) {
      int version = in.readByte();
      if (version != 1) {
        throw new IOException("unknown metadata version " + version);
      }
      long size = in.readLong();
      long storedAt = in.readLong();
      boolean inline = in.readBoolean();
      String type = in.readUTF();
      return new StoredBody(key, size, type, storedAt, inline);
    }
  }
}
