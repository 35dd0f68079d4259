package io.qemuoperator.operator.plan;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The fields of a VM that QEMU reads only at start ({@link SpecField.Class#RESTART}), in QEMU's
 * units: what a QEMU process was launched with, or what the spec declares for the next one.
 *
 * @param cpus vCPUs
 * @param memoryBytes guest RAM, a whole number of MiB (QEMU's {@code -m} unit)
 * @param disks the disks (drive ids), in spec order: the name, {@code NAME@CLAIM} for a disk on a
 *     claim the user owns, {@code NAME+image:HASH} for a disk imported from a URL (the hash of its
 *     url and sha256: another source is another pod, whose import fills a disk not made yet)
 * @param bootOrder the disks' names in boot order (QEMU's bootindex 1, 2, ...): the disks with a
 *     {@code bootOrder}, else the first disk
 * @param firmware {@code BIOS} or {@code UEFI}
 * @param machine the spec's machine type; empty: q35 as pinned at the VM's first launch
 * @param cloudInit a digest of the cloud-init seed's declaration ({@code spec.cloudInit}), empty
 *     when none
 * @param ports the forwarded ports, {@code name:port/protocol} joined by commas, empty when none
 * @param readiness the guest's readiness probe ({@code port/period/failures/digest of the path}),
 *     empty when none
 * @param guestAgent the virtio-serial port of the QEMU guest agent, which the sidecar follows
 * @param accelerator the spec's accelerator (Auto, KVM, TCG); empty: the operator's default
 * @param cdroms the CD-ROMs, {@code name@claim} joined by commas in spec order, empty when none
 *     (their media are live, not part of the launch)
 */
public record BootConfig(
    int cpus,
    long memoryBytes,
    List<String> disks,
    List<String> bootOrder,
    String firmware,
    String machine,
    String cloudInit,
    String ports,
    String readiness,
    boolean guestAgent,
    String accelerator,
    String cdroms) {
  private static final long MIB = 1L << 20;

  public static final String BIOS = "BIOS";

  public BootConfig {
    disks = List.copyOf(disks);
    bootOrder = List.copyOf(bootOrder);
    cloudInit = cloudInit == null ? "" : cloudInit;
    ports = ports == null ? "" : ports;
    readiness = readiness == null ? "" : readiness;
    accelerator = accelerator == null ? "" : accelerator;
    cdroms = cdroms == null ? "" : cdroms;
  }

  /**
   * Only the seed's fields: BIOS, the first disk boots, the machine pinned at first launch; no
   * cloud-init seed, ports, probe, guest agent or CD-ROM; the operator's accelerator.
   */
  public BootConfig(int cpus, long memoryBytes, List<String> disks) {
    this(cpus, memoryBytes, disks, defaultBootOrder(disks), BIOS, "", "", "", "", false, "", "");
  }

  /** The first disk, when nothing else is asked. */
  public static List<String> defaultBootOrder(List<String> disks) {
    return disks.isEmpty() ? List.of() : List.of(disks.get(0).split("[@+]", 2)[0]);
  }

  /** A disk as {@link #disks} lists it: its name, and where its content comes from. */
  public static String disk(String name, Optional<String> userClaim, Optional<String> imageSource) {
    if (userClaim.isPresent()) {
      return name + "@" + userClaim.get();
    }
    return imageSource.map(source -> name + "+image:" + shortHash(source)).orElse(name);
  }

  private static String shortHash(String text) {
    try {
      byte[] digest =
          java.security.MessageDigest.getInstance("SHA-256")
              .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(digest, 0, 6);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** The disks' names (drive ids), in spec order. */
  public List<String> diskNames() {
    return disks.stream().map(disk -> disk.split("[@+]", 2)[0]).toList();
  }

  /** {@code bytes} as QEMU's {@code -m} takes it: rounded up to a whole MiB. */
  public static long wholeMebibytes(long bytes) {
    return Math.ceilDiv(bytes, MIB) * MIB;
  }

  /**
   * One line, stable: the pod's annotation and the input of the launch revision. The boot order,
   * firmware, machine, seed, ports, readiness probe, guest agent, accelerator and CD-ROMs appear
   * only when they are not the defaults, so a VM that uses none of them keeps the revision it had
   * before they existed.
   */
  public String canonical() {
    var text =
        new StringBuilder(
            "cpus=" + cpus + ";memory=" + memoryBytes + ";disks=" + String.join(",", disks));
    if (!bootOrder.equals(defaultBootOrder(disks))) {
      text.append(";boot=").append(String.join(",", bootOrder));
    }
    if (!firmware.equals(BIOS)) {
      text.append(";firmware=").append(firmware);
    }
    if (!machine.isEmpty()) {
      text.append(";machine=").append(machine);
    }
    if (!cloudInit.isEmpty()) {
      text.append(";cloudInit=").append(cloudInit);
    }
    if (!ports.isEmpty()) {
      text.append(";ports=").append(ports);
    }
    if (!readiness.isEmpty()) {
      text.append(";readiness=").append(readiness);
    }
    if (guestAgent) {
      text.append(";guestAgent=true");
    }
    if (!accelerator.isEmpty()) {
      text.append(";accelerator=").append(accelerator);
    }
    if (!cdroms.isEmpty()) {
      text.append(";cdroms=").append(cdroms);
    }
    return text.toString();
  }

  /** The reverse of {@link #canonical()}; empty for anything else (an older or edited pod). */
  public static Optional<BootConfig> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    String[] parts = text.split(";", -1);
    if (parts.length < 3
        || !parts[0].startsWith("cpus=")
        || !parts[1].startsWith("memory=")
        || !parts[2].startsWith("disks=")) {
      return Optional.empty();
    }
    try {
      List<String> disks = list(parts[2].substring("disks=".length()));
      List<String> bootOrder = defaultBootOrder(disks);
      String firmware = BIOS;
      String machine = "";
      String cloudInit = "";
      String ports = "";
      String readiness = "";
      boolean guestAgent = false;
      String accelerator = "";
      String cdroms = "";
      for (int i = 3; i < parts.length; i++) {
        String part = parts[i];
        if (part.startsWith("boot=")) {
          bootOrder = list(part.substring("boot=".length()));
        } else if (part.startsWith("firmware=")) {
          firmware = part.substring("firmware=".length());
        } else if (part.startsWith("machine=")) {
          machine = part.substring("machine=".length());
        } else if (part.startsWith("cloudInit=")) {
          cloudInit = part.substring("cloudInit=".length());
        } else if (part.startsWith("ports=")) {
          ports = part.substring("ports=".length());
        } else if (part.startsWith("readiness=")) {
          readiness = part.substring("readiness=".length());
        } else if (part.equals("guestAgent=true")) {
          guestAgent = true;
        } else if (part.startsWith("accelerator=")) {
          accelerator = part.substring("accelerator=".length());
        } else if (part.startsWith("cdroms=")) {
          cdroms = part.substring("cdroms=".length());
        } else {
          return Optional.empty();
        }
      }
      return Optional.of(
          new BootConfig(
              Integer.parseInt(parts[0].substring("cpus=".length())),
              Long.parseLong(parts[1].substring("memory=".length())),
              disks,
              bootOrder,
              firmware,
              machine,
              cloudInit,
              ports,
              readiness,
              guestAgent,
              accelerator,
              cdroms));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static List<String> list(String text) {
    return text.isEmpty() ? List.of() : Arrays.asList(text.split(","));
  }

  /**
   * The boot-time fields whose value differs between this (running) and {@code declared}, named by
   * the field table, in its order.
   */
  public List<FieldChange> changesTo(BootConfig declared) {
    var changes = new ArrayList<FieldChange>();
    for (SpecField field : SpecField.values()) {
      field
          .bootValue()
          .ifPresent(
              value -> {
                String running = value.apply(this);
                String wanted = value.apply(declared);
                if (!running.equals(wanted)) {
                  changes.add(new FieldChange(field.path(), running, wanted));
                }
              });
    }
    return List.copyOf(changes);
  }

  /** A boot-time field the running QEMU has with another value than the spec declares. */
  public record FieldChange(String path, String running, String declared) {
    @Override
    public String toString() {
      return path + " " + running + " → " + declared;
    }
  }
}
