package io.qemuoperator.sidecar.http;

import java.io.IOException;
import java.io.InputStream;

/**
 * A request body read from the connection's stream: its one-byte read goes through the bulk one.
 */
abstract class BodyInputStream extends InputStream {
  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public abstract int read(byte[] buffer, int offset, int length) throws IOException;
}
