package io.qemuoperator.operator.pod;

import io.qemuoperator.operator.plan.DesiredVm;
import io.qemuoperator.sidecar.api.ImageImportFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The one place the QEMU command line is built: a q35 machine, KVM where the node has a usable one
 * and TCG otherwise ({@link #ACCELERATOR_CHOICE}), no default devices, no display, QMP on a unix
 * socket for the sidecar, a virtio balloon, one virtio-blk disk per spec disk (drive id = disk
 * name, so QMP names the disk as the spec does), user-mode networking, and the serial console
 * (ttyS0) on a unix socket ({@link VmLaunch#consoleSocket()}: one client at a time, the sidecar)
 * with everything the guest writes to it appended to a log file ({@link VmLaunch#consoleLog()}),
 * from the first boot line on, whether or not a client is attached.
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
   * The end of the container script's {@code -machine} value: the accelerator chosen on the node.
   */
  private static final String ACCEL_ON_NODE = ",accel=$accel";

  /** OVMF from Debian's {@code ovmf} (4 MiB flash): the code, read-only, shared by every VM. */
  public static final String OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd";

  /** OVMF's empty variable store: each UEFI VM starts from a copy of its own. */
  public static final String OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd";

  private QemuCommandLine() {}

  /** The arguments after the binary, with {@code accelerator} ({@code kvm} or {@code tcg}). */
  public static List<String> arguments(VmLaunch vm, String accelerator) {
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
    vm.firmware()
        .uefiVars()
        .ifPresent(
            vars -> {
              add(args, "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + OVMF_CODE);
              add(args, "-drive", "if=pflash,format=raw,unit=1,file=" + vars);
            });
    add(args, "-netdev", "user,id=net0");
    add(args, "-device", "virtio-net-pci,netdev=net0,id=nic0,romfile=");
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

  /** A POSIX shell script for the qemu container: make missing images, then exec QEMU. */
  public static String containerScript(VmLaunch vm) {
    var script = new StringBuilder("set -e\n");
    for (VmLaunch.Disk disk : vm.disks()) {
      script.append(imageStep(disk));
    }
    vm.firmware().uefiVars().ifPresent(vars -> script.append(uefiVarsStep(vars)));
    script.append(ACCELERATOR_CHOICE);
    script.append("exec ").append(BINARY);
    for (String arg : arguments(vm, "$accel")) {
      script.append(' ').append(arg.endsWith(ACCEL_ON_NODE) ? '"' + arg + '"' : shellQuote(arg));
    }
    return script.append('\n').toString();
  }

  static String shellQuote(String word) {
    if (word.matches("[A-Za-z0-9_./:=,+-]+")) {
      return word;
    }
    return "'" + word.replace("'", "'\\''") + "'";
  }

  private static void add(List<String> args, String flag, String value) {
    args.add(flag);
    args.add(value);
  }
}
