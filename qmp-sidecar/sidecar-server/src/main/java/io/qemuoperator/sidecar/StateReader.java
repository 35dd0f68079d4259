package io.qemuoperator.sidecar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qemuoperator.qmp.QmpClient;
import io.qemuoperator.qmp.QmpGreeting;
import io.qemuoperator.qmp.dialect.QmpDialect;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * {@code GET /v1/state}: one consistent snapshot of the queries the operator needs. All queries are
 * sent at once (QMP answers them in order); the snapshot is taken again when a QMP event or a
 * reconnect happened while it was being read, so it never mixes two states.
 */
final class StateReader {
  /** Snapshot member → seed query. Failures of single queries go under "errors". */
  private static final Map<String, String> QUERIES = seedQueries();

  private static final int ATTEMPTS = 3;

  private final CommandGateway gateway;
  private final TimedQmp qmp;
  private final Supplier<Optional<QmpDialect>> dialect;
  private final String instance;

  StateReader(
      CommandGateway gateway,
      TimedQmp qmp,
      Supplier<Optional<QmpDialect>> dialect,
      String instance) {
    this.gateway = gateway;
    this.qmp = qmp;
    this.dialect = dialect;
    this.instance = instance;
  }

  private static Map<String, String> seedQueries() {
    var queries = new LinkedHashMap<String, String>();
    queries.put("name", "query-name");
    queries.put("status", "query-status");
    queries.put("kvm", "query-kvm");
    queries.put("balloon", "query-balloon");
    queries.put("block", "query-block");
    queries.put("blockstats", "query-blockstats");
    queries.put("cpus", "query-cpus");
    queries.put("migrate", "query-migrate");
    return java.util.Collections.unmodifiableMap(queries);
  }

  /** The snapshot, or the error that kept it from being read. */
  CommandResult read() throws InterruptedException {
    QmpClient client = qmp.client();
    CommandResult result = null;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      long seqBefore = client.events().lastSeq();
      long sessionBefore = client.sessions();
      result = readOnce(client);
      if (result instanceof CommandResult.Failed
          || (client.events().lastSeq() == seqBefore && client.sessions() == sessionBefore)) {
        return result;
      }
    }
    return result;
  }

  private CommandResult readOnce(QmpClient client) throws InterruptedException {
    Optional<QmpDialect> served = dialect.get();
    Optional<QmpGreeting> greeting = client.greeting();
    if (served.isEmpty() || greeting.isEmpty()) {
      return new CommandResult.Failed(ApiError.notProbed());
    }
    long seq = client.events().lastSeq();
    var pending = new LinkedHashMap<String, CompletableFuture<CommandResult>>();
    QUERIES.forEach((member, query) -> pending.put(member, gateway.run(query, null)));
    CompletableFuture<JsonNode> parameters = modern(served.get(), "query-migrate-parameters");
    CompletableFuture<JsonNode> memorySize = modern(served.get(), "query-memory-size-summary");

    ObjectNode snapshot = JsonNodeFactory.instance.objectNode();
    snapshot.put("instance", instance);
    snapshot.put("session", client.sessions());
    snapshot.put("eventSeq", seq);
    snapshot
        .putObject("qemu")
        .put("version", greeting.get().version())
        .put("package", greeting.get().packageName());
    ObjectNode errors = JsonNodeFactory.instance.objectNode();
    for (var entry : pending.entrySet()) {
      CommandResult answer = join(entry.getValue());
      switch (answer) {
        case CommandResult.Done done -> snapshot.set(entry.getKey(), done.value());
        case CommandResult.Failed failed -> {
          if (failed.error().status() != 422) {
            return failed; // not connected, timeout: the snapshot as a whole failed
          }
          snapshot.putNull(entry.getKey());
          errors
              .putObject(QUERIES.get(entry.getKey()))
              .put("class", failed.error().errorClass())
              .put("desc", failed.error().desc());
        }
      }
    }
    snapshot.set("migrateParameters", joinOrNull(parameters));
    snapshot.set("memorySize", joinOrNull(memorySize));
    snapshot.set("errors", errors);
    return new CommandResult.Done(snapshot, "");
  }

  /**
   * A query the seed schema lacks, sent as is where this QEMU offers it ({@code
   * query-migrate-parameters}: the migration tuning; {@code query-memory-size-summary}: the RAM
   * QEMU was started with); null where it does not.
   */
  private CompletableFuture<JsonNode> modern(QmpDialect served, String query) {
    return served.offer().has(query)
        ? qmp.execute(query, null)
        : CompletableFuture.completedFuture(null);
  }

  private static JsonNode joinOrNull(CompletableFuture<JsonNode> answer) {
    try {
      return answer.join();
    } catch (java.util.concurrent.CompletionException e) {
      return JsonNodeFactory.instance.nullNode();
    }
  }

  private static CommandResult join(CompletableFuture<CommandResult> future)
      throws InterruptedException {
    try {
      return future.get();
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException("state query failed unexpectedly", e.getCause());
    }
  }
}
