package io.qemuoperator.sidecar.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import java.time.Instant;

/**
 * The QEMU guest agent (QGA, {@code qemu-ga} in the guest) as the sidecar last heard it on the VM's
 * virtio-serial port {@code org.qemu.guest_agent.0}: {@code /v1/state}'s {@code guestAgent} member
 * (null when the sidecar was started without {@code --guest-agent}).
 *
 * <p>The figures about the guest ({@code osName} … {@code agentVersion}) are what the agent
 * answered to {@code guest-get-osinfo}, {@code guest-get-host-name} and {@code guest-info} once
 * after it last became reachable; they stay as read while it answers and are cleared when the
 * sidecar loses QEMU's socket. A member the agent did not report (an older agent lacks {@code
 * guest-get-osinfo}) is null.
 *
 * @param connected the sidecar holds QEMU's socket of the port (QEMU runs with the port); says
 *     nothing about the guest
 * @param answering the agent answered the last {@code guest-ping} within its deadline (after a
 *     {@code guest-sync-delimited})
 * @param lastAnswer when the agent last answered anything; null when it never did
 * @param osName {@code guest-get-osinfo}'s {@code name}, e.g. {@code Debian GNU/Linux}
 * @param osVersion its {@code version}, e.g. {@code 12 (bookworm)}
 * @param osPrettyName its {@code pretty-name}, e.g. {@code Debian GNU/Linux 12 (bookworm)}
 * @param kernelRelease its {@code kernel-release}, e.g. {@code 6.1.0-28-cloud-amd64}
 * @param hostname {@code guest-get-host-name}
 * @param agentVersion {@code guest-info}'s {@code version}, e.g. {@code 7.2.15}
 * @param problem why the agent does not answer, when it does not (for people)
 */
public record GuestAgentState(
    @JsonProperty("connected") boolean connected,
    @JsonProperty("answering") boolean answering,
    @JsonProperty("lastAnswer")
        @JsonSerialize(using = ToStringSerializer.class)
        @JsonDeserialize(using = IsoInstantDeserializer.class)
        Instant lastAnswer,
    @JsonProperty("osName") String osName,
    @JsonProperty("osVersion") String osVersion,
    @JsonProperty("osPrettyName") String osPrettyName,
    @JsonProperty("kernelRelease") String kernelRelease,
    @JsonProperty("hostname") String hostname,
    @JsonProperty("agentVersion") String agentVersion,
    @JsonProperty("problem") String problem) {

  /** Before the sidecar first reached QEMU's socket. */
  public static GuestAgentState unknown(String problem) {
    return new GuestAgentState(false, false, null, null, null, null, null, null, null, problem);
  }
}
