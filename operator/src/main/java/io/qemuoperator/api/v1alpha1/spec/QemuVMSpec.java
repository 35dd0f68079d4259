package io.qemuoperator.api.v1alpha1.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What the user declares about a VM. Defaults are written both here (so a client that never went
 * through an API server sees them) and in the CRD ({@code @Default}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({
  "running",
  "paused",
  "cpus",
  "memory",
  "balloon",
  "disks",
  "cdroms",
  "firmware",
  "machine",
  "migration",
  "network",
  "accelerator",
  "terminationGracePeriodSeconds",
  "updateStrategy",
  "cloudInit",
  "ports",
  "service",
  "readinessProbe",
  "guestAgent"
})
@ValidationRule(
    value =
        "!has(self.balloon) || !isQuantity(string(self.balloon))"
            + " || !isQuantity(string(self.memory))"
            + " || quantity(string(self.balloon)).compareTo(quantity(string(self.memory))) <= 0",
    message = "balloon must not exceed memory",
    fieldPath = ".balloon",
    reason = "FieldValueInvalid")
@ValidationRule(
    value =
        "!has(self.readinessProbe) || (has(self.ports) && self.ports.exists(p, p.name =="
            + " self.readinessProbe.port && (!has(p.protocol) || p.protocol == 'TCP')))",
    message = "readinessProbe.port must name a declared TCP port",
    fieldPath = ".readinessProbe.port",
    reason = "FieldValueInvalid")
@ValidationRule(
    value =
        "!has(self.cdroms) || !has(self.disks)"
            + " || self.cdroms.all(c, !self.disks.exists(d, d.name == c.name))",
    message = "a CD-ROM's name must differ from every disk's",
    fieldPath = ".cdroms",
    reason = "FieldValueDuplicate")
@ValidationRule(
    value = "!has(self.service) || (has(self.ports) && size(self.ports) > 0)",
    message = "a service needs at least one declared port",
    fieldPath = ".service",
    reason = "FieldValueRequired")
public class QemuVMSpec {

  public static final int MIN_CPUS = 1;
  public static final int MAX_CPUS = 64;
  public static final int DEFAULT_CPUS = 1;
  public static final String DEFAULT_MEMORY = "512Mi";
  public static final long DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 60;
  public static final long MAX_TERMINATION_GRACE_PERIOD_SECONDS = 3600;
  public static final int MAX_DISKS = 16;
  public static final int MAX_PORTS = 32;
  public static final int MAX_CDROMS = 4;

  /** A q35 machine type, as {@code qemu-system-x86_64 -machine help} lists them. */
  public static final String MACHINE_PATTERN = "^(q35|pc-q35-[0-9]+\\.[0-9]+)$";

  /** The CEL rule (one per quantity field) that a quantity parses and is greater than zero. */
  public static final String POSITIVE_QUANTITY_RULE =
      "isQuantity(string(self)) && quantity(string(self)).sign() > 0";

  @JsonPropertyDescription(
      "Whether the VM should run. false: the guest is asked to power down (ACPI), QEMU is stopped"
          + " after terminationGracePeriodSeconds and the VM's pod is removed. Defaults to true.")
  @Default("true")
  private Boolean running = true;

  @JsonPropertyDescription(
      "Whether the VM's vCPUs are paused (QMP stop) or running (QMP cont). Only meaningful while"
          + " running is true. Defaults to false.")
  @Default("false")
  private Boolean paused = false;

  @JsonPropertyDescription(
      "Number of virtual CPUs, 1 to 64. Read at boot: a change restarts the VM. Defaults to 1.")
  @Default("1")
  @Min(MIN_CPUS)
  @Max(MAX_CPUS)
  private Integer cpus = DEFAULT_CPUS;

  @JsonPropertyDescription(
      "Guest RAM at boot, a positive Kubernetes quantity (e.g. 1Gi). Read at boot: a change"
          + " restarts the VM. Defaults to 512Mi.")
  @Default(DEFAULT_MEMORY)
  @ValidationRule(
      value = POSITIVE_QUANTITY_RULE,
      message = "memory must be a positive quantity, e.g. 512Mi")
  private Quantity memory = new Quantity(DEFAULT_MEMORY);

  @JsonPropertyDescription(
      "Target guest RAM for the virtio balloon (QMP balloon), a positive quantity not above"
          + " memory. Changed live. Unset: the balloon is left alone.")
  @ValidationRule(
      value = POSITIVE_QUANTITY_RULE,
      message = "balloon must be a positive quantity, e.g. 768Mi")
  private Quantity balloon;

  @JsonPropertyDescription(
      "The VM's disks, one PersistentVolumeClaim each, at most 16. Names are unique; a disk's"
          + " size can grow (online, QMP block_resize) but never shrink.")
  @Size(max = MAX_DISKS)
  @ValidationRule(
      value = "self.all(d, self.exists_one(e, e.name == d.name))",
      message = "disk names must be unique",
      reason = "FieldValueDuplicate")
  @ValidationRule(
      value =
          "self.all(d, !has(d.bootOrder) || self.exists_one(e, has(e.bootOrder) &&"
              + " e.bootOrder == d.bootOrder))",
      message = "disks' bootOrder values must be unique",
      reason = "FieldValueDuplicate")
  @ValidationRule(
      value =
          "self.all(d, oldSelf.all(o, o.name != d.name || !isQuantity(string(d.size))"
              + " || quantity(string(d.size)).compareTo(quantity(string(o.size))) >= 0))",
      message = "a disk's size can grow but never shrink",
      reason = "FieldValueForbidden")
  private List<DiskSpec> disks = new ArrayList<>();

  @JsonPropertyDescription(
      "Read-only CD-ROMs (scsi-cd on a virtio-scsi controller), at most 4, names unique among"
          + " disks and CD-ROMs. Each shows the guest a medium from a claim the user owns: the"
          + " claim is read at boot (adding or removing a CD-ROM, or changing its claim, restarts"
          + " the VM); file, the medium, is changed live (change/eject).")
  @Size(max = MAX_CDROMS)
  @ValidationRule(
      value = "self.all(c, self.exists_one(e, e.name == c.name))",
      message = "CD-ROM names must be unique",
      reason = "FieldValueDuplicate")
  private List<CdromSpec> cdroms;

  @JsonPropertyDescription(
      "The firmware the VM boots with: BIOS (SeaBIOS, the default) or UEFI (OVMF; its variables"
          + " are kept in a per-VM file on the first disk's claim, or in the pod's memory when"
          + " the VM has no disk). Read at boot: a change restarts the VM.")
  @Default("BIOS")
  private Firmware firmware = Firmware.BIOS;

  @JsonPropertyDescription(
      "QEMU's machine type, versioned (e.g. pc-q35-7.2). Unset: q35 as the node's QEMU resolves it"
          + " at the VM's first launch, recorded in status.machine and used for every later"
          + " launch, so a QEMU upgrade never changes the guest's hardware. Read at boot: a"
          + " change restarts the VM.")
  @Pattern(MACHINE_PATTERN)
  @Size(min = 1, max = 64)
  private String machine;

  @JsonPropertyDescription("Live-migration parameters applied to QEMU (bandwidth and downtime).")
  private MigrationSpec migration;

  @JsonPropertyDescription("The VM's network interface (its link state).")
  private NetworkSpec network;

  @JsonPropertyDescription(
      "The accelerator: Auto (KVM where the node has a usable one, TCG otherwise), KVM (KVM or QEMU"
          + " does not start: no silent fallback) or TCG (software emulation; /dev/kvm not asked"
          + " for). Unset: the operator's default (ACCELERATOR, chart vm.accelerator; Auto). Read"
          + " at boot: a change restarts the VM. status.qemu.kvm and the condition Accelerated"
          + " say what QEMU runs with.")
  private Accelerator accelerator;

  @JsonPropertyDescription(
      "Seconds the guest is given to power down after an ACPI shutdown request before QEMU is"
          + " stopped, 0 to 3600. Defaults to 60.")
  @Default("60")
  @Min(0)
  @Max(MAX_TERMINATION_GRACE_PERIOD_SECONDS)
  private Long terminationGracePeriodSeconds = DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS;

  @JsonPropertyDescription(
      "How a change of a boot-time field (cpus, memory, a disk added or removed) is applied:"
          + " Automatic restarts the VM gracefully (ACPI power-down, the grace period, a new QEMU;"
          + " disks kept); Manual keeps it running and reports Synced=False RestartRequired until"
          + " the annotation qemu-operator.io/restartedAt is set to a new value. Defaults to"
          + " Automatic.")
  @Default("Automatic")
  private UpdateStrategy updateStrategy = UpdateStrategy.Automatic;

  @JsonPropertyDescription(
      "A cloud-init NoCloud seed attached to the guest read-only (a FAT disk labelled CIDATA):"
          + " user-data and network-config as declared, meta-data with the VM's name as"
          + " local-hostname and its uid as instance-id. Read at boot: a change restarts the VM.")
  private CloudInitSpec cloudInit;

  @JsonPropertyDescription(
      "Guest ports the VM pod forwards from the same port of its IP (QEMU user networking,"
          + " hostfwd), at most 32; names unique, each port and protocol at most once. Declared as"
          + " the qemu container's ports. Read at boot: a change restarts the VM.")
  @Size(max = MAX_PORTS)
  @ValidationRule(
      value = "self.all(p, self.exists_one(q, q.name == p.name))",
      message = "port names must be unique",
      reason = "FieldValueDuplicate")
  @ValidationRule(
      value =
          "self.all(p, self.exists_one(q, q.port == p.port"
              + " && (has(q.protocol) ? q.protocol : 'TCP') == (has(p.protocol) ? p.protocol :"
              + " 'TCP')))",
      message = "each port and protocol may be declared once",
      reason = "FieldValueDuplicate")
  private List<PortSpec> ports;

  @JsonPropertyDescription(
      "A Service for the declared ports, selecting the VM's pod, owned by the QemuVM (deleted with"
          + " it, or when this field is removed). Unset: no Service.")
  private ServiceSpec service;

  @JsonPropertyDescription(
      "How the guest is known to be up (condition GuestReady, and Ready): an HTTP GET on a declared"
          + " TCP port that answers 200-399, probed by the kubelet on the VM pod's IP. Unset: no guest"
          + " probe; Ready then means QEMU runs as declared. Read at boot: a change restarts the"
          + " VM.")
  private ReadinessProbeSpec readinessProbe;

  @JsonPropertyDescription(
      "true: the VM gets a virtio-serial port org.qemu.guest_agent.0 for the QEMU guest agent"
          + " (qemu-ga in the guest) and the sidecar follows it: status.guest reports the agent and"
          + " what it tells of the guest (OS, kernel, host name), and, without a readinessProbe, the"
          + " agent answering is condition GuestReady. Default false. Read at boot: a change"
          + " restarts the VM.")
  private Boolean guestAgent;

  public Boolean getRunning() {
    return running;
  }

  public void setRunning(Boolean running) {
    this.running = running;
  }

  public Boolean getPaused() {
    return paused;
  }

  public void setPaused(Boolean paused) {
    this.paused = paused;
  }

  public Integer getCpus() {
    return cpus;
  }

  public void setCpus(Integer cpus) {
    this.cpus = cpus;
  }

  public Quantity getMemory() {
    return memory;
  }

  public void setMemory(Quantity memory) {
    this.memory = memory;
  }

  public Quantity getBalloon() {
    return balloon;
  }

  public void setBalloon(Quantity balloon) {
    this.balloon = balloon;
  }

  public List<DiskSpec> getDisks() {
    return disks;
  }

  public void setDisks(List<DiskSpec> disks) {
    this.disks = disks;
  }

  public List<CdromSpec> getCdroms() {
    return cdroms;
  }

  public void setCdroms(List<CdromSpec> cdroms) {
    this.cdroms = cdroms;
  }

  public Firmware getFirmware() {
    return firmware;
  }

  public void setFirmware(Firmware firmware) {
    this.firmware = firmware;
  }

  public String getMachine() {
    return machine;
  }

  public void setMachine(String machine) {
    this.machine = machine;
  }

  public MigrationSpec getMigration() {
    return migration;
  }

  public void setMigration(MigrationSpec migration) {
    this.migration = migration;
  }

  public Accelerator getAccelerator() {
    return accelerator;
  }

  public void setAccelerator(Accelerator accelerator) {
    this.accelerator = accelerator;
  }

  public NetworkSpec getNetwork() {
    return network;
  }

  public void setNetwork(NetworkSpec network) {
    this.network = network;
  }

  public Long getTerminationGracePeriodSeconds() {
    return terminationGracePeriodSeconds;
  }

  public void setTerminationGracePeriodSeconds(Long terminationGracePeriodSeconds) {
    this.terminationGracePeriodSeconds = terminationGracePeriodSeconds;
  }

  public UpdateStrategy getUpdateStrategy() {
    return updateStrategy;
  }

  public void setUpdateStrategy(UpdateStrategy updateStrategy) {
    this.updateStrategy = updateStrategy;
  }

  public CloudInitSpec getCloudInit() {
    return cloudInit;
  }

  public void setCloudInit(CloudInitSpec cloudInit) {
    this.cloudInit = cloudInit;
  }

  public List<PortSpec> getPorts() {
    return ports;
  }

  public void setPorts(List<PortSpec> ports) {
    this.ports = ports;
  }

  public ServiceSpec getService() {
    return service;
  }

  public void setService(ServiceSpec service) {
    this.service = service;
  }

  public Boolean getGuestAgent() {
    return guestAgent;
  }

  public void setGuestAgent(Boolean guestAgent) {
    this.guestAgent = guestAgent;
  }

  public ReadinessProbeSpec getReadinessProbe() {
    return readinessProbe;
  }

  public void setReadinessProbe(ReadinessProbeSpec readinessProbe) {
    this.readinessProbe = readinessProbe;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof QemuVMSpec s
        && Objects.equals(running, s.running)
        && Objects.equals(paused, s.paused)
        && Objects.equals(cpus, s.cpus)
        && Objects.equals(memory, s.memory)
        && Objects.equals(balloon, s.balloon)
        && Objects.equals(disks, s.disks)
        && Objects.equals(cdroms, s.cdroms)
        && Objects.equals(firmware, s.firmware)
        && Objects.equals(machine, s.machine)
        && Objects.equals(migration, s.migration)
        && Objects.equals(network, s.network)
        && Objects.equals(accelerator, s.accelerator)
        && Objects.equals(terminationGracePeriodSeconds, s.terminationGracePeriodSeconds)
        && Objects.equals(updateStrategy, s.updateStrategy)
        && Objects.equals(cloudInit, s.cloudInit)
        && Objects.equals(ports, s.ports)
        && Objects.equals(service, s.service)
        && Objects.equals(readinessProbe, s.readinessProbe)
        && Objects.equals(guestAgent, s.guestAgent);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        running,
        paused,
        cpus,
        memory,
        balloon,
        disks,
        cdroms,
        firmware,
        machine,
        migration,
        network,
        accelerator,
        terminationGracePeriodSeconds,
        updateStrategy,
        cloudInit,
        ports,
        service,
        readinessProbe,
        guestAgent);
  }

  @Override
  public String toString() {
    return "QemuVMSpec{running=%s, paused=%s, cpus=%s, memory=%s, balloon=%s, disks=%s, cdroms=%s, firmware=%s, machine=%s, migration=%s, network=%s, accelerator=%s, terminationGracePeriodSeconds=%s, updateStrategy=%s, cloudInit=%s, ports=%s, service=%s, readinessProbe=%s, guestAgent=%s}"
        .formatted(
            running,
            paused,
            cpus,
            memory,
            balloon,
            disks,
            cdroms,
            firmware,
            machine,
            migration,
            network,
            accelerator,
            terminationGracePeriodSeconds,
            updateStrategy,
            cloudInit,
            ports,
            service,
            readinessProbe,
            guestAgent);
  }
}
