package io.qemuoperator.sidecar;

import com.fasterxml.jackson.databind.JsonNode;
import io.qemuoperator.sidecar.api.MigrationInfo;

/**
 * Reads {@code query-migrate}'s reply into the contract's {@link MigrationInfo}. Not the generated
 * type: the seed's {@code MigrationInfo} (QEMU 1.1) has neither {@code downtime}, {@code
 * setup-time}, {@code cpu-throttle-percentage}, {@code error-desc} nor {@code ram.dirty-sync-count}
 * and {@code ram.mbps}. Every member is optional in QEMU's schema: one QEMU leaves out is null
 * here, and a QEMU that never migrated answers {@code {}} (status {@link MigrationInfo#NONE}).
 */
final class QueryMigrateReply {
  private QueryMigrateReply() {}

  static MigrationInfo read(JsonNode reply) {
    JsonNode ram = reply.path("ram");
    JsonNode status = reply.path("status");
    return new MigrationInfo(
        status.isTextual() ? status.asText() : MigrationInfo.NONE,
        whole(ram, "transferred"),
        whole(ram, "remaining"),
        whole(ram, "total"),
        whole(ram, "dirty-sync-count"),
        whole(reply, "expected-downtime"),
        whole(reply, "downtime"),
        whole(reply, "total-time"),
        whole(reply, "setup-time"),
        whole(reply, "cpu-throttle-percentage"),
        ram.path("mbps").isNumber() ? ram.path("mbps").asDouble() : null,
        reply.path("error-desc").isTextual() ? reply.path("error-desc").asText() : null);
  }

  private static Long whole(JsonNode object, String member) {
    JsonNode value = object.path(member);
    return value.isNumber() && value.canConvertToLong() ? value.asLong() : null;
  }
}
