package io.qemuoperator.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A process's footprint from {@code /proc}: resident set size and CPU time. */
public final class ProcessFootprint {
  private ProcessFootprint() {}

  /** VmRSS in KiB. */
  public static long rssKib(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.substring("VmRSS:".length()).replace("kB", "").strip());
      }
    }
    throw new IOException("no VmRSS in /proc/" + pid + "/status");
  }

  /** User plus system CPU time in seconds ({@code /proc/PID/stat} utime + stime, 100 ticks/s). */
  public static double cpuSeconds(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    // fields[0] is the state (field 3 of stat); utime and stime are fields 14 and 15
    return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
  }

  /** The command name of the process ({@code /proc/PID/comm}), e.g. {@code java}. */
  static String command(long pid) throws IOException {
    return Files.readString(Path.of("/proc", Long.toString(pid), "comm")).strip();
  }
}
