package io.qemuoperator.operator.sidecar;

import io.qemuoperator.operator.plan.CdromMedia;
import io.qemuoperator.operator.plan.IoLimits;
import io.qemuoperator.operator.plan.ObservedVm;
import io.qemuoperator.qmp.types.CpuInfo;
import io.qemuoperator.sidecar.api.BlockDevice;
import io.qemuoperator.sidecar.api.GuestAgentState;
import io.qemuoperator.sidecar.api.InsertedMedium;
import io.qemuoperator.sidecar.api.MigrationParameters;
import io.qemuoperator.sidecar.api.VmState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * One {@code /v1/state} snapshot as the operator sees it: what it plans from and writes into
 * status, taken from the wire contract's {@link VmState}.
 *
 * @param instance the sidecar's instance id
 * @param session the sidecar's QMP session number (grows when QEMU restarted)
 * @param eventSeq the newest event sequence number when the snapshot was read
 * @param baseMemory guest RAM QEMU was started with ({@code query-memory-size-summary}), where this
 *     QEMU reports it
 * @param machine the versioned machine type QEMU runs (e.g. {@code pc-q35-7.2}), when read
 * @param guestAgent the guest agent as the sidecar last heard it, when the sidecar follows one
 * @param media per removable drive (a CD-ROM), its medium and tray as QEMU reports them
 */
public record VmSnapshot(
    String instance,
    long session,
    long eventSeq,
    String qemuVersion,
    boolean kvmEnabled,
    boolean kvmPresent,
    String runState,
    OptionalLong balloonActual,
    OptionalLong baseMemory,
    List<DiskState> disks,
    List<CpuState> cpus,
    String migrationStatus,
    OptionalLong maxBandwidth,
    OptionalLong downtimeLimitMillis,
    java.util.Optional<String> machine,
    java.util.Optional<GuestAgentState> guestAgent,
    java.util.Map<String, CdromMedia.Medium> media) {

  public VmSnapshot {
    disks = List.copyOf(disks);
    cpus = List.copyOf(cpus);
    media = java.util.Map.copyOf(media);
  }

  /**
   * A block device with a medium: its drive id, virtual size (modern QEMU's {@code
   * inserted.image.virtual-size}; -1 where QEMU does not report it), format, read-only, I/O status,
   * the I/O limits QEMU applies.
   */
  public record DiskState(
      String device,
      long sizeBytes,
      String format,
      boolean readOnly,
      String ioStatus,
      IoLimits ioLimits) {

    /** Without I/O limits. */
    public DiskState(
        String device, long sizeBytes, String format, boolean readOnly, String ioStatus) {
      this(device, sizeBytes, format, readOnly, ioStatus, IoLimits.NONE);
    }
  }

  /** A vCPU: its index and the host thread that runs it. */
  public record CpuState(long index, long threadId) {}

  /**
   * The operator's view of {@code state}. A member the sidecar could not read (null, its error
   * under {@code errors}) reads as unknown: no run state, no balloon figure, no disks, no vCPUs.
   */
  public static VmSnapshot from(VmState state) {
    var disks = new ArrayList<DiskState>();
    var media = new LinkedHashMap<String, CdromMedia.Medium>();
    for (BlockDevice block : orEmpty(state.block())) {
      InsertedMedium inserted = block.inserted();
      if (block.removable()) {
        media.put(
            block.device(),
            new CdromMedia.Medium(
                java.util.Optional.ofNullable(inserted).map(i -> i.info().file()),
                java.util.Optional.ofNullable(block.trayOpen()),
                block.locked()));
      }
      if (inserted == null) {
        continue; // an empty drive (an ejected CD): nothing the operator sizes
      }
      disks.add(
          new DiskState(
              block.device(),
              inserted.image() == null ? -1 : inserted.image().virtualSize(),
              inserted.info().drv(),
              inserted.info().ro(),
              block.ioStatus() == null ? "ok" : block.ioStatus().wireName(),
              IoLimits.of(inserted.info())));
    }
    var cpus = new ArrayList<CpuState>();
    for (CpuInfo cpu : orEmpty(state.cpus())) {
      cpus.add(new CpuState(cpu.cpu(), cpu.threadId()));
    }
    MigrationParameters parameters = state.migrateParameters();
    return new VmSnapshot(
        state.instance(),
        state.session(),
        state.eventSeq(),
        state.qemu() == null ? "" : state.qemu().version(),
        state.kvm() != null && state.kvm().enabled(),
        state.kvm() != null && state.kvm().present(),
        state.status() == null || state.status().status() == null ? "" : state.status().status(),
        state.balloon() == null ? OptionalLong.empty() : OptionalLong.of(state.balloon().actual()),
        state.memorySize() == null
            ? OptionalLong.empty()
            : OptionalLong.of(state.memorySize().baseMemory()),
        disks,
        cpus,
        state.migrate() == null || state.migrate().status() == null
            ? "none"
            : state.migrate().status(),
        optionalLong(parameters, MigrationParameters::maxBandwidth),
        optionalLong(parameters, MigrationParameters::downtimeLimit),
        java.util.Optional.ofNullable(state.machine()),
        java.util.Optional.ofNullable(state.guestAgent()),
        media);
  }

  private static <T> List<T> orEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }

  private static OptionalLong optionalLong(
      MigrationParameters parameters, Function<MigrationParameters, Long> member) {
    Long value = parameters == null ? null : member.apply(parameters);
    return value == null ? OptionalLong.empty() : OptionalLong.of(value);
  }

  /** This snapshot with QEMU in {@code runState} (after a {@code stop} or {@code cont}). */
  public VmSnapshot withRunState(String runState) {
    return new VmSnapshot(
        instance,
        session,
        eventSeq,
        qemuVersion,
        kvmEnabled,
        kvmPresent,
        runState,
        balloonActual,
        baseMemory,
        disks,
        cpus,
        migrationStatus,
        maxBandwidth,
        downtimeLimitMillis,
        machine,
        guestAgent,
        media);
  }

  /** What the planner decides on (without the pod and claims, which the caller adds). */
  public ObservedVm observed() {
    var sizes = new LinkedHashMap<String, Long>();
    disks.stream()
        .filter(disk -> disk.sizeBytes() >= 0)
        .forEach(disk -> sizes.put(disk.device(), disk.sizeBytes()));
    var ioLimits = new LinkedHashMap<String, IoLimits>();
    disks.forEach(disk -> ioLimits.put(disk.device(), disk.ioLimits()));
    return new ObservedVm(
        runState,
        balloonActual,
        sizes,
        maxBandwidth,
        downtimeLimitMillis,
        java.util.Optional.empty(),
        java.util.Map.of(),
        qemuIdentity(),
        ioLimits,
        media);
  }

  /**
   * Which QEMU process this is: the host thread ids of its vCPUs, which are its own (a restarted
   * QEMU has others; a restarted sidecar finds the same QEMU).
   */
  public String qemuIdentity() {
    return cpus.stream()
        .map(cpu -> Long.toString(cpu.threadId()))
        .collect(java.util.stream.Collectors.joining(","));
  }
}
