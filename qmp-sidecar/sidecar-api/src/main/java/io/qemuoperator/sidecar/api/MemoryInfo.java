package io.qemuoperator.sidecar.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * {@code query-memory-size-summary}'s reply (QEMU's {@code MemoryInfo}; not in the seed schema, so
 * no generated record).
 *
 * @param baseMemory the guest RAM QEMU was started with ({@code -m}), in bytes
 * @param pluggedMemory RAM hot-plugged since, in bytes; null where QEMU leaves it out
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MemoryInfo(
    @JsonProperty("base-memory") long baseMemory,
    @JsonProperty("plugged-memory") Long pluggedMemory) {}
