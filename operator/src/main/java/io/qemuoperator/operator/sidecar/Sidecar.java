package io.qemuoperator.operator.sidecar;

import com.fasterxml.jackson.databind.JsonNode;
import io.qemuoperator.sidecar.api.EventPage;
import io.qemuoperator.sidecar.api.ImportProgress;
import io.qemuoperator.sidecar.api.IncomingMigration;
import io.qemuoperator.sidecar.api.MigrationInfo;
import io.qemuoperator.sidecar.api.OutgoingMigration;
import java.time.Duration;

/**
 * What the operator asks of a VM's sidecar: the state snapshot, QMP commands, QMP events, and live
 * migration. {@link SidecarClient} is the HTTP implementation; tests give the reconciler doubles.
 */
public interface Sidecar {

  /** {@code GET /v1/state}: one consistent snapshot of QEMU's state. */
  VmSnapshot state(SidecarEndpoint endpoint) throws SidecarException;

  /** {@code POST /v1/commands/NAME} with {@code arguments} (a generated record or null). */
  JsonNode command(SidecarEndpoint endpoint, String command, Object arguments)
      throws SidecarException;

  /** {@code GET /v1/events?after=SEQ&wait=S}: waits up to {@code wait} for events after SEQ. */
  EventPage events(SidecarEndpoint endpoint, long after, Duration wait) throws SidecarException;

  /**
   * {@code GET /v1/import}: how far the disk import is, from the pod's importer (its init
   * container), which answers on the sidecar's address while it runs.
   */
  ImportProgress importProgress(SidecarEndpoint endpoint) throws SidecarException;

  /** {@code GET /v1/migration}: the migration as QEMU reports it (status {@code none} before). */
  MigrationInfo migration(SidecarEndpoint endpoint) throws SidecarException;

  /**
   * {@code POST /v1/migration/incoming}: the target QEMU ({@code -incoming defer}) listens for the
   * migration.
   */
  void migrateIncoming(SidecarEndpoint endpoint, IncomingMigration migration)
      throws SidecarException;

  /**
   * {@code POST /v1/migration/outgoing}: starts migrating the source QEMU to a listening target;
   * the migration as QEMU reports it right after.
   */
  MigrationInfo migrateOutgoing(SidecarEndpoint endpoint, OutgoingMigration migration)
      throws SidecarException;

  /** {@code POST /v1/migration/cancel}: {@code migrate_cancel}. */
  void cancelMigration(SidecarEndpoint endpoint) throws SidecarException;
}
