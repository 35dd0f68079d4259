package io.qemuoperator.kubectl;

import io.qemuoperator.sidecar.api.SidecarPaths;
import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Prints a VM's serial console log ({@code /v1/console/log}): its end, and with {@code follow} what
 * the guest writes next, read every {@link #POLL} from the position the previous answer ended at
 * (across the sidecar's rotations of the log), until interrupted.
 */
public final class ConsoleLogs {
  public static final Duration POLL = Duration.ofMillis(500);

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final PrintStream out;
  private final PrintStream err;

  public ConsoleLogs(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  /** Prints the last {@code bytes} bytes, then follows when asked; exit code. */
  public int run(String vm, SidecarEndpoint sidecar, long bytes, boolean follow)
      throws InterruptedException {
    try {
      long end = print(vm, sidecar, SidecarPaths.consoleLog(bytes));
      while (follow) {
        Thread.sleep(POLL);
        // a new sidecar counts positions from scratch: its end is then below ours, and following
        // goes on from there (what the guest wrote while no sidecar ran is in the log, not shown)
        end = print(vm, sidecar, SidecarPaths.consoleLogFrom(end));
      }
      return ConsoleAttach.OK;
    } catch (IOException e) {
      err.println("error: cannot read the console log of " + vm + ": " + e.getMessage());
      return ConsoleAttach.FAILED;
    }
  }

  /** Prints one answer; returns the position after it ({@code Console-Log-End}). */
  private long print(String vm, SidecarEndpoint sidecar, String path)
      throws IOException, InterruptedException {
    HttpResponse<byte[]> response =
        http.send(
            HttpRequest.newBuilder(sidecar.http(path))
                .header("Authorization", sidecar.authorization())
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() != 200) {
      throw new IOException(
          "the sidecar answered "
              + response.statusCode()
              + ": "
              + new String(response.body(), java.nio.charset.StandardCharsets.UTF_8));
    }
    out.write(response.body(), 0, response.body().length);
    out.flush();
    return Long.parseLong(response.headers().firstValue(SidecarPaths.CONSOLE_LOG_END).orElse("0"));
  }
}
