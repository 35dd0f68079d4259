package io.qemuoperator.api.v1alpha1.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/**
 * The QEMU guest agent as the sidecar last heard it, and what the agent tells of the guest (QGA's
 * {@code guest-get-osinfo}, {@code guest-get-host-name}, {@code guest-info}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"agent", "os", "osName", "osVersion", "kernel", "hostname", "agentVersion"})
public class GuestStatus {
  public static final String ANSWERING = "Answering";
  public static final String NOT_ANSWERING = "NotAnswering";
  public static final String UNKNOWN = "Unknown";

  @JsonPropertyDescription(
      "Answering: the guest agent answered the sidecar's last guest-ping (every 2 s, 3 s deadline);"
          + " NotAnswering: it did not (not started, not installed, guest not running); Unknown:"
          + " the sidecar was not reached.")
  private String agent;

  @JsonPropertyDescription("The guest's operating system, e.g. Debian GNU/Linux 12 (bookworm).")
  private String os;

  @JsonPropertyDescription("The operating system's name, e.g. Debian GNU/Linux.")
  private String osName;

  @JsonPropertyDescription("The operating system's version, e.g. 12 (bookworm).")
  private String osVersion;

  @JsonPropertyDescription("The guest's kernel release, e.g. 6.1.0-28-cloud-amd64.")
  private String kernel;

  @JsonPropertyDescription("The guest's host name.")
  private String hostname;

  @JsonPropertyDescription("The guest agent's version, e.g. 7.2.15.")
  private String agentVersion;

  public GuestStatus() {}

  public String getAgent() {
    return agent;
  }

  public void setAgent(String agent) {
    this.agent = agent;
  }

  public String getOs() {
    return os;
  }

  public void setOs(String os) {
    this.os = os;
  }

  public String getOsName() {
    return osName;
  }

  public void setOsName(String osName) {
    this.osName = osName;
  }

  public String getOsVersion() {
    return osVersion;
  }

  public void setOsVersion(String osVersion) {
    this.osVersion = osVersion;
  }

  public String getKernel() {
    return kernel;
  }

  public void setKernel(String kernel) {
    this.kernel = kernel;
  }

  public String getHostname() {
    return hostname;
  }

  public void setHostname(String hostname) {
    this.hostname = hostname;
  }

  public String getAgentVersion() {
    return agentVersion;
  }

  public void setAgentVersion(String agentVersion) {
    this.agentVersion = agentVersion;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof GuestStatus other
        && Objects.equals(agent, other.agent)
        && Objects.equals(os, other.os)
        && Objects.equals(osName, other.osName)
        && Objects.equals(osVersion, other.osVersion)
        && Objects.equals(kernel, other.kernel)
        && Objects.equals(hostname, other.hostname)
        && Objects.equals(agentVersion, other.agentVersion);
  }

  @Override
  public int hashCode() {
    return Objects.hash(agent, os, osName, osVersion, kernel, hostname, agentVersion);
  }

  @Override
  public String toString() {
    return "GuestStatus{agent=%s, os=%s, osName=%s, osVersion=%s, kernel=%s, hostname=%s, agentVersion=%s}"
        .formatted(agent, os, osName, osVersion, kernel, hostname, agentVersion);
  }
}
