package io.qemuoperator.api.v1alpha1.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * QEMU's own figures for a migration ({@code query-migrate} on the source), as last read. The byte
 * counts are rounded to MiB while the transfer runs, so the status is written at most once per MiB
 * moved and per poll.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MigrationProgress(
    @JsonPropertyDescription(
            "QEMU's migration status on the source: setup, active, device, completed, failed,"
                + " cancelling, cancelled.")
        String qemuStatus,
    @JsonPropertyDescription("RAM sent so far, for people (e.g. 312Mi).") String transferred,
    @JsonPropertyDescription("RAM sent so far, in bytes.") Long transferredBytes,
    @JsonPropertyDescription("RAM still to send, in bytes (QEMU's estimate).") Long remainingBytes,
    @JsonPropertyDescription("The guest's RAM, in bytes.") Long totalBytes,
    @JsonPropertyDescription("Passes over RAM so far (QEMU's dirty-sync-count).") Long passes,
    @JsonPropertyDescription(
            "The downtime QEMU expects if it stopped the guest now, in milliseconds.")
        Long expectedDowntimeMs,
    @JsonPropertyDescription("How much auto-converge slows the guest's vCPUs, in percent.")
        Long throttlePercent,
    @JsonPropertyDescription("The transfer's current rate, in megabits per second (QEMU's mbps).")
        Double mbps) {}
