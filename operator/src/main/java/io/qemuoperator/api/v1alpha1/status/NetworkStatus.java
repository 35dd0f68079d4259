package io.qemuoperator.api.v1alpha1.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/** The VM's NIC as the running QEMU has it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"link"})
public class NetworkStatus {

  @JsonPropertyDescription(
      "The NIC's link state in the running QEMU: Up or Down. QEMU has no query for it: this is the"
          + " last state this QEMU process acknowledged (QMP set_link answered), and Up for a QEMU"
          + " never told (QEMU starts every NIC with its link up).")
  private String link;

  public NetworkStatus() {}

  public String getLink() {
    return link;
  }

  public void setLink(String link) {
    this.link = link;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NetworkStatus n && Objects.equals(link, n.link);
  }

  @Override
  public int hashCode() {
    return Objects.hash(link);
  }

  @Override
  public String toString() {
    return "NetworkStatus{link=%s}".formatted(link);
  }
}
