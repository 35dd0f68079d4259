package io.qemuoperator.local;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The command line of {@code qemu-operator-local}: the command, then {@code -f PATH}..., {@code
 * --until-ready}, {@code --timeout 120s}, {@code -n NS}, {@code --kubeconfig FILE}, {@code
 * --tty}/{@code --no-tty}, {@code --node process|kubelet}, and for {@code logs} {@code -f} (follow)
 * and {@code --bytes N}, and names, in any order.
 */
record CliOptions(
    String command,
    List<Path> files,
    List<String> positional,
    boolean untilReady,
    Duration timeout,
    String namespace,
    Optional<Path> kubeconfig,
    Optional<Boolean> tty,
    boolean follow,
    long bytes,
    Node node) {

  /**
   * Where {@code up} runs the VM pods: {@code process}, this process's node agent (QEMU and the
   * sidecar as plain processes) with the operator in this process; {@code kubelet}, a real node of
   * the {@code --kubeconfig} cluster whose operator runs as the Helm chart's pod (the launcher
   * starts both).
   */
  enum Node {
    PROCESS,
    KUBELET
  }

  private static final Pattern DURATION = Pattern.compile("^(\\d+)(ms|s|m|h)?$");

  CliOptions {
    files = List.copyOf(files);
    positional = List.copyOf(positional);
  }

  /** The options of {@code args}; an {@link IllegalArgumentException} saying what is wrong. */
  static CliOptions parse(String[] args) {
    if (args.length == 0) {
      throw new IllegalArgumentException("a command is required");
    }
    List<Path> files = new ArrayList<>();
    List<String> positional = new ArrayList<>();
    boolean untilReady = false;
    Duration timeout = Duration.ofSeconds(120);
    String namespace = "default";
    Optional<Path> kubeconfig = Optional.empty();
    Optional<Boolean> tty = Optional.empty();
    boolean logs = args[0].equals("logs");
    boolean follow = false;
    long bytes = io.qemuoperator.sidecar.api.SidecarPaths.DEFAULT_CONSOLE_LOG_BYTES;
    Node node = Node.PROCESS;
    for (int i = 1; i < args.length; i++) {
      String arg = args[i];
      switch (arg) {
        case "-f", "--follow" -> {
          if (logs) {
            follow = true;
          } else if (arg.equals("--follow")) {
            throw new IllegalArgumentException("--follow is an option of logs");
          } else {
            files.add(Path.of(value(args, ++i, arg)));
          }
        }
        case "--filename" -> files.add(Path.of(value(args, ++i, arg)));
        case "--bytes" -> bytes = positiveLong(value(args, ++i, arg), arg);
        case "--until-ready" -> untilReady = true;
        case "--timeout" -> timeout = duration(value(args, ++i, arg));
        case "-n", "--namespace" -> namespace = value(args, ++i, arg);
        case "--kubeconfig" -> kubeconfig = Optional.of(Path.of(value(args, ++i, arg)));
        case "--tty" -> tty = Optional.of(true);
        case "--no-tty" -> tty = Optional.of(false);
        case "--node" -> node = node(value(args, ++i, arg));
        default -> {
          if (arg.startsWith("-")) {
            throw new IllegalArgumentException("unknown option " + arg);
          }
          positional.add(arg);
        }
      }
    }
    if (node == Node.KUBELET && kubeconfig.isEmpty()) {
      throw new IllegalArgumentException("--node kubelet needs --kubeconfig FILE (its cluster)");
    }
    return new CliOptions(
        args[0],
        files,
        positional,
        untilReady,
        timeout,
        namespace,
        kubeconfig,
        tty,
        follow,
        bytes,
        node);
  }

  private static Node node(String text) {
    return switch (text) {
      case "process" -> Node.PROCESS;
      case "kubelet" -> Node.KUBELET;
      default ->
          throw new IllegalArgumentException("--node must be process or kubelet, got " + text);
    };
  }

  private static long positiveLong(String text, String option) {
    try {
      long n = Long.parseLong(text);
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw new IllegalArgumentException(option + " must be a whole number >= 1, got " + text);
  }

  /** The one QemuVM name {@code command} takes. */
  String name(String command) {
    if (positional.size() != 1) {
      throw new IllegalArgumentException(command + " needs exactly one QemuVM name");
    }
    return positional.get(0);
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args[i];
  }

  /** {@code 120s}, {@code 2m}, {@code 500ms} or plain seconds. */
  static Duration duration(String text) {
    var m = DURATION.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a duration: " + text + " (e.g. 120s, 2m)");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2) == null ? "s" : m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofSeconds(n);
    };
  }

  /** A duration as the CLI prints it: {@code 120s}. */
  static String human(Duration duration) {
    return duration.toSeconds() + "s";
  }
}
