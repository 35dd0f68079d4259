package io.qemuoperator.sidecar.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.qemuoperator.qmp.types.BlockDeviceIoStatus;

/**
 * One device of {@code query-block}: the members of the seed's {@code BlockInfo}, with {@code
 * inserted} typed as {@link InsertedMedium}. Not the generated {@code BlockInfo} itself: it types
 * {@code inserted} as the seed's {@code BlockDeviceInfo}, which has no {@code image}, and the
 * operator reads a disk's size from {@code inserted.image.virtual-size} (added to QEMU after the
 * seed, in 1.6).
 *
 * @param device the drive id, for example {@code drive0}
 * @param type always {@code unknown} on modern QEMU
 * @param inserted the medium; null when the drive is empty (an ejected CD)
 * @param trayOpen for a removable device with a tray
 * @param ioStatus where QEMU reports I/O errors for the device ({@code werror}/{@code rerror})
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BlockDevice(
    @JsonProperty("device") String device,
    @JsonProperty("type") String type,
    @JsonProperty("removable") boolean removable,
    @JsonProperty("locked") boolean locked,
    @JsonProperty("inserted") InsertedMedium inserted,
    @JsonProperty("tray_open") Boolean trayOpen,
    @JsonProperty("io-status") BlockDeviceIoStatus ioStatus) {}
