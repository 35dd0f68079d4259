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
import java.io.IOException;
import java.io.Serial;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One side of a live migration, in QMP: the sidecar builds every command from a checked request
 * ({@link MigrationCommands}), so nothing but those commands reaches QEMU (its {@code object-add}
 * and {@code object-del} only of the TLS credentials, never reachable through {@code
 * /v1/commands}). The target listens ({@link #listen}), the source sends ({@link #send}); both read
 * {@code query-migrate} ({@link #info}) and cancel ({@link #cancel}). Starting one is serialized,
 * so two requests cannot both pass the "no migration runs" check.
 */
final class LiveMigration {
  private static final Logger log = LoggerFactory.getLogger(LiveMigration.class);

  /** The run state of a QEMU started with {@code -incoming}, until the migration ends. */
  static final String INMIGRATE = "inmigrate";

  private static final List<String> MIGRATABLE = List.of("running", "paused");

  /** Sends one QMP command ({@link TimedQmp#execute} in the sidecar). */
  @FunctionalInterface
  interface Qmp {
    CompletableFuture<JsonNode> execute(String command, JsonNode arguments);
  }

  private final Qmp qmp;
  private final Supplier<Optional<QmpDialect>> dialect;
  private final MigrationTlsFiles tlsFiles;
  private final ReentrantLock starting = new ReentrantLock();

  LiveMigration(Qmp qmp, Supplier<Optional<QmpDialect>> dialect, MigrationTlsFiles tlsFiles) {
    this.qmp = qmp;
    this.dialect = dialect;
    this.tlsFiles = tlsFiles;
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
      requireMigrationCommands(request.tls() != null);
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
      JsonNode incoming = call(MigrationCommands.QUERY, null);
      if (incoming.has("socket-address")
          || !incoming.path("status").asText("none").equals("none")) {
        // a second migrate-incoming is refused, but what comes before it would already have
        // replaced the listening migration's TLS settings (or cleared them: plain TCP)
        throw new Refused(
            new ApiError(
                409,
                "MigrationActive",
                "QEMU listens for a migration already (query-migrate: "
                    + incoming
                    + "): a QEMU receives one migration"));
      }
      send(MigrationCommands.targetCapabilities());
      boolean tls = secure(request.tls(), true);
      try {
        send(MigrationCommands.incoming(request.host(), request.port()));
      } catch (Refused | RuntimeException e) {
        if (tls) {
          dropTls();
        }
        throw e;
      }
      log.info(
          "listening for a migration on {}:{}{}",
          request.host(),
          request.port(),
          tls ? " over TLS" : "");
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
      requireMigrationCommands(request.tls() != null);
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
      boolean tls = secure(request.tls(), false);
      boolean stopped = false;
      try {
        if (request.pauseFirst() && "running".equals(state)) {
          call("stop", null);
          stopped = true;
        }
        send(MigrationCommands.migrate(request.host(), request.port()));
      } catch (Refused | RuntimeException e) {
        if (stopped) {
          continueAgain();
        }
        if (tls) {
          dropTls();
        }
        throw e;
      }
      log.info(
          "migrating to {}:{}{} (max-bandwidth {} B/s, downtime-limit {} ms, auto-converge {},"
              + " paused first {})",
          request.host(),
          request.port(),
          tls ? " over TLS" : "",
          request.maxBandwidth(),
          request.downtimeLimitMs(),
          request.autoConverge(),
          stopped);
      return info();
    } finally {
      starting.unlock();
    }
  }

  /**
   * The stream's security, before {@code migrate-incoming} or {@code migrate}: without {@code tls}
   * plain TCP ({@code tls-creds} cleared); with it the PEM files written afresh, the previous
   * credentials object (if any) deleted, a new one added and named in the parameters. When QEMU
   * refuses a step, nothing of it stays set and QEMU's error is thrown.
   *
   * @param server the target's side ({@code endpoint: server}, no {@code tls-hostname})
   * @return whether the migration runs over TLS
   */
  private boolean secure(MigrationTls tls, boolean server) throws Refused, InterruptedException {
    if (tls == null) {
      send(MigrationCommands.plain());
      return false;
    }
    Path dir;
    try {
      dir = tlsFiles.write(tls, server);
    } catch (IOException e) {
      throw new Refused(
          new ApiError(
              500,
              "TlsFilesUnwritable",
              "cannot write the migration's TLS files into " + tlsFiles.folder() + ": " + e));
    }
    if (tlsCredentialsExist()) {
      send(MigrationCommands.deleteTlsCredentials());
    }
    send(MigrationCommands.addTlsCredentials(dir.toString(), server));
    try {
      send(MigrationCommands.tls(server ? null : tls.hostname()));
    } catch (Refused | RuntimeException e) {
      dropTls();
      throw e;
    }
    log.info("TLS credentials ({}) read from {}", server ? "server" : "client", dir);
    return true;
  }

  /**
   * Undoes {@link #secure}'s TLS after a refusal: plain TCP again, the object deleted (each tried
   * even when the other is refused).
   */
  private void dropTls() throws InterruptedException {
    try {
      send(MigrationCommands.plain());
    } catch (Refused e) {
      log.warn("the refused migration's tls-creds parameter could not be cleared: {}", e);
    }
    try {
      if (tlsCredentialsExist()) {
        send(MigrationCommands.deleteTlsCredentials());
      }
    } catch (Refused e) {
      log.warn("the refused migration's TLS credentials object could not be deleted: {}", e);
    }
  }

  private boolean tlsCredentialsExist() throws Refused, InterruptedException {
    JsonNode objects;
    try {
      objects = send(MigrationCommands.listObjects());
    } catch (Refused e) {
      if ("DeviceNotFound".equals(e.error().errorClass())) {
        return false; // QEMU 7.2 has no /objects while it holds none
      }
      throw e;
    }
    for (JsonNode object : objects) {
      if (MigrationCommands.TLS_CREDENTIALS.equals(object.path("name").asText())) {
        return true;
      }
    }
    return false;
  }

  private void continueAgain() throws InterruptedException {
    try {
      call("cont", null);
    } catch (Refused e) {
      log.warn("the migration did not start, and the guest stopped for it stays paused: {}", e);
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

  /**
   * 501 on a QEMU without the modern migration commands (QEMU before 2.4), or, for TLS, without
   * {@link MigrationCommands#TLS_REQUIRED}.
   */
  private void requireMigrationCommands(boolean tls) throws Refused {
    QmpDialect served = dialect.get().orElseThrow(() -> new Refused(ApiError.notProbed()));
    var required = new ArrayList<>(MigrationCommands.REQUIRED);
    if (tls) {
      required.addAll(MigrationCommands.TLS_REQUIRED);
    }
    var missing = required.stream().filter(c -> !served.offer().has(c)).toList();
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

  private JsonNode send(MigrationCommands.Command command) throws Refused, InterruptedException {
    return call(command.name(), command.arguments());
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
