package io.qemuoperator.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The resident set size of a process, read from {@code /proc/PID/status} (VmRSS). */
final class ProcessFootprint {
  private ProcessFootprint() {}

  /** VmRSS in KiB. */
  static long rssKib(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.substring("VmRSS:".length()).replace("kB", "").strip());
      }
    }
    throw new IOException("no VmRSS in /proc/" + pid + "/status");
  }

  /** The command name of the process ({@code /proc/PID/comm}), e.g. {@code java}. */
  static String command(long pid) throws IOException {
    return Files.readString(Path.of("/proc", Long.toString(pid), "comm")).strip();
  }
}
