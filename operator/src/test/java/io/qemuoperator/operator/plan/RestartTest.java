package io.qemuoperator.operator.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.qemuoperator.api.v1alpha1.spec.UpdateStrategy;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RestartTest {
  private static final BootConfig ONE_CPU = new BootConfig(1, 128L << 20, List.of("root"));

  @Test
  void anUnchangedLaunchNeedsNoRestart() {
    var launch = new Launch(ONE_CPU, "");
    assertThat(Restart.decide(launch, Optional.of(launch), UpdateStrategy.Automatic)).isEmpty();
    assertThat(Restart.decide(launch, Optional.of(launch), UpdateStrategy.Manual)).isEmpty();
  }

  @Test
  void eachChangedBootFieldIsNamedWithItsRunningAndDeclaredValue() {
    var running = new Launch(ONE_CPU, "");
    var declared = new Launch(new BootConfig(2, 256L << 20, List.of("root", "data")), "");
    Restart restart =
        Restart.decide(declared, Optional.of(running), UpdateStrategy.Automatic).orElseThrow();
    assertThat(restart.now()).isTrue();
    assertThat(restart.requested()).isFalse();
    assertThat(restart.changes())
        .extracting(Object::toString)
        .containsExactly(
            "spec.cpus 1 → 2", "spec.memory 128Mi → 256Mi", "spec.disks [root] → [root, data]");
  }

  @Test
  void manualDefersAChangeUntilARestartIsRequested() {
    var running = new Launch(ONE_CPU, "");
    var declared = new Launch(new BootConfig(2, 128L << 20, List.of("root")), "");
    Restart deferred =
        Restart.decide(declared, Optional.of(running), UpdateStrategy.Manual).orElseThrow();
    assertThat(deferred.now()).isFalse();

    var requested = new Launch(declared.boot(), "2026-11-28T01:00:00Z");
    Restart now =
        Restart.decide(requested, Optional.of(running), UpdateStrategy.Manual).orElseThrow();
    assertThat(now.now()).isTrue();
    assertThat(now.requested()).isTrue();
    assertThat(requested.revision()).isNotEqualTo(declared.revision());
  }

  @Test
  void aRestartRequestOnAnUnchangedVmRestartsItOnce() {
    var running = new Launch(ONE_CPU, "t1");
    var again = new Launch(ONE_CPU, "t2");
    assertThat(Restart.decide(again, Optional.of(running), UpdateStrategy.Manual))
        .hasValueSatisfying(r -> assertThat(r.now() && r.requested()).isTrue());
    // the new pod records the request it was made for: nothing more to do
    assertThat(Restart.decide(again, Optional.of(again), UpdateStrategy.Manual)).isEmpty();
  }

  @Test
  void aPodThatDoesNotSayWhatItRunsIsReplaced() {
    var declared = new Launch(ONE_CPU, "");
    assertThat(Restart.decide(declared, Optional.empty(), UpdateStrategy.Automatic))
        .hasValueSatisfying(r -> assertThat(r.now()).isTrue());
  }

  @Test
  void bootConfigRoundTripsThroughItsAnnotation() {
    assertThat(BootConfig.parse(ONE_CPU.canonical())).contains(ONE_CPU);
    var diskless = new BootConfig(4, 1L << 30, List.of());
    assertThat(BootConfig.parse(diskless.canonical())).contains(diskless);
    assertThat(ONE_CPU.canonical())
        .as("the defaults add nothing: revisions of existing pods stay")
        .isEqualTo("cpus=1;memory=134217728;disks=root");
    var uefi =
        new BootConfig(
            1,
            128L << 20,
            List.of("root", "live"),
            List.of("live", "root"),
            "UEFI",
            "pc-q35-7.2",
            "",
            "",
            "",
            false,
            "",
            "");
    assertThat(uefi.canonical())
        .isEqualTo(
            "cpus=1;memory=134217728;disks=root,live;boot=live,root;firmware=UEFI;machine=pc-q35-7.2");
    assertThat(BootConfig.parse(uefi.canonical())).contains(uefi);
    assertThat(ONE_CPU.changesTo(uefi))
        .extracting(Object::toString)
        .containsExactly(
            "spec.disks [root] → [root, live]",
            "spec.disks[].bootOrder [root] → [live, root]",
            "spec.firmware BIOS → UEFI",
            "spec.machine (pinned at first launch) → pc-q35-7.2");
    assertThat(BootConfig.parse("cpus=x;memory=1;disks=")).isEmpty();
    assertThat(BootConfig.parse(null)).isEmpty();
  }
}
