package io.qemuoperator.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The attack cases of issue 18 against one running front, each a pass or a fail with what was seen.
 * Raw sockets, so every byte on the wire is the case's own; (c) uses Python's urllib, a standard
 * client that sends the whole body before it reads the answer.
 */
final class AttackCases {
  static final List<String> NAMES =
      List.of(
          "a slowloris: 64 conns, 1 byte/3 s; /healthz < 1 s",
          "b two Content-Length: 400, nothing smuggled",
          "c 4 MiB body, urllib client, 1 MiB cap: gets 413",
          "d malformed chunked body: 400, not a close",
          "e Content-Length: +2: 400",
          "f obsolete folded header line: 400",
          "g a client never reads: others' query-status < 2 s");

  private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.1 (\\d{3}) ");
  private static final int SLOW_CONNECTIONS = 64;
  private static final long SLOW_BYTE_MILLIS = 3000;
  private static final int READ_MILLIS = 1500;
  private static final int PIPELINED = 50_000;
  private static final int SLOW_READER_SECONDS = 10;

  /** One case's outcome. */
  record Outcome(String name, boolean passed, String seen) {}

  private final InetSocketAddress address;
  private final String token;

  AttackCases(InetSocketAddress address, String token) {
    this.address = address;
    this.token = token;
  }

  List<Outcome> runAll() throws Exception {
    List<Outcome> outcomes = new ArrayList<>();
    outcomes.add(slowloris());
    outcomes.add(twoContentLengths());
    outcomes.add(largeBodyFromUrllib());
    outcomes.add(malformedChunked());
    outcomes.add(signedContentLength());
    outcomes.add(foldedHeader());
    outcomes.add(slowReader());
    return outcomes;
  }

  /**
   * (a) 64 connections each trickle a request head one byte every 3 s; after the second byte, three
   * {@code GET /healthz} on fresh connections must each answer 200 within 1 s.
   */
  Outcome slowloris() throws Exception {
    byte[] head =
        "GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: yes\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);
    List<Socket> slow = new ArrayList<>();
    List<Thread> tricklers = new ArrayList<>();
    try {
      for (int i = 0; i < SLOW_CONNECTIONS; i++) {
        var socket = new Socket();
        socket.connect(address, 2000);
        slow.add(socket);
        tricklers.add(Thread.ofVirtual().start(() -> trickle(socket, head)));
      }
      Thread.sleep(SLOW_BYTE_MILLIS + 500);
      List<String> probes = new ArrayList<>();
      boolean all = true;
      for (int i = 0; i < 3; i++) {
        long started = System.nanoTime();
        int status = FrontProcess.healthz(address, 1000);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        probes.add(status < 0 ? "no answer" : status + " in " + ms + " ms");
        all &= status == 200;
        Thread.sleep(300);
      }
      return new Outcome(NAMES.get(0), all, "/healthz: " + String.join(", ", probes));
    } finally {
      for (Socket socket : slow) {
        socket.close();
      }
      for (Thread thread : tricklers) {
        thread.interrupt();
        thread.join(2000);
      }
    }
  }

  private static void trickle(Socket socket, byte[] head) {
    try {
      OutputStream out = socket.getOutputStream();
      for (byte b : head) {
        out.write(b);
        out.flush();
        Thread.sleep(SLOW_BYTE_MILLIS);
      }
    } catch (IOException | InterruptedException e) {
      // closed by the server or by the case's end
    }
  }

  /**
   * (b) Content-Length 0 and then the length of a second request sent as the body: the server must
   * answer 400 once. Our handler's own 400 ("not a JSON object") means the server took the second
   * length as the body's: also a fail (a duplicate with different values must be refused).
   */
  Outcome twoContentLengths() throws IOException {
    String smuggled =
        "POST "
            + "/v1/commands/query-status HTTP/1.1\r\nHost: localhost\r\n"
            + "Authorization: Bearer "
            + token
            + "\r\nContent-Length: 0\r\n\r\n";
    String request =
        "POST /v1/commands/query-status HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
            + token
            + "\r\nContent-Type: application/json\r\nContent-Length: 0\r\nContent-Length: "
            + smuggled.length()
            + "\r\n\r\n"
            + smuggled;
    Answer answer = exchange(request.getBytes(StandardCharsets.US_ASCII));
    boolean ownHandler = answer.text().contains("not a JSON object");
    boolean passed = answer.statuses().equals(List.of(400)) && !ownHandler;
    return new Outcome(
        NAMES.get(1),
        passed,
        answer.describe() + (ownHandler ? " (the handler's 400: second length taken)" : ""));
  }

  /** (c) 4 MiB to a 1 MiB cap from Python's urllib: the client must read the 413. */
  Outcome largeBodyFromUrllib() throws IOException, InterruptedException {
    var builder =
        new ProcessBuilder(
                "python3",
                "hack/urllib-post.py",
                "http://127.0.0.1:" + address.getPort() + "/v1/commands/query-status",
                "4")
            .redirectErrorStream(true);
    builder.environment().put("BEARER_TOKEN", token);
    Process python = builder.start();
    String out = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (!python.waitFor(30, TimeUnit.SECONDS)) {
      python.destroyForcibly();
    }
    String last = out.contains("\n") ? out.substring(out.lastIndexOf('\n') + 1) : out;
    return new Outcome(NAMES.get(2), last.equals("413"), "urllib: " + last);
  }

  /** (d) a chunk size that is not hex: an answer of 400. */
  Outcome malformedChunked() throws IOException {
    String request =
        "POST /v1/commands/query-status HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
            + token
            + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
            + "Connection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n";
    Answer answer = exchange(request.getBytes(StandardCharsets.US_ASCII));
    return new Outcome(NAMES.get(3), answer.first() == 400, answer.describe());
  }

  /** (e) {@code Content-Length: +2}, which RFC 9110 does not allow (1*DIGIT). */
  Outcome signedContentLength() throws IOException {
    String request =
        "POST /v1/commands/query-status HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
            + token
            + "\r\nContent-Type: application/json\r\nContent-Length: +2\r\n"
            + "Connection: close\r\n\r\n{}";
    Answer answer = exchange(request.getBytes(StandardCharsets.US_ASCII));
    return new Outcome(NAMES.get(4), answer.first() == 400, answer.describe());
  }

  /** (f) obs-fold, which RFC 9112 section 5.2 says a server must reject (or replace by SP). */
  Outcome foldedHeader() throws IOException {
    String request =
        "GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Folded: first\r\n second\r\n"
            + "Connection: close\r\n\r\n";
    Answer answer = exchange(request.getBytes(StandardCharsets.US_ASCII));
    return new Outcome(NAMES.get(5), answer.first() == 400, answer.describe());
  }

  /**
   * (g) An authenticated client pipelines query-status calls and never reads an answer (its receive
   * buffer 4 KiB); once the server's buffers toward it are full, a query-status from another client
   * must still be answered within 2 s (issue 18: ours writes answers on the QMP reader thread, so
   * one such client froze QMP for everyone).
   */
  Outcome slowReader() throws Exception {
    String one =
        "POST /v1/commands/query-status HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
            + token
            + "\r\nContent-Length: 0\r\n\r\n";
    byte[] many = one.repeat(PIPELINED).getBytes(StandardCharsets.US_ASCII);
    var reader = new Socket();
    try {
      reader.setReceiveBufferSize(4096);
      reader.connect(address, 2000);
      Thread writer =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      reader.getOutputStream().write(many);
                    } catch (IOException e) {
                      // the server stopped reading or closed: both fine here
                    }
                  });
      // Probes every second for 10 s: answers of ~250 bytes fill the server's send buffer (up to
      // 4 MiB, tcp_wmem) within a few seconds at the servers' rates here.
      String probe = one.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n");
      List<String> slow = new ArrayList<>();
      int probes = 0;
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(SLOW_READER_SECONDS);
      while (System.nanoTime() < end) {
        Thread.sleep(1000);
        probes++;
        int status = firstStatus(probe.getBytes(StandardCharsets.US_ASCII), 2000);
        if (status != 200) {
          slow.add((status < 0 ? "no answer" : Integer.toString(status)) + " at probe " + probes);
        }
      }
      reader.close(); // ends the writer
      writer.join(5000);
      return new Outcome(
          NAMES.get(6),
          slow.isEmpty(),
          "other client, "
              + probes
              + " probes: "
              + (slow.isEmpty() ? "all 200 within 2 s" : String.join(", ", slow)));
    } finally {
      reader.close();
    }
  }

  /** The status of the answer's first line, or -1 when none arrived within {@code millis}. */
  private int firstStatus(byte[] request, int millis) {
    try (var socket = new Socket()) {
      socket.connect(address, 2000);
      socket.setSoTimeout(millis);
      socket.getOutputStream().write(request);
      byte[] head = socket.getInputStream().readNBytes(12);
      String line = new String(head, StandardCharsets.US_ASCII);
      return line.startsWith("HTTP/1.1 ") ? Integer.parseInt(line.substring(9, 12)) : -1;
    } catch (IOException | NumberFormatException e) {
      return -1; // not answered in time, refused or reset
    }
  }

  /** What came back on one connection until it closed or stayed quiet for 1.5 s. */
  record Answer(List<Integer> statuses, String text, String end) {
    int first() {
      return statuses.isEmpty() ? -1 : statuses.get(0);
    }

    String describe() {
      return (statuses.isEmpty() ? "no answer" : "answers " + statuses) + ", then " + end;
    }
  }

  private Answer exchange(byte[] request) throws IOException {
    return exchange(request, READ_MILLIS);
  }

  private Answer exchange(byte[] request, int readMillis) throws IOException {
    try (var socket = new Socket()) {
      socket.connect(address, 2000);
      socket.setSoTimeout(readMillis);
      OutputStream out = socket.getOutputStream();
      out.write(request);
      out.flush();
      InputStream in = socket.getInputStream();
      var received = new ByteArrayOutputStream();
      String end;
      byte[] buffer = new byte[8192];
      try {
        for (int n = in.read(buffer); ; n = in.read(buffer)) {
          if (n < 0) {
            end = "closed";
            break;
          }
          received.write(buffer, 0, n);
        }
      } catch (SocketTimeoutException quiet) {
        end = "kept open";
      } catch (IOException reset) {
        end = "reset";
      }
      String text = received.toString(StandardCharsets.ISO_8859_1);
      List<Integer> statuses = new ArrayList<>();
      Matcher m = STATUS_LINE.matcher(text);
      while (m.find()) {
        statuses.add(Integer.parseInt(m.group(1)));
      }
      return new Answer(statuses, text, end);
    }
  }
}
