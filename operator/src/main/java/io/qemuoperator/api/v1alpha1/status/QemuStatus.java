package io.qemuoperator.api.v1alpha1.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/** The QEMU process as it reports itself. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"version", "kvm"})
public class QemuStatus {

  @JsonPropertyDescription("QEMU's version, e.g. 7.2.22 (QMP query-version).")
  private String version;

  @JsonPropertyDescription("KVM acceleration (QMP query-kvm).")
  private KvmStatus kvm;

  public QemuStatus() {}

  public String getVersion() {
    return version;
  }

  public void setVersion(String version) {
    this.version = version;
  }

  public KvmStatus getKvm() {
    return kvm;
  }

  public void setKvm(KvmStatus kvm) {
    this.kvm = kvm;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof QemuStatus other
        && Objects.equals(version, other.version)
        && Objects.equals(kvm, other.kvm);
  }

  @Override
  public int hashCode() {
    return Objects.hash(version, kvm);
  }

  @Override
  public String toString() {
    return "QemuStatus{version=%s, kvm=%s}".formatted(version, kvm);
  }
}
