package io.qemuoperator.kubectl;

import io.qemuoperator.sidecar.api.SidecarPaths;
import java.io.InputStream;
import java.io.PrintStream;

/**
 * The console commands' arguments, shared by {@code kubectl qvm} and the local cluster's CLI:
 * {@code console NAME} and {@code logs NAME [-f] [--bytes N]}, with {@code -n NS}.
 *
 * @param command {@code console}, {@code logs} or {@code help}
 * @param name the QemuVM
 * @param namespace its namespace
 * @param follow {@code logs -f}
 * @param bytes {@code logs --bytes N}: how much of the log's end
 */
public record ConsoleOptions(
    String command, String name, String namespace, boolean follow, long bytes) {

  /** Parses {@code args}; {@code defaultNamespace} unless {@code -n} is given. */
  public static ConsoleOptions parse(String[] args, String defaultNamespace) {
    String command = null;
    String name = null;
    String namespace = defaultNamespace == null ? "default" : defaultNamespace;
    boolean follow = false;
    long bytes = SidecarPaths.DEFAULT_CONSOLE_LOG_BYTES;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      switch (arg) {
        case "-n", "--namespace" -> namespace = value(args, ++i, arg);
        case "-f", "--follow" -> follow = true;
        case "--bytes" -> {
          try {
            bytes = Long.parseLong(value(args, ++i, arg));
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--bytes must be a number");
          }
          if (bytes < 1) {
            throw new IllegalArgumentException("--bytes must be at least 1");
          }
        }
        case "-h", "--help", "help" -> command = "help";
        default -> {
          if (arg.startsWith("-")) {
            throw new IllegalArgumentException("unknown option " + arg);
          } else if (command == null) {
            command = arg;
          } else if (name == null) {
            name = arg;
          } else {
            throw new IllegalArgumentException("unexpected argument '" + arg + "'");
          }
        }
      }
    }
    if ("help".equals(command)) {
      return new ConsoleOptions("help", "", namespace, false, bytes);
    }
    if (command == null || !(command.equals("console") || command.equals("logs"))) {
      throw new IllegalArgumentException(
          command == null ? "a command is needed" : "unknown command '" + command + "'");
    }
    if (name == null) {
      throw new IllegalArgumentException(command + " needs the QemuVM's name");
    }
    if (follow && command.equals("console")) {
      throw new IllegalArgumentException("-f is an option of logs");
    }
    return new ConsoleOptions(command, name, namespace, follow, bytes);
  }

  private static String value(String[] args, int i, String flag) {
    if (i >= args.length) {
      throw new IllegalArgumentException(flag + " needs a value");
    }
    return args[i];
  }

  /** How the VM is named in messages: {@code qemuvm/NAME}. */
  public String vm() {
    return "qemuvm/" + name;
  }

  /** Runs the command against the VM's sidecar at {@code endpoint}; the exit code. */
  public int run(
      SidecarEndpoint endpoint, InputStream in, PrintStream out, PrintStream err, Terminal terminal)
      throws InterruptedException {
    return command.equals("console")
        ? new ConsoleAttach(in, out, err, terminal).run(vm(), endpoint)
        : new ConsoleLogs(out, err).run(vm(), endpoint, bytes, follow);
  }
}
