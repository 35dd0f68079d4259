package io.qemuoperator.bench;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Where QEMU's sockets and the token are, and how many calls to make. Parsed from {@code --name
 * value} pairs; counts default to the documented run.
 */
record BenchSettings(
    Path work,
    long qemuPid,
    Path launcher,
    Path out,
    int starts,
    int idleSeconds,
    int warmup,
    int calls,
    int stateWarmup,
    int stateCalls,
    int rounds) {

  Path sidecarSocket() {
    return work.resolve("qmp.sock");
  }

  Path directSocket() {
    return work.resolve("direct.sock");
  }

  Path tokenFile() {
    return work.resolve("token");
  }

  static BenchSettings parse(String[] args) {
    Map<String, String> values = new HashMap<>();
    for (int i = 0; i < args.length; i += 2) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("expected --name value pairs, got " + args[i]);
      }
      values.put(args[i].substring(2), args[i + 1]);
    }
    BenchSettings settings =
        new BenchSettings(
            Path.of(required(values, "work")),
            Long.parseLong(required(values, "qemu-pid")),
            Path.of(required(values, "launcher")),
            Path.of(required(values, "out")),
            count(values, "starts", 5),
            count(values, "idle-seconds", 10),
            count(values, "warmup", 500),
            count(values, "calls", 5000),
            count(values, "state-warmup", 100),
            count(values, "state-calls", 1000),
            count(values, "rounds", 10));
    if (settings.calls % settings.rounds != 0 || settings.stateCalls % settings.rounds != 0) {
      throw new IllegalArgumentException("--calls and --state-calls must be multiples of --rounds");
    }
    if (settings.starts < 2) {
      throw new IllegalArgumentException("--starts must be at least 2 (first, then the rest)");
    }
    return settings;
  }

  private static String required(Map<String, String> values, String name) {
    String value = values.get(name);
    if (value == null) {
      throw new IllegalArgumentException("missing --" + name);
    }
    return value;
  }

  private static int count(Map<String, String> values, String name, int fallback) {
    int value = Integer.parseInt(values.getOrDefault(name, Integer.toString(fallback)));
    if (value < 0) {
      throw new IllegalArgumentException("--" + name + " must not be negative");
    }
    return value;
  }
}
