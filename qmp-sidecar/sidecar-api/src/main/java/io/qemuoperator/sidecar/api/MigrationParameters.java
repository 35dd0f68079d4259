package io.qemuoperator.sidecar.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The migration tuning the operator steers, from {@code query-migrate-parameters} (not in the seed
 * schema, so no generated record; the seed sets these with {@code migrate_set_speed} and {@code
 * migrate_set_downtime} and cannot read them back). QEMU reports two dozen more parameters; only
 * these two are passed on.
 *
 * @param maxBandwidth bytes per second
 * @param downtimeLimit milliseconds
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MigrationParameters(
    @JsonProperty("max-bandwidth") Long maxBandwidth,
    @JsonProperty("downtime-limit") Long downtimeLimit) {}
