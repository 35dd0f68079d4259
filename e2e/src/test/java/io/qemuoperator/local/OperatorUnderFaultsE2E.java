package io.qemuoperator.local;

import static io.qemuoperator.local.E2eCluster.MIB;
import static io.qemuoperator.local.E2eCluster.isTrue;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Quantity;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.status.QemuVMPhase;
import io.qemuoperator.e2e.RealApiServer;
import io.qemuoperator.operator.pod.VmResources;
import io.qemuoperator.operator.reconcile.Conditions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The operator under faults (issue 18), each scenario on the real API server with real QEMU and
 * real sidecars; what QEMU ran is counted by QEMU itself ({@link QmpTrace}) or by the sidecar.
 *
 * <ul>
 *   <li>QEMU frozen with SIGSTOP when the spec asks for a pause. The operator acts only on what it
 *       observed: while QEMU cannot be read, status says it is not reached and nothing is sent;
 *       once QEMU answers again, exactly one {@code stop} reaches it and status says Paused. (A
 *       {@code stop} whose answer never came, the sidecar's 504, is then not sent again: {@code
 *       QemuVMReconcilerTest} shows it with a double that applies the command and answers 504,
 *       which a real QEMU cannot be made to do on cue.)
 *   <li>The sidecar killed (SIGKILL) while the operator's {@code stop} is in it: QEMU is frozen the
 *       moment the operator sends it ({@link ActionFault}), so no answer can come. The node agent
 *       starts the sidecar again (restartPolicy Always); the operator reads QEMU before it sends
 *       anything again, and QEMU runs {@code stop} once in all, whether or not it ran the one the
 *       dead sidecar had written to its socket.
 *   <li>kube-apiserver killed under the running operator and started again 10 s later: QEMU runs on
 *       untouched, the operator sends it nothing meanwhile, its informers watch again by themselves
 *       and a spec change made afterwards reaches QEMU.
 * </ul>
 */
class OperatorUnderFaultsE2E extends OnRealApiServer {
  private static final Pattern SILENCE =
      Pattern.compile("^qmp_silence_seconds(?:\\{[^}]*\\})? (\\S+)$", Pattern.MULTILINE);

  /** QMP commands that change QEMU; anything else the sidecar sends only reads. */
  private static final Pattern ACTION =
      Pattern.compile("qmp_enter_(?!query_|qom_get|qmp_capabilities)(\\w+)");

  private static final Pattern STOPS =
      Pattern.compile(
          "^qmp_command_seconds_count\\{command=\"stop\",result=\"(\\w+)\"[^}]*\\} (\\S+)$",
          Pattern.MULTILINE);

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

  private ActionFault fault;
  private RealApiServer server;

  /** The operator's sidecar client wrapped so that a scenario can strike as the operator acts. */
  @Override
  E2eCluster cluster(RealApiServer server) throws Exception {
    this.server = server;
    return E2eCluster.onRealApiServer(server, sidecar -> fault = new ActionFault(sidecar));
  }

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
    assertThat(stopsSent("hung-1")).as("stop commands the sidecar sent to QEMU in all").isOne();
  }

  @Test
  void aSidecarKilledWithAStopInItIsStartedAgainAndQemuStopsOnceInAll() throws Exception {
    String vm = "killed-1";
    String pod = vm + "-qemu";
    e2e.create(e2e.vm(vm, s -> {}));
    e2e.await(vm, "Ready", v -> isTrue(v, Conditions.READY));
    try (var observer = e2e.observer(vm)) {
      QmpTrace trace =
          QmpTrace.enable(
              observer,
              e2e.agent().qemuLog(e2e.namespace(), pod),
              "qmp_enter_stop",
              "qmp_enter_cont",
              "qmp_enter_balloon",
              "qmp_enter_block_resize",
              "handle_qmp_command");
      // what the VM was told before the fault, and must keep
      e2e.edit(
          vm,
          s -> {
            s.getDisks().getFirst().setSize(new Quantity("96Mi"));
            s.setBalloon(new Quantity("96Mi"));
          });
      e2e.await(vm, "disk grown, balloon set, in sync", v -> grownAndBallooned(v) && synced(v));

      ProcessHandle qemu = e2e.agent().qemu(e2e.namespace(), pod);
      ProcessHandle sidecar = e2e.agent().sidecar(e2e.namespace(), pod).orElseThrow();
      String instance = e2e.get(vm).getStatus().getSidecarInstance();
      fault.arm("stop", () -> signalUnchecked("STOP", qemu));
      e2e.edit(vm, s -> s.setPaused(true));
      try {
        assertThat(fault.awaitStruck(Duration.ofSeconds(90)))
            .as("the operator sends stop for the pause")
            .isTrue();
        // QEMU frozen as the stop left the operator: the sidecar has it and can get no answer.
        // Two seconds of QEMU's silence on the sidecar's probe, and it has long written the stop.
        Awaitility.await("QEMU silent for the sidecar")
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(200))
            .until(() -> qmpSilence(vm) >= 2);
        signal("KILL", sidecar);
        sidecar.onExit().get(10, TimeUnit.SECONDS);
      } finally {
        signal("CONT", qemu);
      }
      e2e.await(
          vm,
          "Paused, Ready and Synced with a new sidecar",
          Duration.ofSeconds(120),
          v ->
              v.getStatus().getPhase() == QemuVMPhase.Paused
                  && synced(v)
                  && isTrue(v, Conditions.READY)
                  && isTrue(v, Conditions.PAUSED)
                  && isTrue(v, Conditions.SIDECAR_CONNECTED)
                  && !instance.equals(v.getStatus().getSidecarInstance()));
      assertThat(observer.runState()).isEqualTo("paused");
      // one more pass after the fault, on a spec change that asks nothing of QEMU
      e2e.edit(vm, s -> s.setTerminationGracePeriodSeconds(3L));
      QemuVM after = e2e.await(vm, "the next spec in sync", OperatorUnderFaultsE2E::synced);

      assertThat(e2e.agent().sidecar(e2e.namespace(), pod))
          .as("the sidecar runs again (restartPolicy Always)")
          .hasValueSatisfying(p -> assertThat(p.pid()).isNotEqualTo(sidecar.pid()));
      assertThat(sidecarRestarts(pod)).as("the sidecar container's restartCount").isOne();
      assertThat(trace.ran("stop")).as("stop commands QEMU ran in all").isOne();
      assertThat(trace.ran("cont")).as("cont commands QEMU ran").isZero();
      assertThat(trace.ran("block_resize")).as("block_resize commands QEMU ran").isOne();
      assertThat(trace.ran("balloon")).as("balloon commands QEMU ran").isOne();
      assertThat(grownAndBallooned(after)).as("status keeps the disk and balloon").isTrue();
      assertThat(e2e.eventReasons(vm))
          .as("Warning Events for the stop whose outcome was unknown")
          .filteredOn("QmpError"::equals)
          .hasSize(1);
      assertThat(
              observer
                  .execute("query-block", null)
                  .at("/return/0/inserted/image/virtual-size")
                  .asLong())
          .isEqualTo(96 * MIB);

      // the operator read QEMU before it sent anything again, and sent a stop only if QEMU ran
      List<String> calls = fault.callsSinceFault();
      assertThat(calls)
          .as("calls since the fault")
          .startsWith("sent stop", "stop failed Unreachable");
      List<String> afterFault = calls.subList(2, calls.size());
      int firstRead =
          IntStream.range(0, afterFault.size())
              .filter(i -> afterFault.get(i).matches("state (?!failed).*"))
              .findFirst()
              .orElseThrow(() -> new AssertionError("QEMU never read again: " + calls));
      List<String> sent = afterFault.stream().filter(c -> c.startsWith("sent ")).toList();
      assertThat(afterFault.subList(0, firstRead))
          .as("calls before QEMU was read again: %s", calls)
          .noneMatch(c -> c.startsWith("sent "));
      boolean pausedWhenRead = afterFault.get(firstRead).equals("state paused");
      assertThat(sent)
          .as("commands after QEMU was read %s: %s", afterFault.get(firstRead), calls)
          .isEqualTo(pausedWhenRead ? List.of() : List.of("sent stop"));
      // which way it went, from QEMU's own trace: before the new sidecar's qmp_capabilities,
      // was the dead sidecar's stop read, and run?
      List<String> lines = trace.lines();
      List<String> beforeReconnect =
          lines.subList(0, Math.max(0, lastIndexOf(lines, "\"qmp_capabilities\"")));
      boolean read = lastIndexOf(beforeReconnect, "\"execute\": \"stop\"") >= 0;
      boolean ran = lastIndexOf(beforeReconnect, "qmp_enter_stop") >= 0;
      assertThat(ran)
          .as("QEMU ran the dead sidecar's stop: QEMU was paused when read")
          .isEqualTo(pausedWhenRead);
      System.err.printf(
          "[%s] the dead sidecar's stop: %s by QEMU; sent again after the restart: %s; calls since"
              + " the fault: %s%n",
          vm,
          ran ? "read and run" : read ? "read, dropped with its connection" : "never read",
          !pausedWhenRead,
          calls);
    }
  }

  @Test
  @LogScan.Expected({
    // Fabric8's JDK WebSocket, when the server vanishes, echoes close code 1006, which the JDK
    // refuses to send: logged as a WARN with its trace, the watch then reconnects as it should
    "^java\\.lang\\.IllegalArgumentException: statusCode$",
    "^java\\.io\\.IOException: closed output$",
    "^\\s+at (java\\.net\\.http/|java\\.base/|io\\.fabric8\\.kubernetes\\.client\\.(jdkhttp|dsl\\.internal)\\.)"
  })
  void anApiServerRestartedUnderTheOperatorLeavesQemuAloneAndTheNextChangeArrives()
      throws Exception {
    String vm = "api-1";
    e2e.create(e2e.vm(vm, s -> {}));
    e2e.await(vm, "Ready", v -> isTrue(v, Conditions.READY) && synced(v));
    assertThat(e2e.cluster.operatorReady()).as("the operator ready before").isTrue();
    try (var observer = e2e.observer(vm)) {
      QmpTrace trace =
          QmpTrace.enable(
              observer, e2e.agent().qemuLog(e2e.namespace(), vm + "-qemu"), "qmp_enter_*");
      server.stopApiServer();
      long down = System.nanoTime();
      var readiness = new java.util.TreeSet<Boolean>();
      try {
        // down for 10 s, and until it is ready again: QEMU runs on, untouched
        while (System.nanoTime() - down < DOWN.toNanos()) {
          assertThat(observer.runState()).isEqualTo("running");
          readiness.add(e2e.cluster.operatorReady());
          Thread.sleep(500);
        }
        assertThat(actions(trace))
            .as("QMP actions QEMU ran while the API server was down")
            .isEmpty();
      } finally {
        server.startApiServer();
      }
      long restarted = System.nanoTime();
      Awaitility.await("the operator's informers watch again")
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(200))
          .until(e2e.cluster::operatorReady);
      long watching = System.nanoTime();
      e2e.edit(vm, s -> s.setPaused(true));
      e2e.await(
          vm,
          "Paused, Ready and Synced after the restart",
          Duration.ofSeconds(60),
          v ->
              v.getStatus().getPhase() == QemuVMPhase.Paused
                  && "paused".equals(v.getStatus().getRunState())
                  && synced(v)
                  && isTrue(v, Conditions.READY)
                  && isTrue(v, Conditions.PAUSED));
      long paused = System.nanoTime();
      assertThat(observer.runState()).isEqualTo("paused");
      assertThat(actions(trace)).as("QMP actions QEMU ran in all").containsExactly("stop");
      System.err.printf(
          "[%s] API server down %d ms; the operator ready while down: %s; informers watching %d ms"
              + " after the restart; the pause in QEMU %d ms after the spec change%n",
          vm,
          (restarted - down) / 1_000_000,
          readiness,
          (watching - restarted) / 1_000_000,
          (paused - watching) / 1_000_000);
    }
  }

  /** The index of the last of {@code lines} containing {@code text}; -1 when none does. */
  private static int lastIndexOf(List<String> lines, String text) {
    for (int i = lines.size() - 1; i >= 0; i--) {
      if (lines.get(i).contains(text)) {
        return i;
      }
    }
    return -1;
  }

  /** How long the API server stays down. */
  private static final Duration DOWN = Duration.ofSeconds(10);

  /** The QMP commands that change QEMU which it ran since {@code trace} began, in order. */
  private static List<String> actions(QmpTrace trace) throws java.io.IOException {
    return trace.lines().stream()
        .map(ACTION::matcher)
        .filter(Matcher::find)
        .map(m -> m.group(1))
        .toList();
  }

  /** The spec's generation observed and Synced. */
  private static boolean synced(QemuVM vm) {
    return vm.getMetadata().getGeneration().equals(vm.getStatus().getObservedGeneration())
        && isTrue(vm, Conditions.SYNCED);
  }

  /** Status says the disk has 96Mi and the balloon was asked for 96Mi. */
  private static boolean grownAndBallooned(QemuVM vm) {
    return vm.getStatus().getDisks().getFirst().getSizeBytes() == 96 * MIB
        && vm.getStatus().getIntent() != null
        && Long.valueOf(96 * MIB).equals(vm.getStatus().getIntent().getBalloonTarget());
  }

  /** The restartCount the node agent reports for the pod's sidecar container. */
  private int sidecarRestarts(String pod) {
    return e2e
        .client()
        .pods()
        .inNamespace(e2e.namespace())
        .withName(pod)
        .get()
        .getStatus()
        .getContainerStatuses()
        .stream()
        .filter(c -> VmResources.SIDECAR_CONTAINER.equals(c.getName()))
        .findFirst()
        .orElseThrow()
        .getRestartCount();
  }

  private static void signalUnchecked(String signal, ProcessHandle process) {
    try {
      signal(signal, process);
    } catch (Exception e) {
      throw new IllegalStateException("kill -" + signal + " " + process.pid(), e);
    }
  }

  /** How many {@code stop} commands the VM's sidecar sent to QEMU, whatever their result. */
  private long stopsSent(String vm) throws Exception {
    long stops = 0;
    Matcher m = STOPS.matcher(sidecarMetrics(vm));
    while (m.find()) {
      stops += (long) Double.parseDouble(m.group(2));
    }
    return stops;
  }

  /** The VM's sidecar's {@code /metrics} (Prometheus text). */
  private String sidecarMetrics(String vm) throws Exception {
    var pod = e2e.client().pods().inNamespace(e2e.namespace()).withName(vm + "-qemu").get();
    int port = io.qemuoperator.kubectl.VmSidecar.port(pod);
    return http.send(
            HttpRequest.newBuilder(
                    URI.create("http://" + pod.getStatus().getPodIP() + ":" + port + "/metrics"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /** How long QEMU has left the sidecar's QMP probe unanswered, as its metrics say. */
  private double qmpSilence(String vm) throws Exception {
    Matcher m = SILENCE.matcher(sidecarMetrics(vm));
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  private static void signal(String signal, ProcessHandle process) throws Exception {
    assertThat(
            new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
                .start()
                .waitFor())
        .isZero();
  }
}
