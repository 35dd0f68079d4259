package io.qemuoperator.operator.pod;

import static org.assertj.core.api.Assertions.assertThat;

import io.qemuoperator.api.v1alpha1.spec.PortProtocol;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QemuCommandLineTest {
  private static final VmLaunch WEB =
      new VmLaunch(
          "web-1",
          "6f1c2a52-9a0b-4a43-8f3e-0d3e1b6f7a10",
          2,
          1L << 30,
          List.of(
              new VmLaunch.Disk(
                  "root", Path.of("/var/lib/qemu-operator/disks/root/disk.qcow2"), 10L << 30),
              new VmLaunch.Disk(
                  "data", Path.of("/var/lib/qemu-operator/disks/data/disk.qcow2"), 1L << 30)),
          Path.of("/run/qmp/qmp.sock"));

  private static String after(List<String> args, String flag) {
    return args.get(args.indexOf(flag) + 1);
  }

  @Test
  void machineMemoryCpusAndTheStoppedStart() {
    List<String> args = QemuCommandLine.arguments(WEB, "tcg");
    assertThat(after(args, "-name")).isEqualTo("web-1");
    assertThat(after(args, "-uuid")).isEqualTo("6f1c2a52-9a0b-4a43-8f3e-0d3e1b6f7a10");
    assertThat(after(args, "-smp")).isEqualTo("2");
    assertThat(after(args, "-m")).isEqualTo("1024M");
    assertThat(after(args, "-machine")).isEqualTo("q35,accel=tcg");
    assertThat(args).contains("-S", "-no-shutdown", "-nodefaults");
    assertThat(after(args, "-qmp")).isEqualTo("unix:/run/qmp/qmp.sock,server=on,wait=off");
  }

  @Test
  void theSerialConsoleIsASocketBesideQmpWithALogFromTheFirstBootLine() {
    List<String> args = QemuCommandLine.arguments(WEB, "tcg");
    assertThat(after(args, "-chardev"))
        .isEqualTo(
            "socket,id=serial0,path=/run/qmp/console.sock,server=on,wait=off,"
                + "logfile=/run/qmp/console.log,logappend=on");
    assertThat(after(args, "-serial")).isEqualTo("chardev:serial0");
    assertThat(WEB.consoleSocket()).isEqualTo(VmResources.CONSOLE_SOCKET);
    assertThat(WEB.consoleLog()).isEqualTo(VmResources.CONSOLE_LOG);
  }

  @Test
  void memoryIsRoundedUpToWholeMebibytes() {
    var odd = new VmLaunch("v", "u", 1, (512L << 20) + 1, List.of(), Path.of("/q.sock"));
    assertThat(after(QemuCommandLine.arguments(odd, "tcg"), "-m")).isEqualTo("513M");
  }

  @Test
  void everyDiskIsAVirtioDriveNamedAsInTheSpec() {
    List<String> args = QemuCommandLine.arguments(WEB, "tcg");
    assertThat(args)
        .containsSubsequence(
            "-drive",
            "file=/var/lib/qemu-operator/disks/root/disk.qcow2,if=none,id=root,format=qcow2,discard=unmap",
            "-device",
            "virtio-blk-pci,drive=root,id=root-blk",
            "-drive",
            "file=/var/lib/qemu-operator/disks/data/disk.qcow2,if=none,id=data,format=qcow2,discard=unmap",
            "-device",
            "virtio-blk-pci,drive=data,id=data-blk");
    assertThat(args).contains("virtio-balloon-pci,id=balloon0");
  }

  @Test
  void theContainerScriptCreatesOnlyMissingImagesThenExecsQemu() {
    String script = QemuCommandLine.containerScript(WEB);
    assertThat(script)
        .contains(
            "[ -e /var/lib/qemu-operator/disks/root/disk.qcow2 ] || qemu-img create -f qcow2"
                + " /var/lib/qemu-operator/disks/root/disk.qcow2 10737418240\n")
        .contains("exec qemu-system-x86_64 -name web-1 ");
    assertThat(script)
        .as("the accelerator is chosen on the node, before exec")
        .containsSubsequence(
            QemuCommandLine.ACCELERATOR_CHOICE, "exec ", " -machine \"q35,accel=$accel\" ");
    assertThat(QemuCommandLine.shellQuote("it's")).isEqualTo("'it'\\''s'");
  }

  private static final VmLaunch.Disk IMPORTED =
      new VmLaunch.Disk(
          "root",
          Path.of("/var/lib/qemu-operator/disks/root/disk.qcow2"),
          (64L << 20) + 1,
          new VmLaunch.Source.Image(
              "https://images.example/guest.qcow2", Optional.of("ab".repeat(32))));

  @Test
  void anImportedDiskIsConvertedFromTheVerifiedSourceGrownAndRenamedOnlyWhenMissing() {
    assertThat(QemuCommandLine.imageStep(IMPORTED))
        .isEqualTo(
            """
            if [ ! -e /var/lib/qemu-operator/disks/root/disk.qcow2 ]; then
              rm -f /var/lib/qemu-operator/disks/root/disk.qcow2.part
              if [ -e /var/lib/qemu-operator/disks/root/source.qcow2 ]; then format=qcow2 \
            source=/var/lib/qemu-operator/disks/root/source.qcow2; else format=raw \
            source=/var/lib/qemu-operator/disks/root/source.raw; fi
              qemu-img convert -f "$format" -O qcow2 "$source" \
            /var/lib/qemu-operator/disks/root/disk.qcow2.part
              qemu-img resize -q -f qcow2 /var/lib/qemu-operator/disks/root/disk.qcow2.part 67109376
              mv /var/lib/qemu-operator/disks/root/disk.qcow2.part \
            /var/lib/qemu-operator/disks/root/disk.qcow2
              rm -f "$source"
            fi
            """);
  }

  @Test
  void aDiskOnTheUsersClaimIsNeverCreated() {
    var claimed =
        new VmLaunch.Disk(
            "data",
            Path.of("/var/lib/qemu-operator/disks/data/disk.qcow2"),
            1L << 30,
            new VmLaunch.Source.Claim("golden"));
    assertThat(QemuCommandLine.imageStep(claimed))
        .isEqualTo(
            "[ -e /var/lib/qemu-operator/disks/data/disk.qcow2 ] || { echo 'disk data: claim golden"
                + " holds no disk.qcow2 at the root of its volume' >&2; exit 1; }\n")
        .doesNotContain("qemu-img");
  }

  @Test
  void theImportInitContainerGetsEachImportedDiskAndNothingElse() {
    var launch =
        new VmLaunch(
            "v",
            "u",
            1,
            128L << 20,
            List.of(
                IMPORTED,
                new VmLaunch.Disk(
                    "data", Path.of("/var/lib/qemu-operator/disks/data/disk.qcow2"), 1L << 20)),
            Path.of("/run/qmp/qmp.sock"));
    assertThat(DiskImport.importedDisks(launch)).containsExactly(IMPORTED);
    assertThat(DiskImport.arguments(DiskImport.importedDisks(launch), 9443))
        .containsExactly(
            "import",
            "--listen",
            "0.0.0.0:9443",
            "--token-file",
            "/run/secrets/qemu-operator/token",
            "--disk",
            "root",
            "--dir",
            "/var/lib/qemu-operator/disks/root",
            "--url",
            "https://images.example/guest.qcow2",
            "--sha256",
            "ab".repeat(32),
            "--size",
            Long.toString((64L << 20) + 1));
    var blankOnly = new VmLaunch("v", "u", 1, 128L << 20, List.of(), Path.of("/q.sock"));
    assertThat(DiskImport.initContainer(blankOnly, "sidecar:1", java.util.Map.of(), 9443, null))
        .isEmpty();
  }

  @Test
  void bootOrderFirmwareAndThePinnedMachine() {
    var uefi =
        new VmLaunch(
            "v",
            "u",
            1,
            128L << 20,
            List.of(
                new VmLaunch.Disk(
                    "root",
                    Path.of("/d/root/disk.qcow2"),
                    1L << 20,
                    new VmLaunch.Source.Blank(),
                    Optional.of(2)),
                new VmLaunch.Disk(
                    "live",
                    Path.of("/d/live/disk.qcow2"),
                    1L << 20,
                    new VmLaunch.Source.Blank(),
                    Optional.of(1))),
            Path.of("/run/qmp/qmp.sock"),
            new VmLaunch.Boot("pc-q35-7.2", Optional.of(Path.of("/d/root/uefi-vars.fd"))));
    List<String> args = QemuCommandLine.arguments(uefi, "tcg");
    assertThat(after(args, "-machine")).isEqualTo("pc-q35-7.2,accel=tcg");
    assertThat(args)
        .contains(
            "virtio-blk-pci,drive=root,id=root-blk,bootindex=2",
            "virtio-blk-pci,drive=live,id=live-blk,bootindex=1",
            "if=pflash,format=raw,unit=0,readonly=on,file=" + QemuCommandLine.OVMF_CODE,
            "if=pflash,format=raw,unit=1,file=/d/root/uefi-vars.fd");
    assertThat(QemuCommandLine.containerScript(uefi))
        .contains(
            "[ -e /d/root/uefi-vars.fd ] || { cp "
                + QemuCommandLine.OVMF_VARS
                + " /d/root/uefi-vars.fd.part && mv /d/root/uefi-vars.fd.part"
                + " /d/root/uefi-vars.fd; }\n")
        .contains(" -machine \"pc-q35-7.2,accel=$accel\" ");
    assertThat(QemuCommandLine.arguments(WEB, "tcg"))
        .as("BIOS: no flash drives")
        .noneMatch(arg -> arg.contains("pflash"));
  }

  private static final VmLaunch GUEST =
      new VmLaunch(
          "web-1",
          "6f1c2a52-9a0b-4a43-8f3e-0d3e1b6f7a10",
          1,
          256L << 20,
          List.of(),
          Path.of("/run/qmp/qmp.sock"),
          VmLaunch.Boot.BIOS_Q35,
          Optional.of(
              new VmLaunch.Seed(
                  VmResources.SEED_DIR,
                  VmLaunch.Seed.metaData("6f1c2a52-9a0b-4a43-8f3e-0d3e1b6f7a10", "web-1"),
                  new VmLaunch.Content.Inline("#!/bin/sh\necho hi > /run/x\n"),
                  Optional.of(
                      new VmLaunch.Content.File(
                          VmResources.cloudInitSecretFile(VmResources.NETWORK_CONFIG))))),
          List.of(
              new VmLaunch.Port("http", 80, PortProtocol.TCP),
              new VmLaunch.Port("dns", 53, PortProtocol.UDP)),
          false,
          List.of());

  @Test
  void theSeedIsAReadOnlyFatDiskLabelledCidataOnItsFolder() {
    List<String> args = QemuCommandLine.arguments(GUEST, "tcg");
    assertThat(args)
        .containsSubsequence(
            "-blockdev",
            "driver=vvfat,node-name=cidata_seed,dir=/run/qemu-operator/cidata,label=CIDATA,read-only=on",
            "-device",
            "virtio-blk-pci,drive=cidata_seed,id=cidata_seed");
    assertThat(QemuCommandLine.arguments(WEB, "tcg")).doesNotContain("-blockdev");
  }

  @Test
  void everyPortIsForwardedFromTheSamePortOfTheForwardAddress() {
    assertThat(after(QemuCommandLine.arguments(GUEST, "tcg", "127.0.3.4"), "-netdev"))
        .isEqualTo("user,id=net0,hostfwd=tcp:127.0.3.4:80-:80,hostfwd=udp:127.0.3.4:53-:53");
    assertThat(after(QemuCommandLine.arguments(GUEST, "tcg"), "-netdev"))
        .as("every address of the pod")
        .isEqualTo("user,id=net0,hostfwd=tcp::80-:80,hostfwd=udp::53-:53");
    assertThat(after(QemuCommandLine.arguments(WEB, "tcg"), "-netdev")).isEqualTo("user,id=net0");
  }

  @Test
  void theScriptWritesTheSeedBeforeQemuAndLeavesTheForwardAddressToTheNode() {
    String script = QemuCommandLine.containerScript(GUEST);
    assertThat(script)
        .containsSubsequence(
            "mkdir -p /run/qemu-operator/cidata\n",
            "printf '%s' 'instance-id: 6f1c2a52-9a0b-4a43-8f3e-0d3e1b6f7a10\nlocal-hostname:"
                + " web-1\n' > /run/qemu-operator/cidata/meta-data\n",
            "printf '%s' '#!/bin/sh\necho hi > /run/x\n' > /run/qemu-operator/cidata/user-data\n",
            "cat /run/qemu-operator/cloud-init/network-config/network-config >"
                + " /run/qemu-operator/cidata/network-config\n",
            "exec qemu-system-x86_64 ",
            " -netdev \"user,id=net0,hostfwd=tcp:${QEMU_FORWARD_ADDRESS:-}:80-:80,"
                + "hostfwd=udp:${QEMU_FORWARD_ADDRESS:-}:53-:53\" ");
  }

  @Test
  void theSeedScriptWritesExactlyTheDeclaredData(@TempDir Path dir) throws Exception {
    Path secret = Files.writeString(dir.resolve("secret"), "#cloud-config\npassword: s3cret\n");
    var seed =
        new VmLaunch.Seed(
            dir.resolve("cidata"),
            VmLaunch.Seed.metaData("uid-1", "vm-1"),
            new VmLaunch.Content.File(secret),
            Optional.of(new VmLaunch.Content.Inline("version: 2\n$HOME `x` 'q'\n")));
    Process sh =
        new ProcessBuilder("sh", "-c", "set -e\n" + QemuCommandLine.seedScript(seed))
            .redirectErrorStream(true)
            .start();
    String out = new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(sh.waitFor()).as(out).isZero();
    assertThat(Files.readString(dir.resolve("cidata/meta-data")))
        .isEqualTo("instance-id: uid-1\nlocal-hostname: vm-1\n");
    assertThat(Files.readString(dir.resolve("cidata/user-data")))
        .isEqualTo("#cloud-config\npassword: s3cret\n");
    assertThat(Files.readString(dir.resolve("cidata/network-config")))
        .as("written as declared: nothing expanded by the shell")
        .isEqualTo("version: 2\n$HOME `x` 'q'\n");
  }
}
