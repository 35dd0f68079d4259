package io.qemuoperator.sidecar.importer;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code qmp-sidecar import [--termination-log FILE] --disk NAME --dir DIR --url URL [--sha256 HEX]
 * --size BYTES [--disk ...]}: the VM pod's init container. Imports each disk in turn ({@link
 * ImageImport}), printing progress; exits 0 when every disk has its image or a verified source, 1
 * with the reason when one cannot be imported (also written to the termination log, default {@code
 * /dev/termination-log}, which Kubernetes reports in the container's status), 2 on bad arguments.
 */
public final class ImportMain {
  static final String USAGE =
      """
      usage: qmp-sidecar import [--termination-log FILE] --disk NAME --dir DIR --url URL \
      [--sha256 HEX] --size BYTES [--disk NAME ...]
      """;

  /** Kubernetes' default terminationMessagePath; its limit is 4096 bytes. */
  static final Path TERMINATION_LOG = Path.of("/dev/termination-log");

  private static final int TERMINATION_MESSAGE_LIMIT = 4096;

  private ImportMain() {}

  /** The arguments: the termination log, and the imports in order. */
  record Arguments(Path terminationLog, List<ImageImport> imports) {}

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
    var messages = new ArrayList<String>();
    try (HttpClient http =
        HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NORMAL)
            .connectTimeout(Duration.ofSeconds(30))
            .build()) {
      for (ImageImport image : arguments.imports()) {
        System.out.println("disk " + image.disk() + ": importing " + image.shown());
        ImageImport.Outcome outcome = image.run(http, new ProgressLine(image.disk()));
        System.out.println(outcome.message());
        messages.add(outcome.message());
      }
    } catch (IOException e) {
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
    return new Arguments(terminationLog, List.copyOf(imports));
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

  /** Prints a progress line at most once a second, and at the end of a known total. */
  private static final class ProgressLine implements ImageImport.Progress {
    private final String disk;
    private long lastPrinted;

    ProgressLine(String disk) {
      this.disk = disk;
    }

    @Override
    public void at(long bytes, long total) {
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
