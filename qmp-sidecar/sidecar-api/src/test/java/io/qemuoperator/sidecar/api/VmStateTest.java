package io.qemuoperator.sidecar.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.qemuoperator.qmp.types.BalloonInfo;
import io.qemuoperator.qmp.types.BlockDeviceInfo;
import io.qemuoperator.qmp.types.BlockDeviceIoStatus;
import io.qemuoperator.qmp.types.BlockDeviceStats;
import io.qemuoperator.qmp.types.BlockStats;
import io.qemuoperator.qmp.types.CpuInfo;
import io.qemuoperator.qmp.types.KvmInfo;
import io.qemuoperator.qmp.types.MigrationInfo;
import io.qemuoperator.qmp.types.MigrationStats;
import io.qemuoperator.qmp.types.NameInfo;
import io.qemuoperator.qmp.types.RunState;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VmStateTest {

  private static VmState read(byte[] answer) throws IOException {
    ReturnBody<VmState> body =
        Wire.JSON.readValue(answer, SidecarJson.returnOf(Wire.JSON, VmState.class));
    return body.value();
  }

  @ParameterizedTest
  @ValueSource(strings = {"7.2", "10.0"})
  void readsWhatTheSidecarAnsweredBeforeTheContract(String qemu) throws IOException {
    VmState state = read(Wire.before("state-qemu-" + qemu + ".json"));

    assertThat(state.instance()).hasSize(36);
    assertThat(state.session()).isEqualTo(1);
    assertThat(state.eventSeq()).isEqualTo(1);
    assertThat(state.qemu().version()).startsWith(qemu);
    assertThat(state.qemu().packageName()).startsWith("Debian");
    assertThat(state.name()).isEqualTo(new NameInfo("testing-vm"));
    assertThat(state.status().running()).isTrue();
    assertThat(state.status().runState()).isEqualTo(RunState.RUNNING);
    assertThat(state.status().singlestep())
        .as("QEMU 10 no longer reports singlestep")
        .isEqualTo(qemu.equals("7.2") ? Boolean.FALSE : null);
    assertThat(state.kvm()).isEqualTo(new KvmInfo(false, true));
    assertThat(state.balloon().actual()).isEqualTo(128L << 20);
    assertThat(state.block())
        .singleElement()
        .satisfies(
            drive -> {
              assertThat(drive.device()).isEqualTo("drive0");
              assertThat(drive.ioStatus()).isEqualTo(BlockDeviceIoStatus.OK);
              assertThat(drive.inserted().info().drv()).isEqualTo("qcow2");
              assertThat(drive.inserted().info().ro()).isFalse();
              assertThat(drive.inserted().info().file()).isEqualTo("/tmp/qemu-test/disk.qcow2");
              assertThat(drive.inserted().image().virtualSize()).isEqualTo(64L << 20);
            });
    assertThat(state.blockstats())
        .singleElement()
        .satisfies(
            stats -> {
              assertThat(stats.device()).isEqualTo("drive0");
              assertThat(stats.stats().rdBytes()).isEqualTo(512);
              assertThat(stats.parent().stats().rdBytes()).isZero();
            });
    assertThat(state.cpus()).extracting(CpuInfo::cpu).containsExactly(0L, 1L);
    assertThat(state.cpus()).allSatisfy(cpu -> assertThat(cpu.threadId()).isPositive());
    assertThat(state.cpus()).extracting(CpuInfo::current).containsExactly(true, false);
    assertThat(state.migrate().status()).as("no migration started").isNull();
    assertThat(state.migrateParameters()).isEqualTo(new MigrationParameters(128L << 20, 300L));
    assertThat(state.memorySize()).isEqualTo(new MemoryInfo(128L << 20, 0L));
    assertThat(state.machine()).isEqualTo("pc-q35-" + qemu);
    assertThat(state.errors()).isEmpty();
  }

  /**
   * The contract passes on less than the raw replies did (QEMU's members outside the seed schema
   * and the few additions it names), but nothing it writes differs from what was there before.
   */
  @ParameterizedTest
  @ValueSource(strings = {"7.2", "10.0"})
  void writesOnlyWhatTheOldAnswerCarriedWithTheSameValues(String qemu) throws IOException {
    byte[] old = Wire.before("state-qemu-" + qemu + ".json");

    JsonNode written = Wire.tree(new ReturnBody<>(read(old)));

    Wire.assertWithin(written, Wire.tree(old), "");
    assertThat(written.at("/return/block/0/inserted/image/virtual-size").asLong())
        .isEqualTo(64L << 20);
    assertThat(written.at("/return/status/status").asText()).isEqualTo("running");
    assertThat(written.at("/return/migrateParameters/max-bandwidth").asLong())
        .isEqualTo(128L << 20);
  }

  @ParameterizedTest
  @ValueSource(strings = {"7.2", "10.0"})
  void aSnapshotReadsBackEqual(String qemu) throws IOException {
    VmState state = read(Wire.before("state-qemu-" + qemu + ".json"));

    assertThat(Wire.roundTrip(state, VmState.class)).isEqualTo(state);
  }

  @Test
  void failedQueriesAreNullOnTheWireAndTheirErrorsKeepQemusClassAndDesc() throws IOException {
    var noBalloon = new QmpError("DeviceNotActive", "No balloon device has been activated");
    var state =
        new VmState(
            "instance-1",
            2,
            7,
            new QemuVersion("7.2.22", ""),
            new NameInfo(null),
            new RunStatus(false, null, "prelaunch"),
            new KvmInfo(false, false),
            null,
            List.of(),
            null,
            List.of(new CpuInfo(0, true, false, null, null, null, null, 4242)),
            new MigrationInfo("active", new MigrationStats(1, 2, 3), null),
            null,
            null,
            "pc-q35-7.2",
            Map.of("query-balloon", noBalloon));

    JsonNode written = Wire.tree(state);

    assertThat(written.has("balloon")).isTrue();
    assertThat(written.get("balloon").isNull()).isTrue();
    assertThat(written.get("blockstats").isNull()).isTrue();
    assertThat(written.get("migrateParameters").isNull()).isTrue();
    assertThat(written.get("memorySize").isNull()).isTrue();
    assertThat(written.at("/errors/query-balloon/class").asText()).isEqualTo("DeviceNotActive");
    assertThat(written.at("/errors/query-balloon/desc").asText()).contains("balloon");
    assertThat(written.get("name").isEmpty()).as("query-name without a name: {}").isTrue();
    assertThat(written.at("/cpus/0").toString())
        .isEqualTo("{\"CPU\":0,\"current\":true,\"halted\":false,\"thread_id\":4242}");
    assertThat(Wire.roundTrip(state, VmState.class)).isEqualTo(state);
  }

  @Test
  void runStatesTheSeedDoesNotListKeepTheirName() throws IOException {
    var panicked = new RunStatus(false, null, "guest-panicked");

    assertThat(Wire.tree(panicked).toString())
        .isEqualTo("{\"running\":false,\"status\":\"guest-panicked\"}");
    assertThat(Wire.roundTrip(panicked, RunStatus.class)).isEqualTo(panicked);
    assertThat(panicked.runState()).isEqualTo(RunState.UNKNOWN);
  }

  @Test
  void anEmptyDriveHasNoMediumAndAnImagelessMediumNoSize() throws IOException {
    var ejected =
        new BlockDevice("cd0", "unknown", true, false, null, true, BlockDeviceIoStatus.OK);
    var medium =
        new InsertedMedium(
            new BlockDeviceInfo("/srv/d.raw", true, "raw", "/srv/base", false, 1, 2, 3, 4, 5, 6),
            null);
    var old = new BlockDevice("drive1", "hd", false, false, medium, null, null);

    assertThat(Wire.tree(ejected).has("inserted")).isFalse();
    assertThat(Wire.tree(ejected).get("tray_open").asBoolean()).isTrue();
    assertThat(Wire.tree(old).get("inserted").toString())
        .isEqualTo(
            "{\"file\":\"/srv/d.raw\",\"ro\":true,\"drv\":\"raw\",\"backing_file\":\"/srv/base\","
                + "\"encrypted\":false,\"bps\":1,\"bps_rd\":2,\"bps_wr\":3,\"iops\":4,"
                + "\"iops_rd\":5,\"iops_wr\":6}");
    assertThat(Wire.roundTrip(ejected, BlockDevice.class)).isEqualTo(ejected);
    assertThat(Wire.roundTrip(old, BlockDevice.class)).isEqualTo(old);
  }

  @Test
  void everyPartReadsBackEqual() throws IOException {
    var stats = new BlockDeviceStats(1, 2, 3, 4, 5, 6, 7, 8, 9);
    assertThat(
            Wire.roundTrip(
                new BlockStats("drive0", stats, new BlockStats(null, stats, null)),
                BlockStats.class))
        .isEqualTo(new BlockStats("drive0", stats, new BlockStats(null, stats, null)));
    assertThat(Wire.roundTrip(new BalloonInfo(1, 2L, 3L, 4L, 5L, 6L, 7L), BalloonInfo.class))
        .isEqualTo(new BalloonInfo(1, 2L, 3L, 4L, 5L, 6L, 7L));
    assertThat(Wire.roundTrip(new MemoryInfo(1, null), MemoryInfo.class))
        .isEqualTo(new MemoryInfo(1, null));
    assertThat(Wire.roundTrip(new MigrationParameters(null, 5L), MigrationParameters.class))
        .isEqualTo(new MigrationParameters(null, 5L));
    assertThat(Wire.roundTrip(new QemuVersion("10.0.2", "x"), QemuVersion.class))
        .isEqualTo(new QemuVersion("10.0.2", "x"));
    assertThat(Wire.tree(new QemuVersion("10.0.2", "x")).toString())
        .isEqualTo("{\"version\":\"10.0.2\",\"package\":\"x\"}");
    assertThat(Wire.roundTrip(new ImageInfo(9), ImageInfo.class)).isEqualTo(new ImageInfo(9));
  }
}
