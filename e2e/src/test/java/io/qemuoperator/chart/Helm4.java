package io.qemuoperator.chart;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The real {@code helm} 4 binary, as users run it: from {@code HELM} when set (what {@code
 * qo_ensure_helm} in hack/tools.sh exports), else provided by running {@code qo_ensure_helm}. Every
 * command runs against one kubeconfig with Helm's cache, config and data in a private folder (the
 * user's own Helm settings are never read).
 */
public final class Helm4 {
  /** The Helm version the tests run (hack/tools.sh QO_HELM_VERSION). */
  static final String MAJOR = "v4.";

  /** What one command did. */
  public record Result(int exitCode, String stdout, String stderr) {
    public boolean ok() {
      return exitCode == 0;
    }

    /** stdout and stderr, for messages. */
    public String output() {
      return stdout + stderr;
    }
  }

  private final Path binary;
  private final Path kubeconfig;
  private final Path home;

  private Helm4(Path binary, Path kubeconfig, Path home) {
    this.binary = binary;
    this.kubeconfig = kubeconfig;
    this.home = home;
  }

  /** Helm 4 talking to the cluster of {@code kubeconfig}. */
  public static Helm4 forCluster(Path repoRoot, Path kubeconfig) {
    try {
      Path home = repoRoot.resolve("e2e/target/helm4-home");
      Files.createDirectories(home);
      return new Helm4(binary(repoRoot), kubeconfig, home);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs {@code helm ARGS...} (up to 2 minutes). */
  public Result run(String... args) {
    var command = new ArrayList<String>();
    command.add(binary.toString());
    command.addAll(List.of(args));
    var process = new ProcessBuilder(command);
    var env = process.environment();
    env.put("KUBECONFIG", kubeconfig.toString());
    env.put("HELM_CACHE_HOME", home.resolve("cache").toString());
    env.put("HELM_CONFIG_HOME", home.resolve("config").toString());
    env.put("HELM_DATA_HOME", home.resolve("data").toString());
    env.put("NO_COLOR", "1");
    process.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    return exec(process, "helm " + String.join(" ", args));
  }

  private static Path binary(Path repoRoot) {
    String fromEnv = System.getenv("HELM");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return Path.of(fromEnv);
    }
    var ensure =
        new ProcessBuilder(
                "bash", "-c", "source hack/tools.sh && qo_ensure_helm >&2 && printf %s \"$HELM\"")
            .directory(repoRoot.toFile());
    Result result = exec(ensure, "qo_ensure_helm");
    if (!result.ok()) {
      throw new IllegalStateException("qo_ensure_helm failed: " + result.stderr());
    }
    return Path.of(result.stdout().strip());
  }

  private static Result exec(ProcessBuilder builder, String what) {
    try {
      Process process = builder.start();
      CompletableFuture<String> stderr =
          CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
      String stdout = readAll(process.getInputStream());
      if (!process.waitFor(2, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new IllegalStateException(what + " took longer than 2 minutes");
      }
      return new Result(process.exitValue(), stdout, stderr.join());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String readAll(java.io.InputStream in) {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
