package io.qemuoperator.local;

import static io.qemuoperator.local.E2eCluster.isTrue;
import static org.assertj.core.api.Assertions.assertThat;

import io.qemuoperator.api.v1alpha1.status.QemuVMPhase;
import io.qemuoperator.operator.reconcile.Conditions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The operator when QEMU stops answering (issue 18): QEMU frozen with SIGSTOP when the spec asks
 * for a pause. The operator acts only on what it observed: while QEMU cannot be read, status says
 * it is not reached and nothing is sent; once QEMU answers again, exactly one {@code stop} reaches
 * it and status says Paused. (A {@code stop} whose answer never came, the sidecar's 504, is then
 * not sent again: {@code QemuVMReconcilerTest} shows it with a double that applies the command and
 * answers 504, which a real QEMU cannot be made to do on cue.)
 */
class OperatorUnderFaultsE2E extends OnRealApiServer {
  private static final Pattern STOPS =
      Pattern.compile(
          "^qmp_command_seconds_count\\{command=\"stop\",result=\"(\\w+)\"[^}]*\\} (\\S+)$",
          Pattern.MULTILINE);

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

  @Test
  void aPauseAskedOfAHungQemuIsSentOnceItAnswersAndOnlyOnce() throws Exception {
    e2e.create(e2e.vm("hung-1", s -> {}));
    e2e.await("hung-1", "Ready", vm -> isTrue(vm, Conditions.READY));
    ProcessHandle qemu = e2e.agent().qemu(e2e.namespace(), "hung-1-qemu");
    signal("STOP", qemu);
    try {
      e2e.edit("hung-1", s -> s.setPaused(true));
      e2e.await(
          "hung-1",
          "not Ready while QEMU does not answer",
          Duration.ofSeconds(90),
          vm -> !isTrue(vm, Conditions.READY));
    } finally {
      signal("CONT", qemu);
    }
    e2e.await(
        "hung-1",
        "Paused once QEMU answers again",
        Duration.ofSeconds(90),
        vm -> vm.getStatus().getPhase() == QemuVMPhase.Paused);
    try (var qmp = e2e.observer("hung-1")) {
      assertThat(qmp.runState()).isEqualTo("paused");
    }
    // a few more passes (events, the resync of the status) send nothing more
    Thread.sleep(3000); // the span in which a repeated stop would have been sent
    assertThat(stopsSent()).as("stop commands the sidecar sent to QEMU in all").isOne();
  }

  /** How many {@code stop} commands the VM's sidecar sent to QEMU, whatever their result. */
  private long stopsSent() throws Exception {
    var pod = e2e.client().pods().inNamespace(e2e.namespace()).withName("hung-1-qemu").get();
    int port = io.qemuoperator.kubectl.VmSidecar.port(pod);
    String body =
        http.send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://" + pod.getStatus().getPodIP() + ":" + port + "/metrics"))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    long stops = 0;
    Matcher m = STOPS.matcher(body);
    while (m.find()) {
      stops += (long) Double.parseDouble(m.group(2));
    }
    return stops;
  }

  private static void signal(String signal, ProcessHandle process) throws Exception {
    assertThat(
            new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
                .start()
                .waitFor())
        .isZero();
  }
}
