package io.qemuoperator.operator.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import io.qemuoperator.operator.plan.CdromMedia;
import io.qemuoperator.qmp.types.BalloonInfo;
import io.qemuoperator.qmp.types.BlockDeviceInfo;
import io.qemuoperator.qmp.types.BlockDeviceIoStatus;
import io.qemuoperator.qmp.types.CpuInfo;
import io.qemuoperator.qmp.types.KvmInfo;
import io.qemuoperator.qmp.types.MigrationInfo;
import io.qemuoperator.qmp.types.NameInfo;
import io.qemuoperator.sidecar.api.BlockDevice;
import io.qemuoperator.sidecar.api.ImageInfo;
import io.qemuoperator.sidecar.api.InsertedMedium;
import io.qemuoperator.sidecar.api.MemoryInfo;
import io.qemuoperator.sidecar.api.MigrationParameters;
import io.qemuoperator.sidecar.api.QemuVersion;
import io.qemuoperator.sidecar.api.QmpError;
import io.qemuoperator.sidecar.api.RunStatus;
import io.qemuoperator.sidecar.api.VmState;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The operator's view of the wire contract's {@link VmState}. */
class VmSnapshotTest {
  private static final BlockDeviceInfo QCOW2 =
      new BlockDeviceInfo("/d/root.qcow2", false, "qcow2", null, false, 0, 0, 0, 0, 0, 0);
  private static final BlockDeviceInfo CD =
      new BlockDeviceInfo("/d/cd.iso", true, "raw", null, false, 0, 0, 0, 0, 0, 0);

  @Test
  void readsEveryMemberTheOperatorPlansFrom() {
    var state =
        new VmState(
            "sidecar-1",
            3,
            17,
            new QemuVersion("10.0.2", "Debian"),
            new NameInfo("web-1"),
            new RunStatus(false, null, "guest-panicked"),
            new KvmInfo(true, true),
            new BalloonInfo(768L << 20, null, null, null, null, null, null),
            List.of(
                new BlockDevice(
                    "root",
                    "unknown",
                    false,
                    false,
                    new InsertedMedium(QCOW2, new ImageInfo(10L << 30)),
                    null,
                    BlockDeviceIoStatus.NOSPACE),
                new BlockDevice(
                    "cd0", "unknown", true, false, new InsertedMedium(CD, null), false, null),
                new BlockDevice("cd1", "unknown", true, false, null, true, null)),
            List.of(),
            List.of(
                new CpuInfo(0, true, false, null, null, null, null, 4001),
                new CpuInfo(1, false, false, null, null, null, null, 4002)),
            new MigrationInfo("active", null, null),
            new MigrationParameters(32L << 20, 500L),
            new MemoryInfo(1L << 30, 0L),
            "pc-q35-7.2",
            Map.of());

    VmSnapshot snapshot = VmSnapshot.from(state);

    assertThat(snapshot.media())
        .as("removable drives: the medium QEMU has in, the tray; fixed disks are not media")
        .containsOnly(
            Map.entry(
                "cd0",
                new CdromMedia.Medium(
                    java.util.Optional.of("/d/cd.iso"), java.util.Optional.of(false), false)),
            Map.entry(
                "cd1",
                new CdromMedia.Medium(
                    java.util.Optional.empty(), java.util.Optional.of(true), false)));
    assertThat(snapshot.observed().media()).isEqualTo(snapshot.media());
    assertThat(snapshot.instance()).isEqualTo("sidecar-1");
    assertThat(snapshot.session()).isEqualTo(3);
    assertThat(snapshot.eventSeq()).isEqualTo(17);
    assertThat(snapshot.qemuVersion()).isEqualTo("10.0.2");
    assertThat(snapshot.kvmEnabled()).isTrue();
    assertThat(snapshot.kvmPresent()).isTrue();
    assertThat(snapshot.runState()).isEqualTo("guest-panicked");
    assertThat(snapshot.balloonActual()).hasValue(768L << 20);
    assertThat(snapshot.baseMemory()).hasValue(1L << 30);
    assertThat(snapshot.disks())
        .containsExactly(
            new VmSnapshot.DiskState("root", 10L << 30, "qcow2", false, "nospace"),
            new VmSnapshot.DiskState("cd0", -1, "raw", true, "ok"));
    assertThat(snapshot.cpus())
        .containsExactly(new VmSnapshot.CpuState(0, 4001), new VmSnapshot.CpuState(1, 4002));
    assertThat(snapshot.qemuIdentity()).isEqualTo("4001,4002");
    assertThat(snapshot.migrationStatus()).isEqualTo("active");
    assertThat(snapshot.maxBandwidth()).hasValue(32L << 20);
    assertThat(snapshot.downtimeLimitMillis()).hasValue(500);
    assertThat(snapshot.observed().diskBytes()).containsExactly(Map.entry("root", 10L << 30));
  }

  @Test
  void membersTheSidecarCouldNotReadAreUnknown() {
    var state =
        new VmState(
            "sidecar-1",
            1,
            0,
            new QemuVersion("7.2.22", ""),
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            new MigrationInfo(null, null, null),
            null,
            null,
            "pc-q35-7.2",
            Map.of("query-balloon", new QmpError("DeviceNotActive", "no balloon")));

    VmSnapshot snapshot = VmSnapshot.from(state);

    assertThat(snapshot.runState()).isEmpty();
    assertThat(
            VmSnapshot.from(
                    new VmState(
                        "s",
                        1,
                        0,
                        null,
                        null,
                        new RunStatus(false, null, null),
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        "pc-q35-7.2",
                        Map.of()))
                .runState())
        .as("a query-status reply without a status")
        .isEmpty();
    assertThat(snapshot.kvmEnabled()).isFalse();
    assertThat(snapshot.balloonActual()).isEmpty();
    assertThat(snapshot.baseMemory()).isEmpty();
    assertThat(snapshot.disks()).isEmpty();
    assertThat(snapshot.cpus()).isEmpty();
    assertThat(snapshot.migrationStatus()).as("no migration started").isEqualTo("none");
    assertThat(snapshot.maxBandwidth()).isEmpty();
    assertThat(snapshot.downtimeLimitMillis()).isEmpty();
  }
}
