package io.qemuoperator.sidecar.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import io.qemuoperator.qmp.types.BlockDeviceInfo;

/**
 * The medium in a block device ({@code query-block}'s {@code inserted}): the generated {@code
 * BlockDeviceInfo}'s members (file, format, read-only, throttling) at the same level, plus the
 * {@code image} modern QEMU adds.
 *
 * @param info the seed's members: {@code file}, {@code ro}, {@code drv}, {@code bps}, …
 * @param image the image's own figures; null where QEMU does not report them (before 1.6)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record InsertedMedium(
    @JsonUnwrapped BlockDeviceInfo info, @JsonProperty("image") ImageInfo image) {}
