package io.qemuoperator.operator.pod;

import io.qemuoperator.api.v1alpha1.spec.Accelerator;
import io.qemuoperator.operator.plan.CdromMedia;
import io.qemuoperator.operator.plan.DesiredVm;
import io.qemuoperator.operator.plan.Planner;
import io.qemuoperator.sidecar.api.ImageImportFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The one place the QEMU command line is built: a q35 machine, KVM where the node has a usable one
 * and TCG otherwise ({@link #ACCELERATOR_CHOICE}), no default devices, no display, QMP on a unix
 * socket for the sidecar, a virtio balloon, one virtio-blk disk per spec disk (drive id = disk
 * name, so QMP names the disk as the spec does), user-mode networking with a host forward per
 * declared port, each CD-ROM an empty read-only {@code scsi-cd} on one virtio-scsi controller
 * (drive id = its name; the operator inserts its medium over QMP), the cloud-init seed as a
 * read-only FAT disk labelled CIDATA (QEMU's vvfat driver on the folder the script writes the seed
 * to), and the serial console (ttyS0) on a unix socket ({@link VmLaunch#consoleSocket()}: one
 * client at a time, the sidecar) with everything the guest writes to it appended to a log file
 * ({@link VmLaunch#consoleLog()}), from the first boot line on, whether or not a client is
 * attached; with {@code spec.guestAgent}, a virtio-serial port {@code org.qemu.guest_agent.0} on a
 * unix socket ({@link VmLaunch#guestAgentSocket()}) for the sidecar.
 *
 * <p>QEMU starts with its vCPUs stopped ({@code -S}): the operator applies the spec (balloon,
 * migration tuning) and then sends {@code cont} unless the spec says {@code paused}, so a paused VM
 * never runs a single guest instruction. {@code -no-shutdown} keeps QEMU up in run state {@code
 * shutdown} when the guest powers off, so the operator sees it and decides.
 */
public final class QemuCommandLine {
  public static final String BINARY = "qemu-system-x86_64";
  public static final String BALLOON_ID = "balloon0";
  public static final String CONSOLE_ID = "serial0";

  /** The virtio-scsi controller of the CD-ROMs: a name no disk or CD-ROM can take (no '_'). */
  public static final String SCSI_ID = "scsi_cdroms";

  /** The guest agent's chardev. */
  public static final String GUEST_AGENT_ID = "guestagent0";

  /** The virtio-serial port name qemu-ga opens in the guest ({@code /dev/virtio-ports/…}). */
  public static final String GUEST_AGENT_PORT = "org.qemu.guest_agent.0";

  private static final long MIB = 1024 * 1024;

  /**
   * The container script's choice of accelerator, into {@code $accel}: KVM where {@code /dev/kvm}
   * is usable, but never kvm_pvm (a nested, shadow-paging KVM that takes minutes to print a Linux
   * kernel's first line; QEMU's own {@code accel=kvm:tcg} would pick it); TCG otherwise. QMP's
   * {@code query-kvm} then tells which one runs, and the condition {@code Accelerated} says so.
   */
  public static final String ACCELERATOR_CHOICE =
      """
      accel=tcg
      if [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] && [ ! -e /sys/module/kvm_pvm ]; then
        accel=kvm
      fi
      """;

  /**
   * {@code accelerator: KVM}: KVM where {@code /dev/kvm} is usable (not kvm_pvm), otherwise QEMU is
   * not started: the reason goes to the container's termination message and its log, and the
   * container ends (no silent fallback to TCG).
   */
  public static final String ACCELERATOR_KVM_ONLY =
      """
      accel=kvm
      if [ ! -c /dev/kvm ] || [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ] || [ -e /sys/module/kvm_pvm ]; then
        why="accelerator KVM: this node has no usable KVM (/dev/kvm missing or not readable and writable, or the nested kvm_pvm that cannot run Linux guests); QEMU not started"
        echo "$why" >&2
        echo "$why" > /dev/termination-log 2>/dev/null || true
        exit 3
      fi
      """;

  /** {@code accelerator: TCG}: software emulation, whatever the node has. */
  public static final String ACCELERATOR_TCG = "accel=tcg\n";

  /** The container script's lines that set {@code $accel} for {@code accelerator}. */
  public static String acceleratorChoice(Accelerator accelerator) {
    return switch (accelerator) {
      case Auto -> ACCELERATOR_CHOICE;
      case KVM -> ACCELERATOR_KVM_ONLY;
      case TCG -> ACCELERATOR_TCG;
    };
  }

  /**
   * The end of the container script's {@code -machine} value: the accelerator chosen on the node.
   */
  private static final String ACCEL_ON_NODE = ",accel=$accel";

  /** OVMF from Debian's {@code ovmf} (4 MiB flash): the code, read-only, shared by every VM. */
  public static final String OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd";

  /** OVMF's empty variable store: each UEFI VM starts from a copy of its own. */
  public static final String OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd";

  /**
   * The variable that names the address the declared ports are forwarded on. Unset in a pod (every
   * address of the pod: its IP, and localhost for {@code kubectl port-forward}); the local
   * cluster's node agent sets it to the pod's own loopback address, as its pods share the host's
   * network.
   */
  public static final String FORWARD_ADDRESS_VARIABLE = "QEMU_FORWARD_ADDRESS";

  /** The seed's block node and device: names no disk can take (a disk name has no '_'). */
  public static final String SEED_NODE = "cidata_seed";

  /** The label NoCloud looks for (cloud-init matches cidata or CIDATA). */
  public static final String SEED_LABEL = "CIDATA";

  private QemuCommandLine() {}

  /** The arguments after the binary, with {@code accelerator} ({@code kvm} or {@code tcg}). */
  public static List<String> arguments(VmLaunch vm, String accelerator) {
    return arguments(vm, accelerator, "");
  }

  /**
   * The arguments after the binary, with {@code accelerator} ({@code kvm} or {@code tcg}) and the
   * declared ports forwarded on {@code forwardAddress} (empty: every address).
   */
  public static List<String> arguments(VmLaunch vm, String accelerator, String forwardAddress) {
    var args = new ArrayList<String>();
    add(args, "-name", vm.name());
    add(args, "-uuid", vm.uuid());
    add(args, "-machine", vm.firmware().machine() + ",accel=" + accelerator);
    add(args, "-smp", Integer.toString(vm.cpus()));
    add(args, "-m", Math.ceilDiv(vm.memoryBytes(), MIB) + "M");
    args.add("-nodefaults");
    add(args, "-display", "none");
    args.add("-S");
    args.add("-no-shutdown");
    add(args, "-qmp", "unix:" + vm.qmpSocket() + ",server=on,wait=off");
    add(args, "-device", "virtio-balloon-pci,id=" + BALLOON_ID);
    add(
        args,
        "-chardev",
        "socket,id="
            + CONSOLE_ID
            + ",path="
            + vm.consoleSocket()
            + ",server=on,wait=off,logfile="
            + vm.consoleLog()
            + ",logappend=on");
    add(args, "-serial", "chardev:" + CONSOLE_ID);
    for (VmLaunch.Disk disk : vm.disks()) {
      add(
          args,
          "-drive",
          "file=" + disk.image() + ",if=none,id=" + disk.name() + ",format=qcow2,discard=unmap");
      add(
          args,
          "-device",
          "virtio-blk-pci,drive="
              + disk.name()
              + ",id="
              + disk.name()
              + "-blk"
              + disk.bootIndex().map(index -> ",bootindex=" + index).orElse(""));
    }
    if (!vm.cdroms().isEmpty()) {
      // scsi-cd on virtio-scsi: the guest kernels we run (Debian's cloud kernel) have no AHCI
      // driver for q35's own ide-cd
      add(args, "-device", "virtio-scsi-pci,id=" + SCSI_ID);
      for (VmLaunch.Cdrom cdrom : vm.cdroms()) {
        add(args, "-drive", "if=none,id=" + cdrom.name() + ",media=cdrom,readonly=on");
        add(
            args,
            "-device",
            "scsi-cd,drive=" + cdrom.name() + ",bus=" + SCSI_ID + ".0,id=" + cdrom.name() + "-cd");
      }
    }
    vm.firmware()
        .uefiVars()
        .ifPresent(
            vars -> {
              add(args, "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + OVMF_CODE);
              add(args, "-drive", "if=pflash,format=raw,unit=1,file=" + vars);
            });
    vm.seed()
        .ifPresent(
            seed -> {
              add(
                  args,
                  "-blockdev",
                  "driver=vvfat,node-name="
                      + SEED_NODE
                      + ",dir="
                      + seed.dir()
                      + ",label="
                      + SEED_LABEL
                      + ",read-only=on");
              add(args, "-device", "virtio-blk-pci,drive=" + SEED_NODE + ",id=" + SEED_NODE);
            });
    if (vm.guestAgent()) {
      add(args, "-device", "virtio-serial-pci,id=virtio-serial0");
      add(
          args,
          "-chardev",
          "socket,id=" + GUEST_AGENT_ID + ",path=" + vm.guestAgentSocket() + ",server=on,wait=off");
      add(
          args,
          "-device",
          "virtserialport,bus=virtio-serial0.0,chardev="
              + GUEST_AGENT_ID
              + ",name="
              + GUEST_AGENT_PORT
              + ",id="
              + GUEST_AGENT_ID
              + "-port");
    }
    var netdev = new StringBuilder("user,id=net0");
    for (VmLaunch.Port port : vm.ports()) {
      netdev
          .append(",hostfwd=")
          .append(port.protocol().name().toLowerCase(java.util.Locale.ROOT))
          .append(':')
          .append(forwardAddress)
          .append(':')
          .append(port.port())
          .append("-:")
          .append(port.port());
    }
    add(args, "-netdev", netdev.toString());
    add(args, "-device", "virtio-net-pci,netdev=net0,id=" + Planner.NIC_ID + ",romfile=");
    return List.copyOf(args);
  }

  /**
   * The step of the container script that makes a disk's image when it does not exist yet (an
   * existing image is kept as it is: its data is the VM's): a blank disk is created; an imported
   * one is converted from the verified source the init container left ({@link ImageImportFiles})
   * into a temporary image, grown to the disk's size, renamed, and the source removed; a disk on a
   * user's claim must already hold its image.
   */
  static String imageStep(VmLaunch.Disk disk) {
    String image = shellQuote(disk.image().toString());
    String size = Long.toString(DesiredVm.wholeSectors(disk.sizeBytes()));
    return switch (disk.source()) {
      case VmLaunch.Source.Blank blank ->
          "[ -e "
              + image
              + " ] || qemu-img create -f qcow2 "
              + image
              + " "
              + disk.sizeBytes()
              + "\n";
      case VmLaunch.Source.Claim claim ->
          "[ -e "
              + image
              + " ] || { echo "
              + shellQuote(
                  "disk "
                      + disk.name()
                      + ": claim "
                      + claim.claimName()
                      + " holds no "
                      + disk.image().getFileName()
                      + " at the root of its volume")
              + " >&2; exit 1; }\n";
      case VmLaunch.Source.Image imported -> {
        Path dir = disk.image().getParent();
        String part = shellQuote(disk.image() + ".part");
        String qcow2 = shellQuote(dir.resolve(ImageImportFiles.source("qcow2")).toString());
        String raw = shellQuote(dir.resolve(ImageImportFiles.source("raw")).toString());
        yield "if [ ! -e "
            + image
            + " ]; then\n"
            + "  rm -f "
            + part
            + "\n"
            + "  if [ -e "
            + qcow2
            + " ]; then format=qcow2 source="
            + qcow2
            + "; else format=raw source="
            + raw
            + "; fi\n"
            + "  qemu-img convert -f \"$format\" -O qcow2 \"$source\" "
            + part
            + "\n"
            + "  qemu-img resize -q -f qcow2 "
            + part
            + " "
            + size
            + "\n"
            + "  mv "
            + part
            + " "
            + image
            + "\n"
            + "  rm -f \"$source\"\n"
            + "fi\n";
      }
    };
  }

  /**
   * The step that gives a UEFI VM its own variable store when it has none: a copy of OVMF's empty
   * one, under a temporary name, renamed when complete. An existing store (boot entries the guest
   * wrote) is kept across restarts.
   */
  static String uefiVarsStep(Path vars) {
    String file = shellQuote(vars.toString());
    String part = shellQuote(vars + ".part");
    return "[ -e "
        + file
        + " ] || { cp "
        + OVMF_VARS
        + " "
        + part
        + " && mv "
        + part
        + " "
        + file
        + "; }\n";
  }

  /**
   * With CD-ROMs, the step that links each CD-ROM's (read-only) claim into {@link
   * CdromMedia#WORKDIR} by its name and makes that QEMU's working directory: the operator names
   * media relative to it ({@link CdromMedia#path}).
   */
  static String mediaStep(List<VmLaunch.Cdrom> cdroms) {
    if (cdroms.isEmpty()) {
      return "";
    }
    String workdir = shellQuote(CdromMedia.WORKDIR.toString());
    var step = new StringBuilder("mkdir -p " + workdir + "\n");
    for (VmLaunch.Cdrom cdrom : cdroms) {
      step.append("ln -sfn ")
          .append(shellQuote(cdrom.mount().toString()))
          .append(' ')
          .append(shellQuote(CdromMedia.WORKDIR.resolve(cdrom.name()).toString()))
          .append('\n');
    }
    return step.append("cd ").append(workdir).append('\n').toString();
  }

  /** A POSIX shell script for the qemu container, the accelerator chosen on the node. */
  public static String containerScript(VmLaunch vm) {
    return containerScript(vm, Accelerator.Auto);
  }

  /** A POSIX shell script for the qemu container: make missing images, then exec QEMU. */
  public static String containerScript(VmLaunch vm, Accelerator accelerator) {
    var script = new StringBuilder("set -e\n");
    for (VmLaunch.Disk disk : vm.disks()) {
      script.append(imageStep(disk));
    }
    vm.firmware().uefiVars().ifPresent(vars -> script.append(uefiVarsStep(vars)));
    vm.seed().ifPresent(seed -> script.append(seedScript(seed)));
    script.append(mediaStep(vm.cdroms()));
    script.append(acceleratorChoice(accelerator));
    script.append("exec ").append(BINARY);
    for (String arg : arguments(vm, "$accel", "${" + FORWARD_ADDRESS_VARIABLE + ":-}")) {
      // the values the node fills in are expanded by the shell; everything else is quoted
      script.append(' ').append(arg.contains("$") ? '"' + arg + '"' : shellQuote(arg));
    }
    return script.append('\n').toString();
  }

  /**
   * The lines that write the NoCloud seed into its folder: meta-data, user-data (inline, or copied
   * from the Secret mounted into the container: its data never enters the pod's spec) and
   * network-config when declared. Rewritten at every start of the container.
   */
  static String seedScript(VmLaunch.Seed seed) {
    String dir = shellQuote(seed.dir().toString());
    var script = new StringBuilder();
    script.append("mkdir -p ").append(dir).append('\n');
    script.append(write(seed.dir(), "meta-data", new VmLaunch.Content.Inline(seed.metaData())));
    script.append(write(seed.dir(), VmResources.USER_DATA, seed.userData()));
    seed.networkConfig()
        .ifPresentOrElse(
            network -> script.append(write(seed.dir(), VmResources.NETWORK_CONFIG, network)),
            () ->
                script
                    .append("rm -f ")
                    .append(shellQuote(seed.dir().resolve(VmResources.NETWORK_CONFIG).toString()))
                    .append('\n'));
    return script.toString();
  }

  private static String write(java.nio.file.Path dir, String file, VmLaunch.Content content) {
    String target = shellQuote(dir.resolve(file).toString());
    return switch (content) {
      case VmLaunch.Content.Inline inline ->
          "printf '%s' " + shellQuote(inline.text()) + " > " + target + "\n";
      case VmLaunch.Content.File source ->
          "cat " + shellQuote(source.path().toString()) + " > " + target + "\n";
    };
  }

  static String shellQuote(String word) {
    if (!word.isEmpty() && word.matches("[A-Za-z0-9_./:=,+-]+")) {
      return word;
    }
    return "'" + word.replace("'", "'\\''") + "'";
  }

  private static void add(List<String> args, String flag, String value) {
    args.add(flag);
    args.add(value);
  }
}
