package io.qemuoperator.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * A minimal HTTP/1.1 keep-alive client on one socket: writes a request, reads the status line,
 * headers and a Content-Length body. It measures what the sidecar itself costs, without the JDK
 * {@code HttpClient}'s own hand-offs between its selector and executor threads.
 */
final class LeanHttp implements AutoCloseable {
  private final Socket socket;
  private final OutputStream out;
  private final InputStream in;
  private final byte[] queryStatus;

  LeanHttp(URI base, String token) throws IOException {
    socket = new Socket();
    socket.setTcpNoDelay(true);
    socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 2000);
    socket.setSoTimeout(10_000);
    out = socket.getOutputStream();
    in = new BufferedInputStream(socket.getInputStream());
    queryStatus =
        ("POST /v1/commands/query-status HTTP/1.1\r\nHost: "
                + base.getHost()
                + "\r\nAuthorization: Bearer "
                + token
                + "\r\nContent-Length: 0\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
  }

  byte[] queryStatus() throws IOException {
    out.write(queryStatus);
    out.flush();
    int length = -1;
    String status = line();
    if (!status.startsWith("HTTP/1.1 200")) {
      throw new IOException("sidecar answered: " + status);
    }
    for (String header = line(); !header.isEmpty(); header = line()) {
      if (header.regionMatches(true, 0, "Content-Length:", 0, 15)) {
        length = Integer.parseInt(header.substring(15).strip());
      }
    }
    if (length < 0) {
      throw new IOException("no Content-Length in the sidecar's answer");
    }
    return in.readNBytes(length);
  }

  private String line() throws IOException {
    var text = new StringBuilder();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        throw new IOException("the sidecar closed the connection");
      }
      if (c != '\r') {
        text.append((char) c);
      }
    }
    return text.toString();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
