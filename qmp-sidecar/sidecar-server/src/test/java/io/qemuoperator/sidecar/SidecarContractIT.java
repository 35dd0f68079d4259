package io.qemuoperator.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qemuoperator.qmp.types.BalloonInfo;
import io.qemuoperator.qmp.types.CpuInfo;
import io.qemuoperator.qmp.types.KvmInfo;
import io.qemuoperator.qmp.types.NameInfo;
import io.qemuoperator.qmp.types.RunState;
import io.qemuoperator.sidecar.api.BlockDevice;
import io.qemuoperator.sidecar.api.DialectTable;
import io.qemuoperator.sidecar.api.ErrorBody;
import io.qemuoperator.sidecar.api.EventPage;
import io.qemuoperator.sidecar.api.MemoryInfo;
import io.qemuoperator.sidecar.api.MigrationParameters;
import io.qemuoperator.sidecar.api.ProbeStatus;
import io.qemuoperator.sidecar.api.QmpError;
import io.qemuoperator.sidecar.api.ReturnBody;
import io.qemuoperator.sidecar.api.RunStatus;
import io.qemuoperator.sidecar.api.SequencedEvent;
import io.qemuoperator.sidecar.api.SidecarJson;
import io.qemuoperator.sidecar.api.SidecarPaths;
import io.qemuoperator.sidecar.api.VmState;
import io.qemuoperator.testing.RawQmp;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The wire contract end to end: what the real sidecar writes for real QEMU, read with the
 * contract's records and mapper as the operator reads it, equals what QEMU itself answers on a
 * second, independent monitor (read into the same records).
 */
class SidecarContractIT {
  private final ObjectMapper json = SidecarJson.mapper();
  @RegisterExtension final SidecarOnQemu vm = new SidecarOnQemu();

  private <T> T read(TestingSidecar.Answer answer, Class<T> type) throws IOException {
    return json.readValue(answer.text(), type);
  }

  private VmState state() throws IOException {
    var answer = vm.sidecar().get(SidecarPaths.STATE, true);
    assertThat(answer.status()).as(answer.text()).isEqualTo(200);
    ReturnBody<VmState> body =
        json.readValue(answer.text(), SidecarJson.returnOf(json, VmState.class));
    return body.value();
  }

  /** QEMU's own reply to {@code query} on the observer monitor, as {@code type}. */
  private <T> T observed(RawQmp observer, String query, Class<T> type) throws IOException {
    return json.treeToValue(observer.execute(query, null).get("return"), type);
  }

  @Test
  void theStateReadsBackAsQemuItselfReportsIt() throws Exception {
    assertThat(
            vm.sidecar()
                .command("block_resize", "{\"device\":\"drive0\",\"size\":134217728}")
                .status())
        .isEqualTo(200);
    assertThat(vm.sidecar().command("migrate_set_speed", "{\"value\":33554432}").status())
        .isEqualTo(200);
    assertThat(vm.sidecar().command("cont", null).status()).isEqualTo(200);

    VmState state = state();

    try (var observer = RawQmp.connect(vm.qemu().observerSocket())) {
      assertThat(state.instance()).isEqualTo(vm.sidecar().instance());
      assertThat(state.session()).isEqualTo(1);
      assertThat(state.eventSeq()).as("cont's RESUME").isPositive();
      JsonNode version = observer.greeting().at("/QMP/version");
      assertThat(state.qemu().version())
          .isEqualTo(
              version.at("/qemu/major").asInt()
                  + "."
                  + version.at("/qemu/minor").asInt()
                  + "."
                  + version.at("/qemu/micro").asInt());
      assertThat(state.qemu().packageName()).isEqualTo(version.path("package").asText());
      assertThat(state.name()).isEqualTo(new NameInfo("testing-vm"));
      assertThat(state.status()).isEqualTo(observed(observer, "query-status", RunStatus.class));
      assertThat(state.status().runState()).isEqualTo(RunState.RUNNING);
      assertThat(state.kvm()).isEqualTo(observed(observer, "query-kvm", KvmInfo.class));
      assertThat(state.balloon()).isEqualTo(observed(observer, "query-balloon", BalloonInfo.class));
      assertThat(state.balloon().actual()).isEqualTo(128L << 20);
      assertThat(state.block())
          .isEqualTo(List.of(observed(observer, "query-block", BlockDevice[].class)));
      assertThat(state.block())
          .filteredOn(device -> device.device().equals("drive0"))
          .singleElement()
          .satisfies(
              drive -> {
                assertThat(drive.inserted().image().virtualSize()).isEqualTo(128L << 20);
                assertThat(drive.inserted().info().drv()).isEqualTo("qcow2");
              });
      assertThat(state.block())
          .filteredOn(device -> device.device().equals("cd0"))
          .singleElement()
          .satisfies(cd -> assertThat(cd.inserted().info().ro()).isTrue());
      assertThat(state.blockstats())
          .extracting(stats -> stats.device())
          .containsExactlyElementsOf(state.block().stream().map(BlockDevice::device).toList());
      JsonNode vcpus = observer.execute("query-cpus-fast", null).get("return");
      assertThat(state.cpus()).extracting(CpuInfo::cpu).containsExactly(0L, 1L);
      assertThat(state.cpus())
          .extracting(CpuInfo::threadId)
          .containsExactly(
              vcpus.get(0).path("thread-id").asLong(), vcpus.get(1).path("thread-id").asLong());
      assertThat(state.migrate().status()).as("no migration started").isNull();
      assertThat(state.migrateParameters())
          .isEqualTo(observed(observer, "query-migrate-parameters", MigrationParameters.class));
      assertThat(state.migrateParameters().maxBandwidth()).isEqualTo(32L << 20);
      assertThat(state.memorySize())
          .isEqualTo(observed(observer, "query-memory-size-summary", MemoryInfo.class));
      assertThat(state.memorySize().baseMemory()).isEqualTo(128L << 20);
      String type =
          observer
              .execute("qom-get", "{\"path\":\"/machine\",\"property\":\"type\"}")
              .path("return")
              .asText();
      assertThat(state.machine())
          .as("q35 as this QEMU resolves it, versioned")
          .matches("pc-q35-[0-9]+\\.[0-9]+")
          .isEqualTo(type.replace("-machine", ""));
      assertThat(state.errors()).isEmpty();
    }
  }

  @Test
  void eventsReadBackInOrderWithTheirNumbersAndTimes() throws Exception {
    long after = read(vm.sidecar().get(SidecarPaths.events(0, 0), true), EventPage.class).lastSeq();
    Instant before = Instant.now().minusSeconds(1);
    try (var observer = RawQmp.connect(vm.qemu().observerSocket())) {
      observer.execute("cont", null);
      observer.execute("stop", null);
      observer.execute("cont", null);
    }

    var page = new AtomicReference<EventPage>();
    Awaitility.await("three events")
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              page.set(
                  read(vm.sidecar().get(SidecarPaths.events(after, 5), true), EventPage.class));
              return page.get().events().size() >= 3;
            });

    assertThat(page.get().instance()).isEqualTo(vm.sidecar().instance());
    assertThat(page.get().gap()).isFalse();
    assertThat(page.get().dropped()).isZero();
    assertThat(page.get().events())
        .extracting(SequencedEvent::name)
        .containsExactly("RESUME", "STOP", "RESUME");
    assertThat(page.get().events())
        .extracting(SequencedEvent::seq)
        .containsExactly(after + 1, after + 2, after + 3);
    assertThat(page.get().lastSeq()).isEqualTo(after + 3);
    assertThat(page.get().events())
        .allSatisfy(
            event -> {
              assertThat(event.data().isObject()).isTrue();
              assertThat(event.timestamp()).isBetween(before, Instant.now().plusSeconds(1));
            });
    assertThat(page.get().events().get(2).timestamp())
        .isAfterOrEqualTo(page.get().events().get(0).timestamp());
    assertThat(state().eventSeq()).isEqualTo(page.get().lastSeq());
  }

  @Test
  void errorsReadBackWithQemusOwnClassAndDesc() throws Exception {
    String arguments = "{\"name\":\"nosuchnic\",\"up\":false}";
    var refused = vm.sidecar().command("set_link", arguments);

    assertThat(refused.status()).isEqualTo(422);
    try (var observer = RawQmp.connect(vm.qemu().observerSocket())) {
      JsonNode own = observer.execute("set_link", arguments).get("error");
      assertThat(read(refused, ErrorBody.class).error())
          .isEqualTo(new QmpError(own.get("class").asText(), own.get("desc").asText()));
    }
    assertThat(
            read(vm.sidecar().command("no-such-command", null), ErrorBody.class)
                .error()
                .errorClass())
        .isEqualTo("CommandNotFound");
    assertThat(
            read(vm.sidecar().get(SidecarPaths.STATE, false), ErrorBody.class).error().errorClass())
        .isEqualTo("Unauthorized");
  }

  @Test
  void probesAndTheDialectTableReadBack() throws Exception {
    ProbeStatus ready = read(vm.sidecar().get(SidecarPaths.READYZ, false), ProbeStatus.class);
    DialectTable dialect = read(vm.sidecar().get(SidecarPaths.DIALECT, true), DialectTable.class);

    assertThat(read(vm.sidecar().get(SidecarPaths.HEALTHZ, false), ProbeStatus.class))
        .isEqualTo(ProbeStatus.alive());
    assertThat(ready).isEqualTo(ProbeStatus.ready(state().qemu().version()));
    assertThat(dialect.qemu()).isEqualTo(ready.qemu());
    assertThat(dialect.commands()).hasSize(46).containsEntry("query-cpus", "TRANSLATED");
  }
}
