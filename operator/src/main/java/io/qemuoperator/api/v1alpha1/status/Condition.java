package io.qemuoperator.api.v1alpha1.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/**
 * One observation of the VM, shaped like Kubernetes' {@code metav1.Condition}. (Fabric8's {@code
 * Condition} has the same fields but no descriptions or patterns in the generated schema.)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({
  "type",
  "status",
  "reason",
  "message",
  "lastTransitionTime",
  "observedGeneration"
})
public class Condition {

  public static final String TRUE = "True";
  public static final String FALSE = "False";
  public static final String UNKNOWN = "Unknown";

  /** A CamelCase reason, as {@code metav1.Condition} requires. */
  public static final String REASON_PATTERN = "^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$";

  @JsonPropertyDescription("The condition's type in CamelCase, e.g. Ready, Paused, Synced.")
  @Required
  @Size(min = 1, max = 316)
  private String type;

  @JsonPropertyDescription("Whether the condition holds: True, False or Unknown.")
  @Required
  @Pattern("^(True|False|Unknown)$")
  private String status;

  @JsonPropertyDescription(
      "Why the condition has its status, one CamelCase word for programs, e.g. SpecInvalid.")
  @Required
  @Pattern(REASON_PATTERN)
  @Size(min = 1, max = 1024)
  private String reason;

  @JsonPropertyDescription("A human-readable explanation; may be empty.")
  @Size(max = 32768)
  private String message;

  @JsonPropertyDescription(
      "When status last changed (RFC 3339), not when the condition was last checked.")
  @Required
  private String lastTransitionTime;

  @JsonPropertyDescription("The metadata.generation of the spec this condition was computed for.")
  @Min(0)
  private Long observedGeneration;

  public Condition() {}

  public Condition(
      String type,
      String status,
      String reason,
      String message,
      String lastTransitionTime,
      Long observedGeneration) {
    this.type = type;
    this.status = status;
    this.reason = reason;
    this.message = message;
    this.lastTransitionTime = lastTransitionTime;
    this.observedGeneration = observedGeneration;
  }

  public String getType() {
    return type;
  }

  public void setType(String type) {
    this.type = type;
  }

  public String getStatus() {
    return status;
  }

  public void setStatus(String status) {
    this.status = status;
  }

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public String getLastTransitionTime() {
    return lastTransitionTime;
  }

  public void setLastTransitionTime(String lastTransitionTime) {
    this.lastTransitionTime = lastTransitionTime;
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Condition c
        && Objects.equals(type, c.type)
        && Objects.equals(status, c.status)
        && Objects.equals(reason, c.reason)
        && Objects.equals(message, c.message)
        && Objects.equals(lastTransitionTime, c.lastTransitionTime)
        && Objects.equals(observedGeneration, c.observedGeneration);
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, status, reason, message, lastTransitionTime, observedGeneration);
  }

  @Override
  public String toString() {
    return "Condition{type=%s, status=%s, reason=%s, message=%s, lastTransitionTime=%s, observedGeneration=%s}"
        .formatted(type, status, reason, message, lastTransitionTime, observedGeneration);
  }
}
