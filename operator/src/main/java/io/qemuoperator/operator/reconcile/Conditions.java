package io.qemuoperator.operator.reconcile;

/** The condition types the operator writes; reasons are CamelCase and stable. */
public final class Conditions {
  /** The VM is in the state its spec declares (running or paused), nothing pending. */
  public static final String READY = "Ready";

  /** Everything the spec asks of the running QEMU is applied (or why not). */
  public static final String SYNCED = "Synced";

  /** The sidecar answers and QEMU's QMP monitor is connected. */
  public static final String SIDECAR_CONNECTED = "SidecarConnected";

  /** QEMU's vCPUs are stopped. */
  public static final String PAUSED = "Paused";

  /** True when QEMU runs with KVM; False (reason TCG) when it emulates the CPU in software. */
  public static final String ACCELERATED = "Accelerated";

  /**
   * The guest is up: it answers the HTTP GET of its readiness probe (the kubelet's probe of the
   * qemu container). Present only when the running pod declares a probe.
   */
  public static final String GUEST_READY = "GuestReady";

  /** The spec passes every rule of the CRD (checked again by the operator). */
  public static final String SPEC_VALID = "SpecValid";

  /** The guest was asked to power down; lastTransitionTime is when. */
  public static final String STOPPING = "Stopping";

  /** A QemuVMMigration moves the VM to a new pod (present only while it does). */
  public static final String MIGRATING = "Migrating";

  /**
   * Every imported disk has its image (reason Imported); False while the pod's init container
   * imports (Importing) or after it failed (ImportFailed, with the importer's message). Only for
   * VMs with a disk imported from a URL.
   */
  public static final String DISKS_READY = "DisksReady";

  private Conditions() {}
}
