package io.qemuoperator.sidecar;

import com.fasterxml.jackson.databind.JsonNode;
import io.qemuoperator.qmp.QmpException;
import io.qemuoperator.qmp.dialect.QmpDialect;
import io.qemuoperator.qmp.migration.MigrationCommands;
import io.qemuoperator.sidecar.api.IncomingMigration;
import io.qemuoperator.sidecar.api.MigrationInfo;
import io.qemuoperator.sidecar.api.MigrationTls;
import io.qemuoperator.sidecar.api.OutgoingMigration;
import io.qemuoperator.sidecar.api.SidecarPaths;
import java.io.Serial;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One side of a live migration, in QMP: the sidecar builds every command from a checked request
 * ({@link MigrationCommands}), so nothing but those commands reaches QEMU. The target listens
 * ({@link #listen}), the source sends ({@link #send}); both read {@code query-migrate} ({@link
 * #info}) and cancel ({@link #cancel}). Starting one is serialized, so two requests cannot both
 * pass the "no migration runs" check.
 */
final class LiveMigration {
  private static final Logger log = LoggerFactory.getLogger(LiveMigration.class);

  /** The run state of a QEMU started with {@code -incoming}, until the migration ends. */
  static final String INMIGRATE = "inmigrate";

  private static final List<String> MIGRATABLE = List.of("running", "paused");

  private final TimedQmp qmp;
  private final Supplier<Optional<QmpDialect>> dialect;
  private final ReentrantLock starting = new ReentrantLock();

  LiveMigration(TimedQmp qmp, Supplier<Optional<QmpDialect>> dialect) {
    this.qmp = qmp;
    this.dialect = dialect;
  }

  /** QEMU refused, or the request does not fit QEMU's state: the answer to give. */
  static final class Refused extends Exception {
    @Serial private static final long serialVersionUID = 1L;

    private final transient ApiError error;

    Refused(ApiError error) {
      super(error.errorClass() + ": " + error.desc(), null, false, false);
      this.error = error;
    }

    ApiError error() {
      return error;
    }
  }

  /** {@code query-migrate}. */
  MigrationInfo info() throws Refused, InterruptedException {
    connected();
    return QueryMigrateReply.read(call(MigrationCommands.QUERY, null));
  }

  /** {@code migrate_cancel}. */
  void cancel() throws Refused, InterruptedException {
    connected();
    call(MigrationCommands.CANCEL, null);
  }

  /** The target ({@code inmigrate}) sets its capabilities and listens. */
  void listen(IncomingMigration request) throws Refused, InterruptedException {
    starting.lock();
    try {
      requireMigrationCommands();
      refuseTls(request.tls());
      String state = runState();
      if (!INMIGRATE.equals(state)) {
        throw new Refused(
            new ApiError(
                409,
                "NotIncoming",
                "QEMU is "
                    + state
                    + ", not waiting for a migration: only a QEMU started with '-incoming defer'"
                    + " (run state inmigrate) can receive one"));
      }
      send(MigrationCommands.targetCapabilities());
      send(MigrationCommands.incoming(request.host(), request.port()));
      log.info("listening for a migration on {}:{}", request.host(), request.port());
    } finally {
      starting.unlock();
    }
  }

  /**
   * The source sets its capabilities and parameters, stops the guest when asked, and starts the
   * migration; QEMU's {@code query-migrate} right after. A guest this call stopped is continued
   * again when {@code migrate} fails.
   */
  MigrationInfo send(OutgoingMigration request) throws Refused, InterruptedException {
    starting.lock();
    try {
      requireMigrationCommands();
      refuseTls(request.tls());
      String state = runState();
      if (!MIGRATABLE.contains(state)) {
        throw new Refused(
            new ApiError(
                409,
                "NotMigratable",
                "QEMU is " + state + ": only a running or paused QEMU can be migrated"));
      }
      MigrationInfo now = info();
      if (!now.finished()) {
        throw new Refused(
            new ApiError(
                409,
                "MigrationActive",
                "a migration is "
                    + now.status()
                    + " already: wait for its end or cancel it ("
                    + SidecarPaths.MIGRATION_CANCEL
                    + ")"));
      }
      send(MigrationCommands.sourceCapabilities(request.autoConverge()));
      send(MigrationCommands.parameters(request.maxBandwidth(), request.downtimeLimitMs()));
      boolean stopped = request.pauseFirst() && "running".equals(state);
      if (stopped) {
        call("stop", null);
      }
      try {
        send(MigrationCommands.migrate(request.host(), request.port()));
      } catch (Refused | RuntimeException e) {
        if (stopped) {
          continueAgain();
        }
        throw e;
      }
      log.info(
          "migrating to {}:{} (max-bandwidth {} B/s, downtime-limit {} ms, auto-converge {},"
              + " paused first {})",
          request.host(),
          request.port(),
          request.maxBandwidth(),
          request.downtimeLimitMs(),
          request.autoConverge(),
          stopped);
      return info();
    } finally {
      starting.unlock();
    }
  }

  private void continueAgain() throws InterruptedException {
    try {
      call("cont", null);
    } catch (Refused e) {
      log.warn("the migration did not start, and the guest stopped for it stays paused: {}", e);
    }
  }

  /** Until the sidecar hands QEMU TLS credentials: 501, nothing sent. */
  private static void refuseTls(MigrationTls tls) throws Refused {
    if (tls != null) {
      throw new Refused(
          new ApiError(
              501, "Unavailable", "this sidecar cannot migrate over TLS yet: send no 'tls'"));
    }
  }

  private String runState() throws Refused, InterruptedException {
    return call("query-status", null).path("status").asText();
  }

  private void connected() throws Refused {
    if (dialect.get().isEmpty()) {
      throw new Refused(ApiError.notProbed());
    }
  }

  /** 501 on a QEMU without the modern migration commands (QEMU before 2.4). */
  private void requireMigrationCommands() throws Refused {
    QmpDialect served = dialect.get().orElseThrow(() -> new Refused(ApiError.notProbed()));
    var missing = MigrationCommands.REQUIRED.stream().filter(c -> !served.offer().has(c)).toList();
    if (!missing.isEmpty()) {
      throw new Refused(
          new ApiError(
              501,
              "Unavailable",
              "QEMU "
                  + served.offer().version()
                  + " cannot migrate as the sidecar does: it lacks "
                  + String.join(", ", missing)));
    }
  }

  private void send(MigrationCommands.Command command) throws Refused, InterruptedException {
    call(command.name(), command.arguments());
  }

  private JsonNode call(String command, JsonNode arguments) throws Refused, InterruptedException {
    try {
      return qmp.execute(command, arguments).get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() instanceof CompletionException c ? c.getCause() : e.getCause();
      if (cause instanceof QmpException failure) {
        throw new Refused(ApiError.fromQmp(failure));
      }
      throw new IllegalStateException(command + " failed unexpectedly", cause);
    }
  }
}
