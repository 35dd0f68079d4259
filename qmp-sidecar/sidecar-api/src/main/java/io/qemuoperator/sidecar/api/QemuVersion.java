package io.qemuoperator.sidecar.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The QEMU the sidecar is connected to, from its QMP greeting.
 *
 * @param version as QEMU prints it, for example {@code 7.2.22}
 * @param packageName the distribution's package version, for example {@code Debian
 *     1:7.2+dfsg-7+deb12u18+b3}; empty when QEMU names none
 */
public record QemuVersion(
    @JsonProperty("version") String version, @JsonProperty("package") String packageName) {}
