package io.qemuoperator.sidecar.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The answer of {@code /healthz} ({@code {"status": "alive"}}) and of a ready {@code /readyz}
 * ({@code {"status": "ready", "qemu": "7.2.22"}}).
 *
 * @param qemu the QEMU version the sidecar is connected to; absent from {@code /healthz}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ProbeStatus(
    @JsonProperty("status") String status, @JsonProperty("qemu") String qemu) {
  public static ProbeStatus alive() {
    return new ProbeStatus("alive", null);
  }

  public static ProbeStatus ready(String qemuVersion) {
    return new ProbeStatus("ready", qemuVersion);
  }
}
