package io.qemuoperator.api.v1alpha1.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Min;
import java.util.Objects;

/** One virtual CPU (QMP query-cpus-fast). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"index", "threadId"})
public class CpuStatus {

  @JsonPropertyDescription("The vCPU's index, from 0.")
  @Min(0)
  private Integer index;

  @JsonPropertyDescription("The host thread that runs this vCPU.")
  @Min(0)
  private Long threadId;

  public CpuStatus() {}

  public Integer getIndex() {
    return index;
  }

  public void setIndex(Integer index) {
    this.index = index;
  }

  public Long getThreadId() {
    return threadId;
  }

  public void setThreadId(Long threadId) {
    this.threadId = threadId;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CpuStatus other
        && Objects.equals(index, other.index)
        && Objects.equals(threadId, other.threadId);
  }

  @Override
  public int hashCode() {
    return Objects.hash(index, threadId);
  }

  @Override
  public String toString() {
    return "CpuStatus{index=%s, threadId=%s}".formatted(index, threadId);
  }
}
