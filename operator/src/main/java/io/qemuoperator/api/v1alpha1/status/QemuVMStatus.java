package io.qemuoperator.api.v1alpha1.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Min;
import java.util.List;
import java.util.Objects;

/** What the operator and QEMU report about a VM. Written only by the operator. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({
  "phase",
  "runState",
  "observedGeneration",
  "conditions",
  "vcpus",
  "machine",
  "qemu",
  "memory",
  "disks",
  "diskImports",
  "cpus",
  "migration",
  "network",
  "cdroms",
  "sidecarInstance",
  "guest",
  "intent"
})
public class QemuVMStatus {

  @JsonPropertyDescription(
      "The VM's life-cycle phase: Pending, Starting, Running, Paused, Stopping, Stopped or Failed.")
  private QemuVMPhase phase;

  @JsonPropertyDescription(
      "QEMU's run state as query-status reports it, e.g. running, paused, prelaunch.")
  private String runState;

  @JsonPropertyDescription("The metadata.generation of the spec this status was computed for.")
  @Min(0)
  private Long observedGeneration;

  @JsonPropertyDescription(
      "The VM's conditions (Ready, Paused, Synced, SidecarConnected, ...), one per type.")
  private List<Condition> conditions;

  @JsonPropertyDescription(
      "How many vCPUs QEMU runs (query-cpus), which is what the CPUs column shows: after a change"
          + " of spec.cpus it follows once the VM has restarted.")
  @Min(0)
  private Integer vcpus;

  @JsonPropertyDescription(
      "The versioned machine type QEMU runs (e.g. pc-q35-7.2), read from QEMU at the VM's first"
          + " launch and kept: every later launch uses it unless spec.machine says otherwise, so a"
          + " QEMU upgrade never changes the guest's hardware.")
  private String machine;

  @JsonPropertyDescription("The QEMU process: version and KVM acceleration.")
  private QemuStatus qemu;

  @JsonPropertyDescription("Guest memory as the balloon reports it.")
  private MemoryStatus memory;

  @JsonPropertyDescription("The VM's block devices as QEMU reports them.")
  private List<DiskStatus> disks;

  @JsonPropertyDescription(
      "While the VM pod's init container imports disks from their URLs: how far each is (read from"
          + " the importer every few seconds); absent otherwise.")
  private List<DiskImportStatus> diskImports;

  @JsonPropertyDescription("The VM's virtual CPUs.")
  private List<CpuStatus> cpus;

  @JsonPropertyDescription("Migration state and parameters.")
  private MigrationStatus migration;

  @JsonPropertyDescription("The NIC as the running QEMU has it (its link state).")
  private NetworkStatus network;

  @JsonPropertyDescription(
      "The VM's CD-ROMs as QEMU reports them (query-block): the medium inserted, the tray.")
  private List<CdromStatus> cdroms;

  @JsonPropertyDescription(
      "The instance id of the QMP sidecar last read; a new id means events may have been missed and state is re-read.")
  private String sidecarInstance;

  @JsonPropertyDescription(
      "The QEMU guest agent and what it tells of the guest (only with spec.guestAgent), as the"
          + " sidecar last heard it.")
  private GuestStatus guest;

  @JsonPropertyDescription(
      "What the operator asked of the running QEMU (balloon target, power-down), and of which"
          + " QEMU and pod revision; read back by the operator, not meant for people.")
  private IntentStatus intent;

  public QemuVMStatus() {}

  public String getMachine() {
    return machine;
  }

  public void setMachine(String machine) {
    this.machine = machine;
  }

  public Integer getVcpus() {
    return vcpus;
  }

  public void setVcpus(Integer vcpus) {
    this.vcpus = vcpus;
  }

  public IntentStatus getIntent() {
    return intent;
  }

  public void setIntent(IntentStatus intent) {
    this.intent = intent;
  }

  public QemuVMPhase getPhase() {
    return phase;
  }

  public void setPhase(QemuVMPhase phase) {
    this.phase = phase;
  }

  public String getRunState() {
    return runState;
  }

  public void setRunState(String runState) {
    this.runState = runState;
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  public QemuStatus getQemu() {
    return qemu;
  }

  public void setQemu(QemuStatus qemu) {
    this.qemu = qemu;
  }

  public MemoryStatus getMemory() {
    return memory;
  }

  public void setMemory(MemoryStatus memory) {
    this.memory = memory;
  }

  public List<DiskStatus> getDisks() {
    return disks;
  }

  public void setDisks(List<DiskStatus> disks) {
    this.disks = disks;
  }

  public List<DiskImportStatus> getDiskImports() {
    return diskImports;
  }

  public void setDiskImports(List<DiskImportStatus> diskImports) {
    this.diskImports = diskImports;
  }

  public List<CpuStatus> getCpus() {
    return cpus;
  }

  public void setCpus(List<CpuStatus> cpus) {
    this.cpus = cpus;
  }

  public NetworkStatus getNetwork() {
    return network;
  }

  public void setNetwork(NetworkStatus network) {
    this.network = network;
  }

  public List<CdromStatus> getCdroms() {
    return cdroms;
  }

  public void setCdroms(List<CdromStatus> cdroms) {
    this.cdroms = cdroms;
  }

  public MigrationStatus getMigration() {
    return migration;
  }

  public void setMigration(MigrationStatus migration) {
    this.migration = migration;
  }

  public String getSidecarInstance() {
    return sidecarInstance;
  }

  public void setSidecarInstance(String sidecarInstance) {
    this.sidecarInstance = sidecarInstance;
  }

  public GuestStatus getGuest() {
    return guest;
  }

  public void setGuest(GuestStatus guest) {
    this.guest = guest;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof QemuVMStatus other
        && Objects.equals(phase, other.phase)
        && Objects.equals(runState, other.runState)
        && Objects.equals(observedGeneration, other.observedGeneration)
        && Objects.equals(conditions, other.conditions)
        && Objects.equals(qemu, other.qemu)
        && Objects.equals(memory, other.memory)
        && Objects.equals(disks, other.disks)
        && Objects.equals(diskImports, other.diskImports)
        && Objects.equals(cpus, other.cpus)
        && Objects.equals(migration, other.migration)
        && Objects.equals(network, other.network)
        && Objects.equals(cdroms, other.cdroms)
        && Objects.equals(sidecarInstance, other.sidecarInstance)
        && Objects.equals(vcpus, other.vcpus)
        && Objects.equals(machine, other.machine)
        && Objects.equals(guest, other.guest)
        && Objects.equals(intent, other.intent);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        phase,
        runState,
        observedGeneration,
        conditions,
        qemu,
        memory,
        disks,
        diskImports,
        cpus,
        migration,
        network,
        cdroms,
        sidecarInstance,
        vcpus,
        machine,
        guest,
        intent);
  }

  @Override
  public String toString() {
    return "QemuVMStatus{phase=%s, runState=%s, observedGeneration=%s, conditions=%s, qemu=%s, memory=%s, disks=%s, diskImports=%s, cpus=%s, migration=%s, network=%s, cdroms=%s, sidecarInstance=%s, vcpus=%s, machine=%s, guest=%s, intent=%s}"
        .formatted(
            phase,
            runState,
            observedGeneration,
            conditions,
            qemu,
            memory,
            disks,
            diskImports,
            cpus,
            migration,
            network,
            cdroms,
            sidecarInstance,
            vcpus,
            machine,
            guest,
            intent);
  }
}
