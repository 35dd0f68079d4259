package io.qemuoperator.sidecar;

import io.qemuoperator.sidecar.api.IncomingMigration;
import io.qemuoperator.sidecar.api.OutgoingMigration;
import io.qemuoperator.sidecar.api.ReturnBody;
import io.qemuoperator.sidecar.api.SidecarPaths;
import java.io.IOException;
import java.util.Map;

/**
 * The migration endpoints ({@link SidecarPaths#MIGRATION} and below): a request body is read and
 * checked by {@link MigrationRequests} before QEMU is asked (400 {@code InvalidArguments}); {@link
 * LiveMigration} sends the QMP commands.
 */
final class MigrationApi {
  private final LiveMigration migration;
  private final int maxBodyBytes;
  private final MigrationRequests requests = new MigrationRequests();

  MigrationApi(LiveMigration migration, int maxBodyBytes) {
    this.migration = migration;
    this.maxBodyBytes = maxBodyBytes;
  }

  /** Serves {@code path}, one of the four migration paths. */
  void serve(JsonExchange exchange, String path) throws IOException, InterruptedException {
    String method = path.equals(SidecarPaths.MIGRATION) ? "GET" : "POST";
    boolean head = method.equals("GET") && "HEAD".equals(exchange.method());
    if (!method.equals(exchange.method()) && !head) {
      exchange.respondError(ApiError.methodNotAllowed(exchange.method(), method));
      return;
    }
    try {
      switch (path) {
        case SidecarPaths.MIGRATION -> exchange.respond(200, new ReturnBody<>(migration.info()));
        case SidecarPaths.MIGRATION_INCOMING -> {
          switch (requests.incoming(exchange.body(maxBodyBytes))) {
            case MigrationRequests.Read.Valid<IncomingMigration> valid -> {
              migration.listen(valid.request());
              exchange.respond(200, new ReturnBody<>(Map.of()));
            }
            case MigrationRequests.Read.Invalid<IncomingMigration> invalid ->
                exchange.respondError(ApiError.invalidArguments(invalid.why()));
          }
        }
        case SidecarPaths.MIGRATION_OUTGOING -> {
          switch (requests.outgoing(exchange.body(maxBodyBytes))) {
            case MigrationRequests.Read.Valid<OutgoingMigration> valid ->
                exchange.respond(200, new ReturnBody<>(migration.send(valid.request())));
            case MigrationRequests.Read.Invalid<OutgoingMigration> invalid ->
                exchange.respondError(ApiError.invalidArguments(invalid.why()));
          }
        }
        case SidecarPaths.MIGRATION_CANCEL -> {
          exchange.body(maxBodyBytes); // none expected; read so the connection stays usable
          migration.cancel();
          exchange.respond(200, new ReturnBody<>(Map.of()));
        }
        default -> exchange.respondError(ApiError.noSuchEndpoint(path));
      }
    } catch (LiveMigration.Refused refused) {
      exchange.respondError(refused.error());
    } catch (JsonExchange.BodyRefusedException e) {
      exchange.respondError(e.error());
    }
  }
}
