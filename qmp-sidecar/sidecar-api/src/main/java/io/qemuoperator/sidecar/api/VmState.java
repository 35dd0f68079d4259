package io.qemuoperator.sidecar.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.qemuoperator.qmp.types.BalloonInfo;
import io.qemuoperator.qmp.types.BlockStats;
import io.qemuoperator.qmp.types.CpuInfo;
import io.qemuoperator.qmp.types.KvmInfo;
import io.qemuoperator.qmp.types.MigrationInfo;
import io.qemuoperator.qmp.types.NameInfo;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /v1/state}'s {@code return}: one consistent snapshot of the queries the operator
 * needs, read in one go and again when a QMP event or a reconnect happened meanwhile.
 *
 * <p>Each query's member holds QEMU's reply in the seed schema's shape (the generated records where
 * they fit, see {@link RunStatus} and {@link BlockDevice} where they do not). A member is null when
 * its query failed with QEMU's own error, which {@code errors} then holds; a snapshot that could
 * not be read at all (QEMU not connected, a deadline) is an {@link ErrorBody} instead. Null members
 * are written as {@code null}, not left out.
 *
 * @param instance the sidecar's instance id: a new one at each sidecar start
 * @param session the sidecar's QMP session number: grows when QEMU was restarted or reconnected
 * @param eventSeq the newest event sequence number when the snapshot was read ({@code
 *     /v1/events?after=} this to follow on)
 * @param qemu the QEMU version, from its greeting
 * @param name {@code query-name}
 * @param status {@code query-status}
 * @param kvm {@code query-kvm}
 * @param balloon {@code query-balloon}; null (with a {@code DeviceNotActive} error) without a
 *     balloon device
 * @param block {@code query-block}
 * @param blockstats {@code query-blockstats}, the seed's members of each device's counters
 * @param cpus {@code query-cpus}; on QEMU 6.0 and later served from {@code query-cpus-fast}, which
 *     no longer reports {@code halted} (always {@code false} then) nor {@code pc}
 * @param migrate {@code query-migrate}; {@code status} is absent until a migration was started
 * @param migrateParameters {@code query-migrate-parameters}; null where QEMU lacks the query
 * @param memorySize {@code query-memory-size-summary}; null where QEMU lacks the query
 * @param machine the versioned machine type QEMU runs (e.g. {@code pc-q35-7.2}): QOM's {@code
 *     /machine} type ({@code qom-get}) without its {@code -machine} suffix; null where not read
 * @param errors failed query → QEMU's error, in the order the queries were sent
 * @param guestAgent the QEMU guest agent as the sidecar last heard it (not a QMP query: the sidecar
 *     talks to the agent on its own virtio-serial socket); null when the sidecar was started
 *     without {@code --guest-agent}, and then left out of the JSON (an older operator's answer
 *     stays as it was)
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record VmState(
    @JsonProperty("instance") String instance,
    @JsonProperty("session") long session,
    @JsonProperty("eventSeq") long eventSeq,
    @JsonProperty("qemu") QemuVersion qemu,
    @JsonProperty("name") NameInfo name,
    @JsonProperty("status") RunStatus status,
    @JsonProperty("kvm") KvmInfo kvm,
    @JsonProperty("balloon") BalloonInfo balloon,
    @JsonProperty("block") List<BlockDevice> block,
    @JsonProperty("blockstats") List<BlockStats> blockstats,
    @JsonProperty("cpus") List<CpuInfo> cpus,
    @JsonProperty("migrate") MigrationInfo migrate,
    @JsonProperty("migrateParameters") MigrationParameters migrateParameters,
    @JsonProperty("memorySize") MemoryInfo memorySize,
    @JsonProperty("machine") String machine,
    @JsonProperty("errors") Map<String, QmpError> errors,
    @JsonProperty("guestAgent") @JsonInclude(JsonInclude.Include.NON_NULL)
        GuestAgentState guestAgent) {

  public VmState {
    block = block == null ? null : List.copyOf(block);
    blockstats = blockstats == null ? null : List.copyOf(blockstats);
    cpus = cpus == null ? null : List.copyOf(cpus);
    errors = errors == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(errors));
  }

  /** Without a guest agent. */
  public VmState(
      String instance,
      long session,
      long eventSeq,
      QemuVersion qemu,
      NameInfo name,
      RunStatus status,
      KvmInfo kvm,
      BalloonInfo balloon,
      List<BlockDevice> block,
      List<BlockStats> blockstats,
      List<CpuInfo> cpus,
      MigrationInfo migrate,
      MigrationParameters migrateParameters,
      MemoryInfo memorySize,
      String machine,
      Map<String, QmpError> errors) {
    this(
        instance,
        session,
        eventSeq,
        qemu,
        name,
        status,
        kvm,
        balloon,
        block,
        blockstats,
        cpus,
        migrate,
        migrateParameters,
        memorySize,
        machine,
        errors,
        null);
  }
}
