package io.qemuoperator.api.v1alpha1.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/**
 * What a migration request did and does: its phase with the reason, the pods, what QEMU was told
 * (policy, bandwidth, downtime), QEMU's progress figures and, at the end, the downtime and duration
 * QEMU measured. The operator also reads it back: the phase, the pods and {@code sourcePaused} are
 * its intent, so a restarted operator finishes or cleans up what it started.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class QemuVMMigrationStatus {

  @JsonPropertyDescription("Where the request is (the last four phases are final).")
  private MigrationPhase phase;

  @JsonPropertyDescription(
      "The QemuVM this request migrates, as spec.vmName said when it was accepted (a later edit,"
          + " which API servers without CEL rules let through, is ignored).")
  private String vmName;

  @JsonPropertyDescription("Why it is in this phase, in CamelCase (e.g. TargetStarted).")
  private String reason;

  @JsonPropertyDescription("The same for people, with QEMU's own words where it gave any.")
  private String message;

  @JsonPropertyDescription("The VM's pod the guest ran in when the migration began.")
  private String sourcePod;

  @JsonPropertyDescription("The node of the source pod.")
  private String sourceNode;

  @JsonPropertyDescription("The pod started to receive the guest; the VM's pod once completed.")
  private String targetPod;

  @JsonPropertyDescription("The node of the target pod.")
  private String targetNode;

  @JsonPropertyDescription("How RAM is sent: PreCopy or StopAndCopy (chosen from the spec).")
  private String policy;

  @JsonPropertyDescription("Whether auto-converge was switched on for this migration.")
  private Boolean autoConverge;

  @JsonPropertyDescription(
      "True while the source's guest is paused by the migration (StopAndCopy): it is resumed"
          + " on whichever side runs on.")
  private Boolean sourcePaused;

  @JsonPropertyDescription("The bandwidth cap QEMU applies, in bytes per second.")
  private Long maxBandwidth;

  @JsonPropertyDescription("The tolerated downtime QEMU applies, in milliseconds.")
  private Long maxDowntimeMs;

  @JsonPropertyDescription("When QEMU began sending (RFC 3339).")
  private String startTime;

  @JsonPropertyDescription(
      "When the migration is cancelled unless it completed (RFC 3339), from the VM's"
          + " spec.migration.completionTimeout.")
  private String deadline;

  @JsonPropertyDescription("When it reached a final phase (RFC 3339).")
  private String completionTime;

  @JsonPropertyDescription("QEMU's figures as last read from the source.")
  private MigrationProgress progress;

  @JsonPropertyDescription(
      "How long the guest was paused for the switch-over, in milliseconds (QEMU's downtime;"
          + " with StopAndCopy the guest was paused for the whole transfer, see"
          + " totalTimeMs).")
  private Long downtimeMs;

  @JsonPropertyDescription("How long QEMU's transfer took, in milliseconds (QEMU's total-time).")
  private Long totalTimeMs;

  @JsonPropertyDescription(
      "StopAndCopy: how long the guest stood still, from the source's stop to the target's cont,"
          + " in milliseconds, as the operator measured it.")
  private Long guestPausedMs;

  public QemuVMMigrationStatus() {}

  /** A status in {@code phase}, for {@code reason}. */
  public static QemuVMMigrationStatus of(MigrationPhase phase, String reason, String message) {
    var status = new QemuVMMigrationStatus();
    status.phase = phase;
    status.reason = reason;
    status.message = message;
    return status;
  }

  /** A copy to change (what the informer cache returned is never mutated). */
  public QemuVMMigrationStatus copy() {
    var copy = new QemuVMMigrationStatus();
    copy.phase = phase;
    copy.vmName = vmName;
    copy.reason = reason;
    copy.message = message;
    copy.sourcePod = sourcePod;
    copy.sourceNode = sourceNode;
    copy.targetPod = targetPod;
    copy.targetNode = targetNode;
    copy.policy = policy;
    copy.autoConverge = autoConverge;
    copy.sourcePaused = sourcePaused;
    copy.maxBandwidth = maxBandwidth;
    copy.maxDowntimeMs = maxDowntimeMs;
    copy.startTime = startTime;
    copy.deadline = deadline;
    copy.completionTime = completionTime;
    copy.progress = progress;
    copy.downtimeMs = downtimeMs;
    copy.totalTimeMs = totalTimeMs;
    copy.guestPausedMs = guestPausedMs;
    return copy;
  }

  public String getVmName() {
    return vmName;
  }

  public QemuVMMigrationStatus setVmName(String vmName) {
    this.vmName = vmName;
    return this;
  }

  public MigrationPhase getPhase() {
    return phase;
  }

  public QemuVMMigrationStatus setPhase(MigrationPhase phase) {
    this.phase = phase;
    return this;
  }

  public String getReason() {
    return reason;
  }

  public QemuVMMigrationStatus setReason(String reason) {
    this.reason = reason;
    return this;
  }

  public String getMessage() {
    return message;
  }

  public QemuVMMigrationStatus setMessage(String message) {
    this.message = message;
    return this;
  }

  public String getSourcePod() {
    return sourcePod;
  }

  public QemuVMMigrationStatus setSourcePod(String sourcePod) {
    this.sourcePod = sourcePod;
    return this;
  }

  public String getSourceNode() {
    return sourceNode;
  }

  public QemuVMMigrationStatus setSourceNode(String sourceNode) {
    this.sourceNode = sourceNode;
    return this;
  }

  public String getTargetPod() {
    return targetPod;
  }

  public QemuVMMigrationStatus setTargetPod(String targetPod) {
    this.targetPod = targetPod;
    return this;
  }

  public String getTargetNode() {
    return targetNode;
  }

  public QemuVMMigrationStatus setTargetNode(String targetNode) {
    this.targetNode = targetNode;
    return this;
  }

  public String getPolicy() {
    return policy;
  }

  public QemuVMMigrationStatus setPolicy(String policy) {
    this.policy = policy;
    return this;
  }

  public Boolean getAutoConverge() {
    return autoConverge;
  }

  public QemuVMMigrationStatus setAutoConverge(Boolean autoConverge) {
    this.autoConverge = autoConverge;
    return this;
  }

  public Boolean getSourcePaused() {
    return sourcePaused;
  }

  public QemuVMMigrationStatus setSourcePaused(Boolean sourcePaused) {
    this.sourcePaused = sourcePaused;
    return this;
  }

  public Long getMaxBandwidth() {
    return maxBandwidth;
  }

  public QemuVMMigrationStatus setMaxBandwidth(Long maxBandwidth) {
    this.maxBandwidth = maxBandwidth;
    return this;
  }

  public Long getMaxDowntimeMs() {
    return maxDowntimeMs;
  }

  public QemuVMMigrationStatus setMaxDowntimeMs(Long maxDowntimeMs) {
    this.maxDowntimeMs = maxDowntimeMs;
    return this;
  }

  public String getStartTime() {
    return startTime;
  }

  public QemuVMMigrationStatus setStartTime(String startTime) {
    this.startTime = startTime;
    return this;
  }

  public String getDeadline() {
    return deadline;
  }

  public QemuVMMigrationStatus setDeadline(String deadline) {
    this.deadline = deadline;
    return this;
  }

  public String getCompletionTime() {
    return completionTime;
  }

  public QemuVMMigrationStatus setCompletionTime(String completionTime) {
    this.completionTime = completionTime;
    return this;
  }

  public MigrationProgress getProgress() {
    return progress;
  }

  public QemuVMMigrationStatus setProgress(MigrationProgress progress) {
    this.progress = progress;
    return this;
  }

  public Long getDowntimeMs() {
    return downtimeMs;
  }

  public QemuVMMigrationStatus setDowntimeMs(Long downtimeMs) {
    this.downtimeMs = downtimeMs;
    return this;
  }

  public Long getTotalTimeMs() {
    return totalTimeMs;
  }

  public QemuVMMigrationStatus setTotalTimeMs(Long totalTimeMs) {
    this.totalTimeMs = totalTimeMs;
    return this;
  }

  public Long getGuestPausedMs() {
    return guestPausedMs;
  }

  public QemuVMMigrationStatus setGuestPausedMs(Long guestPausedMs) {
    this.guestPausedMs = guestPausedMs;
    return this;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof QemuVMMigrationStatus other
        && Objects.equals(phase, other.phase)
        && Objects.equals(vmName, other.vmName)
        && Objects.equals(reason, other.reason)
        && Objects.equals(message, other.message)
        && Objects.equals(sourcePod, other.sourcePod)
        && Objects.equals(sourceNode, other.sourceNode)
        && Objects.equals(targetPod, other.targetPod)
        && Objects.equals(targetNode, other.targetNode)
        && Objects.equals(policy, other.policy)
        && Objects.equals(autoConverge, other.autoConverge)
        && Objects.equals(sourcePaused, other.sourcePaused)
        && Objects.equals(maxBandwidth, other.maxBandwidth)
        && Objects.equals(maxDowntimeMs, other.maxDowntimeMs)
        && Objects.equals(startTime, other.startTime)
        && Objects.equals(deadline, other.deadline)
        && Objects.equals(completionTime, other.completionTime)
        && Objects.equals(progress, other.progress)
        && Objects.equals(downtimeMs, other.downtimeMs)
        && Objects.equals(totalTimeMs, other.totalTimeMs)
        && Objects.equals(guestPausedMs, other.guestPausedMs);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        phase,
        vmName,
        reason,
        message,
        sourcePod,
        sourceNode,
        targetPod,
        targetNode,
        policy,
        autoConverge,
        sourcePaused,
        maxBandwidth,
        maxDowntimeMs,
        startTime,
        deadline,
        completionTime,
        progress,
        downtimeMs,
        totalTimeMs,
        guestPausedMs);
  }

  @Override
  public String toString() {
    return "QemuVMMigrationStatus{phase="
        + phase
        + ", reason="
        + reason
        + ", message="
        + message
        + ", targetPod="
        + targetPod
        + ", progress="
        + progress
        + "}";
  }
}
