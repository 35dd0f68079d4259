package io.qemuoperator.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.qemuoperator.api.v1alpha1.spec.DiskSource;
import io.qemuoperator.api.v1alpha1.spec.DiskSpec;
import io.qemuoperator.operator.pod.DiskImport;
import io.qemuoperator.operator.pod.VmPod;
import io.qemuoperator.operator.pod.VmResources;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The operator's VM pod as the node agent runs it here: the pod's paths as this machine's. */
class ContainerCommandsTest {
  private static final Path DIR = Path.of("/tmp/pods/test-vm-qemu");
  private static final Path TOKEN = DIR.resolve("token");
  private static final Path ROOT = Path.of("/tmp/volumes/pvc-1");
  private static final Path ROOT2 = Path.of("/tmp/volumes/pvc-2");

  private static Pod pod() {
    var second = new DiskSpec();
    second.setName("root2");
    second.setSize(new Quantity("64Mi"));
    var vm =
        SmallVm.of("test", "vm", spec -> spec.setDisks(List.of(spec.getDisks().get(0), second)));
    vm.getMetadata().setUid("6f1d3c2a-0000-4000-8000-000000000001");
    return new VmPod(LocalCluster.operatorConfig()).desired(vm);
  }

  private static ContainerCommands commands() {
    return ContainerCommands.of(
        pod(),
        DIR,
        Map.of(
            VmResources.diskMount("root").toString(), ROOT,
            VmResources.diskMount("root2").toString(), ROOT2),
        "/opt/qemu/bin/qemu-system-x86_64",
        TOKEN);
  }

  @Test
  void qemuRunsWithThisMachinesPathsAndAnObserverMonitor() {
    String script = commands().qemuScript();

    assertThat(script)
        .contains("exec /opt/qemu/bin/qemu-system-x86_64 ")
        .contains(DIR.resolve("qmp/qmp.sock").toString())
        .contains(
            "path="
                + DIR.resolve("qmp/console.sock")
                + ",server=on,wait=off,logfile="
                + DIR.resolve("qmp/console.log"))
        .contains(ROOT + "/disk.qcow2")
        .contains(ROOT2 + "/disk.qcow2")
        .contains("path=" + DIR.resolve("observer.sock") + ",server=on,wait=off")
        .doesNotContain(VmResources.QMP_DIR.toString() + "/")
        .doesNotContain(VmResources.diskMount("root") + "/");
  }

  @Test
  void theSidecarGetsThePodsArgumentsWithItsAddressAndTokenFile() {
    ContainerCommands commands = commands();

    assertThat(commands.sidecarPort()).isEqualTo(9443);
    assertThat(commands.sidecarEnv()).isEmpty();
    assertThat(commands.sidecarArgs("127.0.3.4"))
        .containsExactly(
            "--qmp",
            DIR.resolve("qmp/qmp.sock").toString(),
            "--listen",
            "127.0.3.4:9443",
            "--token-file",
            TOKEN.toString(),
            "--allow",
            "quit",
            "--console",
            DIR.resolve("qmp/console.sock").toString(),
            "--console-log",
            DIR.resolve("qmp/console.log").toString());
  }

  @Test
  void theImportInitContainerRunsOnThisMachinesClaimFolderWithItsTerminationLog() {
    var vm =
        SmallVm.of(
            "test",
            "vm",
            spec ->
                spec.getDisks()
                    .get(0)
                    .setSource(DiskSource.url("http://127.0.0.1:8080/guest.qcow2", null)));
    vm.getMetadata().setUid("6f1d3c2a-0000-4000-8000-000000000002");
    Pod pod = new VmPod(LocalCluster.operatorConfig()).desired(vm);
    var commands =
        ContainerCommands.of(
            pod,
            DIR,
            Map.of(VmResources.diskMount("root").toString(), ROOT),
            "/opt/qemu/bin/qemu-system-x86_64",
            TOKEN);

    assertThat(commands.initContainers())
        .singleElement()
        .satisfies(
            init -> {
              assertThat(init.name()).isEqualTo(DiskImport.CONTAINER);
              assertThat(init.terminationLog())
                  .isEqualTo(DIR.resolve("disk-import.termination-log"));
              assertThat(init.args("127.0.3.4"))
                  .containsExactly(
                      "import",
                      "--termination-log",
                      DIR.resolve("disk-import.termination-log").toString(),
                      "--listen",
                      "127.0.3.4:" + ContainerCommands.SIDECAR_DEFAULT_PORT,
                      "--token-file",
                      TOKEN.toString(),
                      "--disk",
                      "root",
                      "--dir",
                      ROOT.toString(),
                      "--url",
                      "http://127.0.0.1:8080/guest.qcow2",
                      "--size",
                      Long.toString(64L << 20));
            });
    assertThat(commands().initContainers()).isEmpty();
  }
}
