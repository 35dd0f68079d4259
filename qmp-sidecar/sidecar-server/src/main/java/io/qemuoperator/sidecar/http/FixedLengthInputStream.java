package io.qemuoperator.sidecar.http;

import java.io.IOException;
import java.io.InputStream;

/** The body of a request with a {@code Content-Length}: exactly that many bytes. */
final class FixedLengthInputStream extends BodyInputStream {
  private final InputStream in;
  private long remaining;

  FixedLengthInputStream(InputStream in, long length) {
    this.in = in;
    this.remaining = length;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    if (remaining == 0) {
      return -1;
    }
    if (length == 0) {
      return 0;
    }
    int n = in.read(buffer, offset, (int) Math.min(length, remaining));
    if (n < 0) {
      throw new HttpProtocolException(400, "body shorter than its Content-Length");
    }
    remaining -= n;
    return n;
  }

  boolean finished() {
    return remaining == 0;
  }
}
