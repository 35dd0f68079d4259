package io.qemuoperator.sidecar.http;

import java.io.IOException;
import java.io.InputStream;

/** The body of a request sent with {@code Transfer-Encoding: chunked}; trailers are skipped. */
final class ChunkedInputStream extends BodyInputStream {
  private static final int MAX_LINE = 4096;

  private final InputStream in;
  private long remaining; // in the current chunk
  private boolean done;

  ChunkedInputStream(InputStream in) {
    this.in = in;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    if (length == 0) {
      return 0;
    }
    if (!nextChunk()) {
      return -1;
    }
    int n = in.read(buffer, offset, (int) Math.min(length, remaining));
    if (n < 0) {
      throw new HttpProtocolException(400, "chunked body ends early");
    }
    remaining -= n;
    if (remaining == 0 && !line().isEmpty()) {
      throw new HttpProtocolException(400, "chunk not followed by CRLF");
    }
    return n;
  }

  boolean finished() {
    return done;
  }

  /** Moves to data; false at the last chunk. */
  private boolean nextChunk() throws IOException {
    if (done) {
      return false;
    }
    if (remaining > 0) {
      return true;
    }
    String size = line();
    int extension = size.indexOf(';');
    try {
      remaining = Long.parseLong((extension < 0 ? size : size.substring(0, extension)).strip(), 16);
    } catch (NumberFormatException e) {
      throw new HttpProtocolException(400, "malformed chunk size");
    }
    if (remaining < 0) {
      throw new HttpProtocolException(400, "malformed chunk size");
    }
    if (remaining == 0) {
      while (!line().isEmpty()) {
        // trailer fields: ignored
      }
      done = true;
      return false;
    }
    return true;
  }

  private String line() throws IOException {
    var text = new StringBuilder();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        throw new HttpProtocolException(400, "chunked body ends early");
      }
      if (text.length() == MAX_LINE) {
        throw new HttpProtocolException(400, "chunk line too long");
      }
      if (c != '\r') {
        text.append((char) c);
      }
    }
    return text.toString();
  }
}
