package io.qemuoperator.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the figures were measured on. */
public record MachineFacts(int cpus, String cpuModel, String jdk, String qemuVersion) {

  public static MachineFacts read(String qemuVersion) throws IOException {
    String model = "unknown";
    for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
      if (line.startsWith("model name")) {
        model = line.substring(line.indexOf(':') + 1).strip();
        break;
      }
    }
    String jdk =
        System.getProperty("java.vm.vendor")
            + " "
            + System.getProperty("java.vm.name")
            + " "
            + Runtime.version();
    return new MachineFacts(Runtime.getRuntime().availableProcessors(), model, jdk, qemuVersion);
  }

  /** One line: cores, CPU model, JDK. */
  public String summary() {
    return cpus + " cpus, " + cpuModel + ", " + jdk;
  }

  /** The first three fields of {@code /proc/loadavg}: 1, 5 and 15 minute load averages. */
  public static String loadAverage() throws IOException {
    String[] fields = Files.readString(Path.of("/proc/loadavg")).strip().split("\\s+");
    return fields[0] + " " + fields[1] + " " + fields[2];
  }
}
