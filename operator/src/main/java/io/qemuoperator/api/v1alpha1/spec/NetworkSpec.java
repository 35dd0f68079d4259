package io.qemuoperator.api.v1alpha1.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Default;
import java.util.Objects;

/** The VM's network interface. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"link"})
public class NetworkSpec {

  @JsonPropertyDescription(
      "The NIC's link state as the guest sees it: Up (carrier) or Down (no carrier; the NIC stays"
          + " attached, as a pulled cable). Changed live (QMP set_link). Defaults to Up.")
  @Default("Up")
  private LinkState link = LinkState.Up;

  public NetworkSpec() {}

  public NetworkSpec(LinkState link) {
    this.link = link;
  }

  public LinkState getLink() {
    return link;
  }

  public void setLink(LinkState link) {
    this.link = link;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NetworkSpec n && Objects.equals(link, n.link);
  }

  @Override
  public int hashCode() {
    return Objects.hash(link);
  }

  @Override
  public String toString() {
    return "NetworkSpec{link=%s}".formatted(link);
  }
}
