package io.qemuoperator.sidecar.importer;

import io.qemuoperator.sidecar.BearerToken;
import io.qemuoperator.sidecar.ImportProgressServer;
import io.qemuoperator.sidecar.api.ImportProgress;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code qmp-sidecar import [--termination-log FILE] [--listen HOST:PORT --token-file FILE] --disk
 * NAME --dir DIR --url URL [--sha256 HEX] --size BYTES [--disk ...]}: the VM pod's init container.
 * Imports each disk in turn ({@link ImageImport}), printing progress and, with {@code --listen},
 * serving it as {@code GET /v1/import} behind the token of {@code --token-file} ({@link
 * ImportProgressServer}: the sidecar's address and port, which the sidecar takes once the import is
 * done; a port it cannot bind costs the progress, never the import); exits 0 when every disk has
 * its image or a verified source, 1 with the reason when one cannot be imported (also written to
 * the termination log, default {@code /dev/termination-log}, which Kubernetes reports in the
 * container's status), 2 on bad arguments.
 */
public final class ImportMain {
  static final String USAGE =
      """
      usage: qmp-sidecar import [--termination-log FILE] [--listen HOST:PORT --token-file FILE] \
      --disk NAME --dir DIR --url URL [--sha256 HEX] --size BYTES [--disk NAME ...]
      """;

  /** Kubernetes' default terminationMessagePath; its limit is 4096 bytes. */
  static final Path TERMINATION_LOG = Path.of("/dev/termination-log");

  private static final int TERMINATION_MESSAGE_LIMIT = 4096;

  private ImportMain() {}

  /**
   * The arguments: the termination log, where to serve the progress and the token file (both or
   * neither), and the imports in order.
   */
  record Arguments(
      Path terminationLog,
      Optional<InetSocketAddress> listen,
      Optional<Path> tokenFile,
      List<ImageImport> imports) {}

  public static void main(String[] args) throws InterruptedException {
    Arguments arguments;
    try {
      arguments = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("qmp-sidecar import: " + e.getMessage());
      System.err.print(USAGE);
      System.exit(2);
      return;
    }
    System.exit(run(arguments));
  }

  static int run(Arguments arguments) throws InterruptedException {
    var board = new ImportBoard(arguments.imports(), Clock.systemUTC());
    ImportProgressServer server = serve(arguments, board);
    try {
      return run(arguments, board);
    } finally {
      if (server != null) {
        server.close();
      }
    }
  }

  /** The progress server, or null (nothing asked for, or the port not to be had). */
  private static ImportProgressServer serve(Arguments arguments, ImportBoard board) {
    if (arguments.listen().isEmpty() || arguments.tokenFile().isEmpty()) {
      return null;
    }
    try {
      return ImportProgressServer.start(
          arguments.listen().get(),
          BearerToken.fromFile(arguments.tokenFile().get()),
          board::progress);
    } catch (IOException | IllegalArgumentException e) {
      System.err.println(
          "qmp-sidecar import: progress not served on "
              + arguments.listen().get()
              + ": "
              + e.getMessage());
      return null;
    }
  }

  private static int run(Arguments arguments, ImportBoard board) throws InterruptedException {
    var messages = new ArrayList<String>();
    ImageImport current = null;
    try (HttpClient http =
        HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NORMAL)
            .connectTimeout(Duration.ofSeconds(30))
            .build()) {
      for (ImageImport image : arguments.imports()) {
        current = image;
        System.out.println("disk " + image.disk() + ": importing " + image.shown());
        board.started(image.disk());
        ImageImport.Outcome outcome = image.run(http, new ProgressLine(image.disk(), board));
        board.phase(image.disk(), ImportProgress.DONE);
        System.out.println(outcome.message());
        messages.add(outcome.message());
      }
    } catch (IOException e) {
      if (current != null) {
        board.phase(current.disk(), ImportProgress.FAILED);
      }
      String message = e.getMessage();
      System.err.println("qmp-sidecar import: " + message);
      terminationMessage(arguments.terminationLog(), message);
      return 1;
    }
    terminationMessage(arguments.terminationLog(), String.join("\n", messages));
    return 0;
  }

  static Arguments parse(String[] args) {
    Path terminationLog = TERMINATION_LOG;
    InetSocketAddress listen = null;
    Path tokenFile = null;
    var imports = new ArrayList<ImageImport>();
    Draft draft = null;
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(flag + " needs a value");
      }
      String value = args[++i];
      switch (flag) {
        case "--termination-log" -> terminationLog = Path.of(value);
        case "--listen" -> listen = address(value);
        case "--token-file" -> tokenFile = Path.of(value);
        case "--disk" -> {
          if (draft != null) {
            imports.add(draft.build());
          }
          draft = new Draft(value);
        }
        case "--dir", "--url", "--sha256", "--size" -> {
          if (draft == null) {
            throw new IllegalArgumentException(flag + " before --disk");
          }
          draft.set(flag, value);
        }
        default -> throw new IllegalArgumentException("unknown flag " + flag);
      }
    }
    if (draft != null) {
      imports.add(draft.build());
    }
    if (imports.isEmpty()) {
      throw new IllegalArgumentException("no --disk to import");
    }
    if ((listen == null) != (tokenFile == null)) {
      throw new IllegalArgumentException("--listen and --token-file go together");
    }
    return new Arguments(
        terminationLog,
        Optional.ofNullable(listen),
        Optional.ofNullable(tokenFile),
        List.copyOf(imports));
  }

  private static InetSocketAddress address(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    try {
      if (colon < 0) {
        throw new NumberFormatException();
      }
      String host = hostPort.substring(0, colon).replace("[", "").replace("]", "");
      return new InetSocketAddress(host, Integer.parseInt(hostPort.substring(colon + 1)));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--listen: not HOST:PORT: " + hostPort);
    }
  }

  /** Best effort: a node without the file (a test, a shell) still gets the message on stderr. */
  private static void terminationMessage(Path file, String message) {
    byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > TERMINATION_MESSAGE_LIMIT) {
      message = new String(bytes, 0, TERMINATION_MESSAGE_LIMIT - 3, StandardCharsets.UTF_8) + "...";
    }
    try {
      Files.writeString(file, message);
    } catch (IOException | SecurityException e) {
      System.err.println("qmp-sidecar import: cannot write " + file + ": " + e.getMessage());
    }
  }

  /** One {@code --disk} group while it is read. */
  private static final class Draft {
    private final String disk;
    private Path dir;
    private URI url;
    private String sha256;
    private Long size;

    Draft(String disk) {
      this.disk = disk;
    }

    void set(String flag, String value) {
      switch (flag) {
        case "--dir" -> dir = Path.of(value);
        case "--url" -> {
          try {
            url = new URI(value);
          } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--url of disk " + disk + ": " + e.getMessage());
          }
        }
        case "--sha256" -> {
          if (!value.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException(
                "--sha256 of disk " + disk + ": not 64 lower-case hex digits");
          }
          sha256 = value;
        }
        case "--size" -> {
          try {
            size = Long.parseLong(value);
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--size of disk " + disk + ": not a number");
          }
        }
        default -> throw new IllegalArgumentException("unknown flag " + flag);
      }
    }

    ImageImport build() {
      if (dir == null || url == null || size == null) {
        throw new IllegalArgumentException("disk " + disk + " needs --dir, --url and --size");
      }
      return new ImageImport(disk, dir, url, Optional.ofNullable(sha256), size);
    }
  }

  /**
   * Tells the board every step, and prints a progress line at most once a second, and at the end of
   * a known total.
   */
  private static final class ProgressLine implements ImageImport.Progress {
    private final String disk;
    private final ImportBoard board;
    private long lastPrinted;

    ProgressLine(String disk, ImportBoard board) {
      this.disk = disk;
      this.board = board;
    }

    @Override
    public void verifying() {
      board.phase(disk, ImportProgress.VERIFYING);
    }

    @Override
    public void at(long bytes, long total) {
      board.fetched(disk, bytes, total);
      long now = System.nanoTime();
      if (now - lastPrinted < 1_000_000_000L && bytes != total) {
        return;
      }
      lastPrinted = now;
      System.out.println(
          total > 0
              ? "disk %s: %d of %d bytes (%d%%)".formatted(disk, bytes, total, bytes * 100 / total)
              : "disk %s: %d bytes".formatted(disk, bytes));
    }
  }
}
