package io.qemuoperator.sidecar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qemuoperator.qmp.QmpClient;
import io.qemuoperator.qmp.QmpGreeting;
import io.qemuoperator.qmp.dialect.QmpDialect;
import io.qemuoperator.qmp.types.BalloonInfo;
import io.qemuoperator.qmp.types.BlockStats;
import io.qemuoperator.qmp.types.CpuInfo;
import io.qemuoperator.qmp.types.KvmInfo;
import io.qemuoperator.qmp.types.MigrationInfo;
import io.qemuoperator.qmp.types.NameInfo;
import io.qemuoperator.sidecar.api.BlockDevice;
import io.qemuoperator.sidecar.api.GuestAgentState;
import io.qemuoperator.sidecar.api.MemoryInfo;
import io.qemuoperator.sidecar.api.MigrationParameters;
import io.qemuoperator.sidecar.api.QemuVersion;
import io.qemuoperator.sidecar.api.RunStatus;
import io.qemuoperator.sidecar.api.VmState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * {@code GET /v1/state}: one consistent snapshot of the queries the operator needs, as the
 * contract's {@link VmState}. All queries are sent at once (QMP answers them in order); the
 * snapshot is taken again when a QMP event or a reconnect happened while it was being read, so it
 * never mixes two states.
 */
final class StateReader {
  /**
   * The seed's queries, sent through the gateway; a single one QEMU refuses goes under "errors".
   */
  private static final List<String> SEED_QUERIES =
      List.of(
          "query-name",
          "query-status",
          "query-kvm",
          "query-balloon",
          "query-block",
          "query-blockstats",
          "query-cpus",
          "query-migrate");

  /**
   * Queries the seed schema lacks, sent as they are where this QEMU offers them ({@code
   * query-migrate-parameters}: the migration tuning; {@code query-memory-size-summary}: the RAM
   * QEMU was started with); null where it does not.
   */
  private static final List<String> MODERN_QUERIES =
      List.of("query-migrate-parameters", "query-memory-size-summary");

  private static final int ATTEMPTS = 3;

  /** {@code qom-get}'s arguments that read the machine type QEMU runs. */
  private static final JsonNode MACHINE_TYPE =
      com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
          .objectNode()
          .put("path", "/machine")
          .put("property", "type");

  /** A snapshot, or the error that kept it from being read. */
  sealed interface Result {
    record Read(VmState state) implements Result {}

    record Failed(ApiError error) implements Result {}
  }

  private final CommandGateway gateway;
  private final TimedQmp qmp;
  private final Supplier<Optional<QmpDialect>> dialect;
  private final String instance;
  private final ObjectMapper json;
  private final Supplier<GuestAgentState> guestAgent;

  StateReader(
      CommandGateway gateway,
      TimedQmp qmp,
      Supplier<Optional<QmpDialect>> dialect,
      String instance,
      ObjectMapper json) {
    this(gateway, qmp, dialect, instance, json, () -> null);
  }

  /** With the guest agent as its monitor last heard it ({@code null}: no agent followed). */
  StateReader(
      CommandGateway gateway,
      TimedQmp qmp,
      Supplier<Optional<QmpDialect>> dialect,
      String instance,
      ObjectMapper json,
      Supplier<GuestAgentState> guestAgent) {
    this.gateway = gateway;
    this.qmp = qmp;
    this.dialect = dialect;
    this.instance = instance;
    this.json = json;
    this.guestAgent = guestAgent;
  }

  /** The snapshot, or the error that kept it from being read. */
  Result read() throws InterruptedException {
    QmpClient client = qmp.client();
    Result result = null;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      long seqBefore = client.events().lastSeq();
      long sessionBefore = client.sessions();
      result = readOnce(client);
      if (result instanceof Result.Failed
          || (client.events().lastSeq() == seqBefore && client.sessions() == sessionBefore)) {
        return result;
      }
    }
    return result;
  }

  private Result readOnce(QmpClient client) throws InterruptedException {
    Optional<QmpDialect> served = dialect.get();
    Optional<QmpGreeting> greeting = client.greeting();
    if (served.isEmpty() || greeting.isEmpty()) {
      return new Result.Failed(ApiError.notProbed());
    }
    long seq = client.events().lastSeq();
    var seed = new LinkedHashMap<String, CompletableFuture<CommandResult>>();
    SEED_QUERIES.forEach(query -> seed.put(query, gateway.run(query, null)));
    var modern = new LinkedHashMap<String, CompletableFuture<JsonNode>>();
    MODERN_QUERIES.forEach(query -> modern.put(query, sendWhereOffered(served.get(), query)));
    CompletableFuture<CommandResult> machine = gateway.run("qom-get", MACHINE_TYPE);

    var replies = new QueryReplies(json);
    for (var query : seed.entrySet()) {
      switch (join(query.getValue())) {
        case CommandResult.Done done -> replies.answered(query.getKey(), done.value());
        case CommandResult.Failed failed -> {
          if (failed.error().status() != 422) {
            return new Result.Failed(failed.error()); // not connected, timeout: no snapshot
          }
          replies.refused(query.getKey(), failed.error().qmpError());
        }
      }
    }
    modern.forEach((query, answer) -> replies.answered(query, joinOrNull(answer)));
    String machineType = null;
    switch (join(machine)) {
      case CommandResult.Done done -> {
        String type = done.value().asText();
        machineType =
            type.endsWith("-machine")
                ? type.substring(0, type.length() - "-machine".length())
                : type;
      }
      case CommandResult.Failed failed -> {
        if (failed.error().status() != 422) {
          return new Result.Failed(failed.error());
        }
        replies.refused("qom-get", failed.error().qmpError());
      }
    }

    return new Result.Read(
        new VmState(
            instance,
            client.sessions(),
            seq,
            new QemuVersion(greeting.get().version(), greeting.get().packageName()),
            replies.read("query-name", NameInfo.class),
            replies.read("query-status", RunStatus.class),
            replies.read("query-kvm", KvmInfo.class),
            replies.read("query-balloon", BalloonInfo.class),
            replies.readList("query-block", BlockDevice.class),
            replies.readList("query-blockstats", BlockStats.class),
            replies.readList("query-cpus", CpuInfo.class),
            replies.read("query-migrate", MigrationInfo.class),
            replies.read("query-migrate-parameters", MigrationParameters.class),
            replies.read("query-memory-size-summary", MemoryInfo.class),
            machineType,
            replies.errors(),
            guestAgent.get()));
  }

  private CompletableFuture<JsonNode> sendWhereOffered(QmpDialect served, String query) {
    return served.offer().has(query)
        ? qmp.execute(query, null)
        : CompletableFuture.completedFuture(null);
  }

  private static JsonNode joinOrNull(CompletableFuture<JsonNode> answer) {
    try {
      return answer.join();
    } catch (CompletionException e) {
      return null;
    }
  }

  private static CommandResult join(CompletableFuture<CommandResult> future)
      throws InterruptedException {
    try {
      return future.get();
    } catch (ExecutionException e) {
      throw new IllegalStateException("state query failed unexpectedly", e.getCause());
    }
  }
}
