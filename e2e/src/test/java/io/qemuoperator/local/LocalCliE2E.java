package io.qemuoperator.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.qemuoperator.testing.RepoFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The README's run command and the other subcommands, run in this JVM on real QEMU: {@code up}
 * starts its own local cluster, the other commands reach it through the state file.
 */
@ExtendWith(LogScan.class)
class LocalCliE2E {
  static final Path EXAMPLES = Path.of("..", "examples");
  private Path state;
  private Map<String, String> env;

  @BeforeEach
  void stateFile() throws Exception {
    state = Files.createTempDirectory("qo-cli-").resolve("local-cluster");
    env = new HashMap<>(System.getenv());
    env.put("QEMU_OPERATOR_LOCAL_STATE", state.toString());
  }

  @AfterEach
  void noQemuLeft() {
    Awaitility.await("every QEMU of the test ended")
        .atMost(Duration.ofSeconds(10))
        .until(() -> qemuChildren().isEmpty());
  }

  private static List<ProcessHandle> qemuChildren() {
    return ProcessHandle.current()
        .descendants()
        .filter(p -> p.isAlive() && p.info().command().orElse("").contains("qemu-system"))
        .toList();
  }

  /** Output and exit code of one command. */
  private CliRun cli(String... args) {
    return CliRun.of(env, args);
  }

  @Test
  void upUntilReadyRunsEveryExampleToItsDeclaredState() throws Exception {
    int examples = Manifests.load(EXAMPLES).size();
    CliRun run =
        cli("up", "-f", EXAMPLES.toString(), "--until-ready", "--timeout", "150s", "--no-tty");

    assertThat(run.code()).as(run.out() + run.err()).isZero();
    assertThat(run.out()).contains("all " + examples + " VMs are Ready");
    assertThat(run.out().lines().findFirst().orElseThrow())
        .matches("NAME +PHASE +RUNSTATE +CPUS +MEMORY +AGE");
    List<String> last = lastRows(run.out());
    assertThat(last)
        .anyMatch(l -> l.matches("basic +Running +running +1 +128Mi +\\d+s"))
        // created paused, QEMU never ran: prelaunch
        .anyMatch(l -> l.matches("paused +Paused +prelaunch +1 +128Mi +\\d+s"))
        .anyMatch(l -> l.matches("balloon-two-disks +Running +running +2 +256Mi +\\d+s"))
        .anyMatch(l -> l.matches("migration-tuning +Running +running +1 +128Mi +\\d+s"))
        // booted from the test guest's imported disk; Ready once its web server answers the probe
        .anyMatch(l -> l.matches("imported-image +Running +running +1 +256Mi +\\d+s"));
    assertThat(run.err()).contains("qemuvm/basic created", "Fabric8 mock, CRUD");
    assertThat(state).doesNotExist();
  }

  /** The latest printed row of each VM (rows are printed when they change). */
  private static List<String> lastRows(String out) {
    Map<String, String> rows = new HashMap<>();
    out.lines()
        .filter(l -> !l.startsWith("NAME") && l.contains("  "))
        .forEach(l -> rows.put(l.substring(0, l.indexOf(' ')), l));
    return List.copyOf(rows.values());
  }

  @Test
  void getApplyDescribeAndDeleteTalkToTheClusterOfUp() throws Exception {
    CompletableFuture<CliRun> up = new CompletableFuture<>();
    Thread upThread =
        new Thread(
            () ->
                up.complete(cli("up", "-f", EXAMPLES.resolve("basic.yaml").toString(), "--no-tty")),
            "cli-up");
    upThread.start();
    Awaitility.await("up wrote its state file")
        .atMost(Duration.ofSeconds(30))
        .until(() -> Files.exists(state));
    assertThat(Files.readString(state)).contains("server=http://");

    Awaitility.await("basic is Running")
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> cli("get").out().lines().anyMatch(l -> l.matches("basic +Running +running.*")));

    CliRun invalid =
        cli(
            "apply",
            "-f",
            RepoFiles.file("local-cluster/src/test/resources/invalid/balloon-above-memory.yaml")
                .toString());
    assertThat(invalid.code()).isEqualTo(LocalCli.USAGE);
    assertThat(invalid.err())
        .contains("nothing applied", "spec.balloon: must not exceed memory (1Gi > 128Mi)");
    assertThat(cli("get").out()).doesNotContain("balloon-above-memory");

    CliRun applied = cli("apply", "-f", EXAMPLES.resolve("paused.yaml").toString());
    assertThat(applied.code()).isZero();
    assertThat(applied.out()).contains("qemuvm/paused created");

    CliRun described = cli("describe", "basic");
    assertThat(described.code()).as(described.err()).isZero();
    assertThat(described.out())
        .contains("Name:       basic", "cpus: 1", "phase: \"Running\"", "Conditions:", "Events:")
        .containsPattern("Ready +True +Running")
        .containsPattern("Normal +Resumed");

    CliRun restarted = cli("restart", "basic", "--until-ready", "--timeout", "90s");
    assertThat(restarted.code()).as(restarted.out() + restarted.err()).isZero();
    assertThat(restarted.out())
        .contains("qemuvm/basic restart requested (qemu-operator.io/restartedAt=")
        .contains("qemuvm/basic restarted and Ready");
    assertThat(cli("describe", "basic").out())
        .containsPattern("Normal +PowerdownRequested")
        .contains("restarting to apply: a restart was requested");
    assertThat(cli("restart", "nope").code()).isEqualTo(LocalCli.NOT_READY);

    CliRun deleted = cli("delete", "basic");
    assertThat(deleted.code()).as(deleted.err()).isZero();
    assertThat(deleted.out()).contains("qemuvm/basic deleted");
    assertThat(cli("get").out()).doesNotContain("basic ");
    assertThat(cli("describe", "basic").code()).isEqualTo(LocalCli.NOT_READY);

    upThread.interrupt(); // stands for Ctrl-C: up stops watching and closes its cluster
    CliRun stopped = up.get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(stopped.out()).startsWith("NAME ").containsPattern("(?m)^basic +\\w+");
    assertThat(state).doesNotExist();
  }

  @Test
  void upUntilReadyTimesOutWithEachVmsReason() {
    CliRun run =
        cli(
            "up",
            "-f",
            EXAMPLES.resolve("basic.yaml").toString(),
            "--until-ready",
            // no VM can be Ready at once (its QEMU has to start): the deadline passes whatever the
            // machine's speed (a 1 s timeout was met by a fast start, and the test failed)
            "--timeout",
            "0s",
            "--no-tty");

    assertThat(run.code()).isEqualTo(LocalCli.NOT_READY);
    assertThat(run.out())
        .contains("not every VM became Ready within 0s:")
        .containsPattern("  basic: (Ready=False \\w+: .+|no status yet.*)");
  }
}
