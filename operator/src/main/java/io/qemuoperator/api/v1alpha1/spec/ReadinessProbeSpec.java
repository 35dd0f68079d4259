package io.qemuoperator.api.v1alpha1.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/**
 * How the guest is known to be up: an HTTP GET of {@code path} on a declared TCP port answers
 * 200–399, probed by the kubelet on the VM pod's IP (the qemu container's readiness probe). Not a
 * bare TCP connect: QEMU's user networking accepts every connection to a forwarded port on the host
 * side, with or without a guest behind it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"port", "path", "periodSeconds", "failureThreshold"})
public class ReadinessProbeSpec {

  @JsonPropertyDescription(
      "The name of a declared TCP port (spec.ports) the guest serves HTTP on once it is up.")
  @Required
  private String port;

  @JsonPropertyDescription(
      "The path of the HTTP GET; an answer 200 to 399 means the guest is up. Defaults to /.")
  @Default("/")
  @Pattern("^/.*$")
  @Size(max = 1024)
  private String path = "/";

  @JsonPropertyDescription("Seconds between two probes, 1 to 300. Defaults to 5.")
  @Default("5")
  @Min(1)
  @Max(300)
  private Integer periodSeconds = 5;

  @JsonPropertyDescription(
      "Probes in a row that must fail before the guest counts as not ready, 1 to 30. Defaults to"
          + " 2.")
  @Default("2")
  @Min(1)
  @Max(30)
  private Integer failureThreshold = 2;

  public ReadinessProbeSpec() {}

  public ReadinessProbeSpec(String port, String path) {
    this.port = port;
    this.path = path;
  }

  public String getPort() {
    return port;
  }

  public void setPort(String port) {
    this.port = port;
  }

  public String getPath() {
    return path;
  }

  public void setPath(String path) {
    this.path = path;
  }

  public Integer getPeriodSeconds() {
    return periodSeconds;
  }

  public void setPeriodSeconds(Integer periodSeconds) {
    this.periodSeconds = periodSeconds;
  }

  public Integer getFailureThreshold() {
    return failureThreshold;
  }

  public void setFailureThreshold(Integer failureThreshold) {
    this.failureThreshold = failureThreshold;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ReadinessProbeSpec r
        && Objects.equals(port, r.port)
        && Objects.equals(path, r.path)
        && Objects.equals(periodSeconds, r.periodSeconds)
        && Objects.equals(failureThreshold, r.failureThreshold);
  }

  @Override
  public int hashCode() {
    return Objects.hash(port, path, periodSeconds, failureThreshold);
  }

  @Override
  public String toString() {
    return "ReadinessProbeSpec{port=%s, path=%s, periodSeconds=%s, failureThreshold=%s}"
        .formatted(port, path, periodSeconds, failureThreshold);
  }
}
