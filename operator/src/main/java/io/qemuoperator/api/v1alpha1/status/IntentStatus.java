package io.qemuoperator.api.v1alpha1.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Min;
import java.util.Objects;

/**
 * What the operator asked of the running QEMU, recorded before or as it acted, so the next pass (or
 * a restarted operator) neither repeats nor forgets it. The one part of status the operator reads
 * back.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"qemu", "launchRevision", "balloonTarget", "link", "powerdownRequestedAt"})
public class IntentStatus {

  @JsonPropertyDescription(
      "Which QEMU process the intents below were sent to: the host thread ids of its vCPUs (a"
          + " restarted QEMU has others, and remembers nothing).")
  private String qemu;

  @JsonPropertyDescription(
      "The launch revision of the VM's pod: a hash of the boot-time fields and the restart"
          + " request it was created for.")
  private String launchRevision;

  @JsonPropertyDescription("The balloon target sent to this QEMU, in bytes.")
  @Min(0)
  private Long balloonTarget;

  @JsonPropertyDescription(
      "The NIC link state this QEMU acknowledged (QMP set_link), Up or Down; absent: never set.")
  private String link;

  @JsonPropertyDescription(
      "When the guest was asked to power down (ACPI); QEMU is quit once the grace period has"
          + " passed.")
  private String powerdownRequestedAt;

  public IntentStatus() {}

  public String getQemu() {
    return qemu;
  }

  public void setQemu(String qemu) {
    this.qemu = qemu;
  }

  public String getLaunchRevision() {
    return launchRevision;
  }

  public void setLaunchRevision(String launchRevision) {
    this.launchRevision = launchRevision;
  }

  public Long getBalloonTarget() {
    return balloonTarget;
  }

  public void setBalloonTarget(Long balloonTarget) {
    this.balloonTarget = balloonTarget;
  }

  public String getLink() {
    return link;
  }

  public void setLink(String link) {
    this.link = link;
  }

  public String getPowerdownRequestedAt() {
    return powerdownRequestedAt;
  }

  public void setPowerdownRequestedAt(String powerdownRequestedAt) {
    this.powerdownRequestedAt = powerdownRequestedAt;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IntentStatus other
        && Objects.equals(qemu, other.qemu)
        && Objects.equals(launchRevision, other.launchRevision)
        && Objects.equals(balloonTarget, other.balloonTarget)
        && Objects.equals(link, other.link)
        && Objects.equals(powerdownRequestedAt, other.powerdownRequestedAt);
  }

  @Override
  public int hashCode() {
    return Objects.hash(qemu, launchRevision, balloonTarget, link, powerdownRequestedAt);
  }

  @Override
  public String toString() {
    return "IntentStatus{qemu=%s, launchRevision=%s, balloonTarget=%s, link=%s, powerdownRequestedAt=%s}"
        .formatted(qemu, launchRevision, balloonTarget, link, powerdownRequestedAt);
  }
}
