package io.qemuoperator.sidecar.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The part of QEMU's {@code ImageInfo} (not in the seed schema) the contract carries: what the
 * guest sees as the disk's size. QEMU reports more (file name, format, allocation); nothing reads
 * it from the sidecar, so it is not passed on.
 *
 * @param virtualSize the disk's size as the guest sees it, in bytes
 */
public record ImageInfo(@JsonProperty("virtual-size") long virtualSize) {}
