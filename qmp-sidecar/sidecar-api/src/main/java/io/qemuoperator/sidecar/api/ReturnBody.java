package io.qemuoperator.sidecar.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A successful {@code /v1} answer, shaped like QMP's own: {@code {"return": …}}.
 *
 * @param value QEMU's reply to a command (in the seed schema's shape), or the {@link VmState}
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ReturnBody<T>(@JsonProperty("return") T value) {}
