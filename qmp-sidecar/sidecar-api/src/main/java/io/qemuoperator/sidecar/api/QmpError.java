package io.qemuoperator.sidecar.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * An error as QMP writes it: QEMU's own {@code class} and {@code desc} where QEMU refused (for
 * example {@code GenericError}, {@code DeviceNotFound}), the sidecar's own classes otherwise
 * ({@code InvalidArguments}, {@code QmpNotConnected}, …; the README's table lists them).
 */
public record QmpError(
    @JsonProperty("class") String errorClass, @JsonProperty("desc") String desc) {}
