package io.qemuoperator.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.qemuoperator.testing.RawQmp;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * QEMU's own record of the QMP commands it ran, independent of the sidecar and the operator: its
 * trace events, switched on through an observer monitor ({@code trace-event-set-state}) and written
 * by QEMU's log backend to its stderr (the pod's {@code qemu.log}). {@code qmp_enter_NAME} marks
 * each command QEMU dispatched (generated for every command since QEMU 7.0; a request QEMU read but
 * dropped, its client gone, has none); {@code handle_qmp_command} each request QEMU read, with its
 * text. Counts survive a restarted sidecar, whose metrics start again from zero.
 */
final class QmpTrace {
  private final Path log;
  private final long start;

  private QmpTrace(Path log, long start) {
    this.log = log;
    this.start = start;
  }

  /** Switches {@code events} on in the QEMU behind {@code observer}; lines from now on count. */
  static QmpTrace enable(RawQmp observer, Path qemuLog, String... events) throws IOException {
    long start = Files.exists(qemuLog) ? Files.size(qemuLog) : 0;
    for (String event : events) {
      var reply =
          observer.execute("trace-event-set-state", "{\"name\":\"" + event + "\",\"enable\":true}");
      assertThat(reply.has("return")).as("trace event %s: %s", event, reply).isTrue();
    }
    return new QmpTrace(qemuLog, start);
  }

  /** The trace lines of {@code event} since {@link #enable}, in QEMU's order. */
  List<String> lines(String event) throws IOException {
    Pattern line = Pattern.compile("(^|[\\s:])" + Pattern.quote(event) + "\\b");
    return lines().stream().filter(l -> line.matcher(l).find()).toList();
  }

  /** How many times QEMU dispatched {@code command} (e.g. {@code stop}) since {@link #enable}. */
  long ran(String command) throws IOException {
    return lines("qmp_enter_" + command.replace('-', '_')).size();
  }

  /** Every line QEMU wrote since {@link #enable}. */
  List<String> lines() throws IOException {
    try (var in = new RandomAccessFile(log.toFile(), "r")) {
      byte[] bytes = new byte[(int) Math.max(0, in.length() - start)];
      in.seek(start);
      in.readFully(bytes);
      return new String(bytes, StandardCharsets.UTF_8).lines().toList();
    }
  }
}
