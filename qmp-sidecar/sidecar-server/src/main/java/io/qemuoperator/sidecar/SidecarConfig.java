package io.qemuoperator.sidecar;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * How the sidecar is started: where QEMU's QMP socket is, where to listen, where the bearer token
 * is, which guarded commands are allowed, and where the guest's serial console and its log are
 * (optional: without them the console endpoints answer 404), and where QEMU's socket of the guest
 * agent's virtio-serial port is (optional: without it {@code /v1/state} has no {@code guestAgent}),
 * and how long QEMU may leave a QMP question unanswered before {@code /readyz} says so.
 *
 * <p>Every flag has an environment variable as an alternative; a flag wins over its variable.
 */
public record SidecarConfig(
    Path qmpSocket,
    InetSocketAddress listen,
    Path tokenFile,
    Set<String> allowedGuardedCommands,
    int maxBodyBytes,
    Optional<Path> consoleSocket,
    Optional<Path> consoleLog,
    long consoleLogMaxBytes,
    Optional<Path> guestAgentSocket,
    Duration unresponsiveAfter) {

  /** Request bodies larger than this are refused with 413. */
  public static final int DEFAULT_MAX_BODY_BYTES = 64 * 1024;

  /** {@code /readyz} answers 503 once QEMU has left a QMP question unanswered this long. */
  public static final Duration DEFAULT_UNRESPONSIVE_AFTER = Duration.ofSeconds(10);

  /** The console log is rotated past this size (it and its previous part: twice that at most). */
  public static final long DEFAULT_CONSOLE_LOG_MAX_BYTES = 1024 * 1024;

  private static final Set<String> FLAGS =
      Set.of(
          "qmp",
          "listen",
          "token-file",
          "allow",
          "max-body-bytes",
          "console",
          "console-log",
          "console-log-max-bytes",
          "guest-agent",
          "unresponsive-after");

  public static final String USAGE =
      """
      usage: java -jar qmp-sidecar.jar --qmp PATH --listen HOST:PORT --token-file FILE \
      [--allow CMD[,CMD...]] [--max-body-bytes N] [--console PATH] [--console-log FILE \
      [--console-log-max-bytes N]] [--guest-agent PATH] [--unresponsive-after SECONDS]

        --qmp PATH            QEMU's QMP unix socket            (env QMP_SOCKET)
        --listen HOST:PORT    address of the HTTP API           (env LISTEN, default 0.0.0.0:9443)
        --token-file FILE     file holding the bearer token     (env TOKEN_FILE)
        --allow CMDS          guarded commands to enable, comma-separated: memsave, pmemsave,
                              human-monitor-command, qom-set, quit (env ALLOW_COMMANDS)
        --max-body-bytes N    request body cap, default 65536   (env MAX_BODY_BYTES)
        --console PATH        QEMU's serial console unix socket (env CONSOLE_SOCKET)
        --console-log FILE    QEMU's serial console log file    (env CONSOLE_LOG)
        --console-log-max-bytes N  rotate the console log past N bytes, default 1048576
                              (env CONSOLE_LOG_MAX_BYTES)
        --guest-agent PATH    QEMU's socket of the guest agent's virtio-serial port
                              (org.qemu.guest_agent.0): /v1/state reports the agent
                              (env GUEST_AGENT_SOCKET)
        --unresponsive-after SECONDS  /readyz answers 503 once QEMU has left the sidecar's
                              QMP probe (every second) unanswered this long, default 10
                              (env UNRESPONSIVE_AFTER)
      """;

  /** Without the console: its endpoints answer 404. */
  public SidecarConfig(
      Path qmpSocket,
      InetSocketAddress listen,
      Path tokenFile,
      Set<String> allowedGuardedCommands,
      int maxBodyBytes) {
    this(
        qmpSocket,
        listen,
        tokenFile,
        allowedGuardedCommands,
        maxBodyBytes,
        Optional.empty(),
        Optional.empty(),
        DEFAULT_CONSOLE_LOG_MAX_BYTES,
        Optional.empty(),
        DEFAULT_UNRESPONSIVE_AFTER);
  }

  /** This configuration with the serial console's socket and log. */
  public SidecarConfig withConsole(Path socket, Path log, long logMaxBytes) {
    return new SidecarConfig(
        qmpSocket,
        listen,
        tokenFile,
        allowedGuardedCommands,
        maxBodyBytes,
        Optional.of(socket),
        Optional.of(log),
        logMaxBytes,
        guestAgentSocket,
        unresponsiveAfter);
  }

  /** This configuration with QEMU's socket of the guest agent's port. */
  public SidecarConfig withGuestAgent(Path socket) {
    return new SidecarConfig(
        qmpSocket,
        listen,
        tokenFile,
        allowedGuardedCommands,
        maxBodyBytes,
        consoleSocket,
        consoleLog,
        consoleLogMaxBytes,
        Optional.of(socket),
        unresponsiveAfter);
  }

  /** This configuration with another threshold of QEMU's unresponsiveness. */
  public SidecarConfig withUnresponsiveAfter(Duration after) {
    return new SidecarConfig(
        qmpSocket,
        listen,
        tokenFile,
        allowedGuardedCommands,
        maxBodyBytes,
        consoleSocket,
        consoleLog,
        consoleLogMaxBytes,
        guestAgentSocket,
        after);
  }

  public SidecarConfig {
    allowedGuardedCommands = Set.copyOf(allowedGuardedCommands);
    if (unresponsiveAfter.isNegative() || unresponsiveAfter.isZero()) {
      throw new IllegalArgumentException("unresponsiveAfter must be positive");
    }
  }

  /**
   * Reads flags, then environment variables; throws {@link IllegalArgumentException} naming what is
   * wrong.
   */
  public static SidecarConfig parse(String[] args, Map<String, String> env) {
    var values = new java.util.HashMap<String, String>();
    putIfPresent(values, "qmp", env.get("QMP_SOCKET"));
    putIfPresent(values, "listen", env.get("LISTEN"));
    putIfPresent(values, "token-file", env.get("TOKEN_FILE"));
    putIfPresent(values, "allow", env.get("ALLOW_COMMANDS"));
    putIfPresent(values, "max-body-bytes", env.get("MAX_BODY_BYTES"));
    putIfPresent(values, "console", env.get("CONSOLE_SOCKET"));
    putIfPresent(values, "console-log", env.get("CONSOLE_LOG"));
    putIfPresent(values, "console-log-max-bytes", env.get("CONSOLE_LOG_MAX_BYTES"));
    putIfPresent(values, "guest-agent", env.get("GUEST_AGENT_SOCKET"));
    putIfPresent(values, "unresponsive-after", env.get("UNRESPONSIVE_AFTER"));
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument '" + arg + "'");
      }
      String name = arg.substring(2);
      String value;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        throw new IllegalArgumentException("flag --" + name + " needs a value");
      }
      if (!FLAGS.contains(name)) {
        throw new IllegalArgumentException("unknown flag --" + name);
      }
      values.put(name, value);
    }
    String qmp = require(values, "qmp", "QMP_SOCKET");
    String token = require(values, "token-file", "TOKEN_FILE");
    InetSocketAddress listen = parseListen(values.getOrDefault("listen", "0.0.0.0:9443"));
    Set<String> allowed = parseAllowed(values.getOrDefault("allow", ""));
    int maxBody = parseMaxBody(values.getOrDefault("max-body-bytes", "" + DEFAULT_MAX_BODY_BYTES));
    long logMax =
        parseLogMax(
            values.getOrDefault("console-log-max-bytes", "" + DEFAULT_CONSOLE_LOG_MAX_BYTES));
    return new SidecarConfig(
        Path.of(qmp),
        listen,
        Path.of(token),
        allowed,
        maxBody,
        Optional.ofNullable(values.get("console")).map(Path::of),
        Optional.ofNullable(values.get("console-log")).map(Path::of),
        logMax,
        Optional.ofNullable(values.get("guest-agent")).map(Path::of),
        parseUnresponsiveAfter(
            values.getOrDefault(
                "unresponsive-after", "" + DEFAULT_UNRESPONSIVE_AFTER.toSeconds())));
  }

  private static Duration parseUnresponsiveAfter(String value) {
    try {
      long seconds = Long.parseLong(value);
      if (seconds < 1 || seconds > 3600) {
        throw new IllegalArgumentException(
            "--unresponsive-after must be between 1 and 3600 seconds, got " + seconds);
      }
      return Duration.ofSeconds(seconds);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "--unresponsive-after must be a number of seconds, got '" + value + "'");
    }
  }

  private static long parseLogMax(String value) {
    try {
      long n = Long.parseLong(value);
      if (n < 4096) {
        throw new IllegalArgumentException(
            "--console-log-max-bytes must be at least 4096, got " + n);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "--console-log-max-bytes must be a number, got '" + value + "'");
    }
  }

  private static void putIfPresent(Map<String, String> values, String key, String value) {
    if (value != null && !value.isBlank()) {
      values.put(key, value.strip());
    }
  }

  private static String require(Map<String, String> values, String flag, String env) {
    String value = values.get(flag);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("missing --" + flag + " (or env " + env + ")");
    }
    return value;
  }

  static InetSocketAddress parseListen(String value) {
    int colon = value.lastIndexOf(':');
    if (colon <= 0 || colon == value.length() - 1) {
      throw new IllegalArgumentException("--listen must be HOST:PORT, got '" + value + "'");
    }
    String host = value.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(value.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--listen port must be a number, got '" + value + "'");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("--listen port must be 0..65535, got " + port);
    }
    return new InetSocketAddress(host, port);
  }

  private static Set<String> parseAllowed(String value) {
    var allowed = new LinkedHashSet<String>();
    Arrays.stream(value.split(","))
        .map(String::strip)
        .filter(s -> !s.isEmpty())
        .forEach(
            name -> {
              if (!CommandPolicy.GUARDED.contains(name)) {
                throw new IllegalArgumentException(
                    "--allow: '"
                        + name
                        + "' is not a guarded command; guarded commands are "
                        + CommandPolicy.GUARDED);
              }
              allowed.add(name);
            });
    return allowed;
  }

  private static int parseMaxBody(String value) {
    try {
      int n = Integer.parseInt(value);
      if (n < 1024) {
        throw new IllegalArgumentException("--max-body-bytes must be at least 1024, got " + n);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--max-body-bytes must be a number, got '" + value + "'");
    }
  }
}
