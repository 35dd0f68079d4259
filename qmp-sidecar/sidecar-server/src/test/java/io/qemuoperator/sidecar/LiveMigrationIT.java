package io.qemuoperator.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.qemuoperator.sidecar.api.EventPage;
import io.qemuoperator.sidecar.api.IncomingMigration;
import io.qemuoperator.sidecar.api.MigrationInfo;
import io.qemuoperator.sidecar.api.MigrationTls;
import io.qemuoperator.sidecar.api.OutgoingMigration;
import io.qemuoperator.sidecar.api.ReturnBody;
import io.qemuoperator.sidecar.api.SequencedEvent;
import io.qemuoperator.sidecar.api.SidecarJson;
import io.qemuoperator.sidecar.api.SidecarPaths;
import io.qemuoperator.sidecar.api.VmState;
import io.qemuoperator.testing.MemoryCheck;
import io.qemuoperator.testing.RawQmp;
import io.qemuoperator.testing.TestGuest;
import io.qemuoperator.testing.TestingQemu;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live migration through the sidecars' HTTP API only: the test guest, checking its own memory
 * ({@link TestGuest#withMemoryCheck}), runs on a source QEMU; each target is a QEMU with the
 * identical guest-visible command line plus {@code -incoming defer}; each QEMU has its own real
 * sidecar. A stop-and-copy QEMU refuses (a migration blocker) leaves the guest running, a slow
 * pre-copy is cancelled (the source runs on), a stop-and-copy to no target fails (the source,
 * paused for it, is continued), then a stop-and-copy (the policy for TCG guests, see the README)
 * starts under a tiny {@code max-bandwidth}, is sped up live with the seed's {@code
 * migrate_set_speed}, completes, and the guest counts on on the target with no memory error. The
 * migrations are driven only through the sidecars; each QEMU's observer monitor only adds the
 * blocker and reads QEMU's own figures to compare.
 *
 * <p>Over TLS (certificates issued with {@code openssl}, {@link OpensslCertificates}): a source
 * presenting another CA's certificate, and one expecting another name than the target's certificate
 * carries, fail while the source runs on; a stop-and-copy between peers of one CA completes with
 * the guest's memory intact, and the target then migrates on over plain TCP (its {@code tls-creds}
 * cleared). Runs on every QEMU the suite runs on ({@code QEMU_SYSTEM}): about 20 s each.
 */
class LiveMigrationIT {
  private static final Duration DEADLINE = Duration.ofSeconds(120); // TCG on a loaded machine
  private static final int CHECKED_MIB = 32;
  private static final long MIB = 1L << 20;
  private static final String LOOPBACK = "127.0.0.1";
  private static final ObjectMapper JSON = SidecarJson.mapper();

  /** A versioned machine type both QEMU 7.2 and 10.0 have: the two sides must match. */
  private static final String MACHINE = "pc-q35-7.2";

  private final TestingQemu.Options options =
      TestingQemu.Options.defaults()
          .withPaused(false)
          .withMachine(MACHINE)
          .withGuest(TestGuest.find().withMemoryCheck(CHECKED_MIB));

  @Test
  void aCancelledMigrationLeavesTheSourceRunningAndASpedUpOneCompletes() throws Exception {
    try (var source = TestingQemu.start(options);
        var sourceSidecar = TestingSidecar.start(source.qmpSocket(), source.dir())) {
      assertThat(migration(sourceSidecar).status()).isEqualTo(MigrationInfo.NONE);
      assertThat(
              sourceSidecar
                  .post(SidecarPaths.MIGRATION_INCOMING, json(new IncomingMigration(LOOPBACK, 1)))
                  .errorClass())
          .as("a QEMU not started with -incoming defer does not listen")
          .isEqualTo("NotIncoming");
      await("the source guest's memory checker has verified its blocks twice")
          .atMost(DEADLINE)
          .pollInterval(Duration.ofMillis(200))
          .until(() -> MemoryCheck.read(source.serialLog(), false).rounds().size() >= 2);

      refusedAfterTheStop(source, sourceSidecar);
      cancelledPreCopy(source, sourceSidecar);
      failedWithNoTarget(sourceSidecar);
      stopAndCopySpedUpLive(source, sourceSidecar);
    }
  }

  @Test
  void overTlsOnlyPeersOfOneCaThatNameTheTargetMigrate(@TempDir Path certificates)
      throws Exception {
    var ours = OpensslCertificates.issue(certificates.resolve("ours"), "migration CA", "target");
    var theirs = OpensslCertificates.issue(certificates.resolve("theirs"), "other CA", "target");
    try (var source = TestingQemu.start(options);
        var sourceSidecar = TestingSidecar.start(source.qmpSocket(), source.dir())) {
      for (String command : new String[] {"object-add", "object-del"}) {
        var direct = sourceSidecar.command(command, "{\"qom-type\":\"x\",\"id\":\"y\"}");
        assertThat(direct.status())
            .as(command + " is the sidecar's own, not a command of /v1/commands: " + direct.text())
            .isEqualTo(404);
      }
      await("the source guest's memory checker has verified its blocks twice")
          .atMost(DEADLINE)
          .pollInterval(Duration.ofMillis(200))
          .until(() -> MemoryCheck.read(source.serialLog(), false).rounds().size() >= 2);

      refusedPeer(
          sourceSidecar,
          ours,
          // QEMU checks its own certificate against its CA file: the source trusts both CAs
          new MigrationTls(
              ours.caCertificate() + theirs.caCertificate(),
              theirs.clientCertificate(),
              theirs.clientKey(),
              "target"),
          "the target refuses a source certificate of another CA");
      refusedPeer(
          sourceSidecar,
          ours,
          ours.client("elsewhere"),
          "the source refuses a target certificate naming another host");
      tlsStopAndCopyThenPlainOnwards(source, sourceSidecar, ours);
    }
  }

  /** A TLS migration between these credentials fails; the source runs on. */
  private void refusedPeer(
      TestingSidecar sourceSidecar, OpensslCertificates target, MigrationTls client, String why)
      throws IOException {
    try (var targetQemu = TestingQemu.start(options.withExtraArgs("-incoming", "defer"));
        var targetSidecar = TestingSidecar.start(targetQemu.qmpSocket(), targetQemu.dir())) {
      int port = freePort();
      listen(targetSidecar, port, target.server());

      outgoing(sourceSidecar, new OutgoingMigration(LOOPBACK, port, 0, 300, false, false, client));
      await("the migration failed: " + why)
          .atMost(DEADLINE)
          .pollInterval(Duration.ofMillis(50))
          .until(() -> migration(sourceSidecar).finished());
      MigrationInfo failed = migration(sourceSidecar);
      System.out.println(why + ": " + failed);
      assertThat(failed.status()).as(why).isEqualTo(MigrationInfo.FAILED);
      assertThat(state(sourceSidecar).status().status()).isEqualTo("running");
    }
  }

  /**
   * A stop-and-copy over TLS, uncapped, after a key QEMU cannot read was refused (422, QEMU's
   * error); the guest counts on on the target, which then migrates it on over plain TCP: the
   * target's {@code tls-creds} (set when it received) is cleared, or QEMU would speak TLS.
   */
  private void tlsStopAndCopyThenPlainOnwards(
      TestingQemu source, TestingSidecar sourceSidecar, OpensslCertificates ours)
      throws IOException {
    try (var target = TestingQemu.start(options.withExtraArgs("-incoming", "defer"));
        var targetSidecar = TestingSidecar.start(target.qmpSocket(), target.dir())) {
      int port = freePort();
      var unreadable =
          targetSidecar.post(
              SidecarPaths.MIGRATION_INCOMING,
              json(
                  new IncomingMigration(
                      LOOPBACK,
                      port,
                      MigrationTls.incoming(
                          ours.caCertificate(),
                          ours.serverCertificate(),
                          "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n"))));
      System.out.println(
          "a key QEMU cannot read: " + unreadable.status() + " " + unreadable.text());
      assertThat(unreadable.status()).as(unreadable.text()).isEqualTo(422);
      assertThat(unreadable.errorClass()).isEqualTo("GenericError");
      assertThat(state(targetSidecar).status().status()).isEqualTo("inmigrate");
      listen(targetSidecar, port, ours.server());
      var again =
          targetSidecar.post(
              SidecarPaths.MIGRATION_INCOMING, json(new IncomingMigration(LOOPBACK, freePort())));
      assertThat(again.errorClass())
          .as("a listening target keeps its TLS settings: " + again.text())
          .isEqualTo("MigrationActive");
      Path files = target.dir().resolve(MigrationTlsFiles.FOLDER);
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(files)))
          .isEqualTo("rwx------");
      assertThat(Files.readString(files.resolve("server-key.pem"))).isEqualTo(ours.serverKey());

      MigrationInfo overTls =
          completed(
              sourceSidecar,
              new OutgoingMigration(LOOPBACK, port, 0, 300, false, true, ours.client("target")));
      System.out.println("stop-and-copy over TLS: " + overTls);
      await("the target out of inmigrate")
          .atMost(DEADLINE)
          .pollInterval(Duration.ofMillis(50))
          .until(() -> !state(targetSidecar).status().status().equals("inmigrate"));
      var cont = targetSidecar.command("cont", null);
      assertThat(cont.status()).as(cont.text()).isEqualTo(200);
      long lastOnSource = MemoryCheck.read(source.serialLog(), false).last().orElseThrow().round();
      await("a memory-check round on the target after round " + lastOnSource)
          .atMost(DEADLINE)
          .pollInterval(Duration.ofMillis(200))
          .until(() -> MemoryCheck.read(target.serialLog(), true).roundsAfter(lastOnSource) >= 1);
      assertThat(MemoryCheck.read(target.serialLog(), true).last().orElseThrow().errors())
          .as("memory errors after the TLS migration")
          .isZero();

      try (var next = TestingQemu.start(options.withExtraArgs("-incoming", "defer"));
          var nextSidecar = TestingSidecar.start(next.qmpSocket(), next.dir())) {
        int nextPort = freePort();
        listen(nextSidecar, nextPort);
        MigrationInfo plain =
            completed(
                targetSidecar, new OutgoingMigration(LOOPBACK, nextPort, 0, 300, false, true));
        System.out.println("stop-and-copy over plain TCP, same guest: " + plain);
        System.out.printf(
            "TLS %d ms (%d ms down) vs plain %d ms (%d ms down) for %d vs %d bytes%n",
            overTls.totalTimeMs(),
            overTls.downtimeMs(),
            plain.totalTimeMs(),
            plain.downtimeMs(),
            overTls.transferredBytes(),
            plain.transferredBytes());
        await("the next target out of inmigrate")
            .atMost(DEADLINE)
            .pollInterval(Duration.ofMillis(50))
            .until(() -> !state(nextSidecar).status().status().equals("inmigrate"));
        var nextCont = nextSidecar.command("cont", null);
        assertThat(nextCont.status()).as(nextCont.text()).isEqualTo(200);
        long lastOnTarget = MemoryCheck.read(target.serialLog(), true).last().orElseThrow().round();
        await("two memory-check rounds on the next target after round " + lastOnTarget)
            .atMost(DEADLINE)
            .pollInterval(Duration.ofMillis(200))
            .until(() -> MemoryCheck.read(next.serialLog(), true).roundsAfter(lastOnTarget) >= 2);
        var after = MemoryCheck.read(next.serialLog(), true);
        assertThat(after.kernelTrouble()).as("oops, panic or reboot").isEmpty();
        assertThat(after.last().orElseThrow().errors()).as("memory errors").isZero();
      }
    }
  }

  /** Starts {@code migration} and waits for its end, which must be {@code completed}. */
  private static MigrationInfo completed(TestingSidecar source, OutgoingMigration migration) {
    outgoing(source, migration);
    await("the migration finished")
        .atMost(DEADLINE)
        .pollInterval(Duration.ofMillis(50))
        .until(() -> migration(source).finished());
    MigrationInfo done = migration(source);
    assertThat(done.status()).as(done.toString()).isEqualTo(MigrationInfo.COMPLETED);
    return done;
  }

  /** A pre-copy at 1 MiB/s cannot finish 256 MiB in the test's time: it is cancelled mid-way. */
  private void cancelledPreCopy(TestingQemu source, TestingSidecar sourceSidecar)
      throws IOException {
    try (var target = TestingQemu.start(options.withExtraArgs("-incoming", "defer"));
        var targetSidecar = TestingSidecar.start(target.qmpSocket(), target.dir())) {
      int port = freePort();
      listen(targetSidecar, port);

      MigrationInfo started =
          outgoing(sourceSidecar, new OutgoingMigration(LOOPBACK, port, MIB, 300, false, false));
      assertThat(started.status()).isIn("setup", "active");
      await("a few hundred KiB sent at 1 MiB/s")
          .atMost(DEADLINE)
          .pollInterval(Duration.ofMillis(100))
          .until(() -> orZero(migration(sourceSidecar).transferredBytes()) > 256 * 1024);
      var cancel = sourceSidecar.post(SidecarPaths.MIGRATION_CANCEL, null);
      assertThat(cancel.status()).as(cancel.text()).isEqualTo(200);

      await("the migration cancelled")
          .atMost(DEADLINE)
          .pollInterval(Duration.ofMillis(50))
          .until(() -> migration(sourceSidecar).status().equals(MigrationInfo.CANCELLED));
      System.out.println("the sidecar's cancelled migration: " + migration(sourceSidecar));
      assertThat(state(sourceSidecar).status().status()).isEqualTo("running");
    }
    long lastRound = MemoryCheck.read(source.serialLog(), false).last().orElseThrow().round();
    await("a memory-check round on the source after the cancel")
        .atMost(DEADLINE)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> MemoryCheck.read(source.serialLog(), false).roundsAfter(lastRound) >= 1);
    assertThat(MemoryCheck.read(source.serialLog(), false).last().orElseThrow().errors()).isZero();
  }

  /**
   * A migration blocker (a writable vvfat node, added on the observer monitor as the test's
   * fixture) makes QEMU refuse {@code migrate} itself, after the sidecar stopped the guest for
   * {@code pauseFirst}: QEMU's error is answered (422) and the guest runs again.
   */
  private void refusedAfterTheStop(TestingQemu source, TestingSidecar sourceSidecar)
      throws IOException {
    Path folder = Files.createDirectory(source.dir().resolve("vvfat"));
    try (var observer = RawQmp.connect(source.observerSocket())) {
      var added =
          observer.execute(
              "blockdev-add",
              "{\"driver\":\"vvfat\",\"node-name\":\"blocker\",\"dir\":\""
                  + folder
                  + "\",\"rw\":true}");
      assertThat(added.has("return")).as(added.toString()).isTrue();
      long seq = events(sourceSidecar, 0).lastSeq();

      var refused =
          sourceSidecar.post(
              SidecarPaths.MIGRATION_OUTGOING,
              json(new OutgoingMigration(LOOPBACK, freePort(), 0, 300, false, true)));
      System.out.println("migrate with a blocker: " + refused.status() + " " + refused.text());
      assertThat(refused.status()).as(refused.text()).isEqualTo(422);
      assertThat(refused.desc()).contains("vvfat");
      assertThat(state(sourceSidecar).status().status())
          .as("the guest the sidecar stopped for the migration runs again")
          .isEqualTo("running");
      assertThat(events(sourceSidecar, seq).events())
          .extracting(SequencedEvent::name)
          .containsSubsequence("STOP", "RESUME");

      var removed = observer.execute("blockdev-del", "{\"node-name\":\"blocker\"}");
      assertThat(removed.has("return")).as(removed.toString()).isTrue();
    }
  }

  /**
   * {@code migrate} to a port nobody listens on is accepted, then fails; QEMU leaves a source that
   * was paused before the migration ({@code pauseFirst}) paused, and {@code cont} resumes it.
   */
  private void failedWithNoTarget(TestingSidecar sourceSidecar) {
    outgoing(sourceSidecar, new OutgoingMigration(LOOPBACK, freePort(), 0, 300, false, true));
    await("the migration failed")
        .atMost(DEADLINE)
        .pollInterval(Duration.ofMillis(50))
        .until(() -> migration(sourceSidecar).finished());
    MigrationInfo failed = migration(sourceSidecar);
    System.out.println("the sidecar's failed migration: " + failed);
    assertThat(failed.status()).isEqualTo(MigrationInfo.FAILED);
    assertThat(failed.errorDesc()).isNotBlank();
    assertThat(state(sourceSidecar).status().status()).isEqualTo("paused");
    var cont = sourceSidecar.command("cont", null);
    assertThat(cont.status()).as(cont.text()).isEqualTo(200);
    assertThat(state(sourceSidecar).status().status()).isEqualTo("running");
  }

  /**
   * Stop-and-copy under a 1 MiB/s cap crawls; {@code migrate_set_speed} through {@code
   * /v1/commands} raises the cap while it runs and the transfer finishes. The target, which QEMU
   * leaves paused (the source was paused), is continued.
   */
  private void stopAndCopySpedUpLive(TestingQemu source, TestingSidecar sourceSidecar)
      throws IOException {
    try (var target = TestingQemu.start(options.withExtraArgs("-incoming", "defer"));
        var targetSidecar = TestingSidecar.start(target.qmpSocket(), target.dir())) {
      int port = freePort();
      VmState waiting = state(targetSidecar);
      assertThat(waiting.status().status())
          .as("/v1/state on a target before it listens")
          .isEqualTo("inmigrate");
      assertThat(waiting.errors()).as("queries refused while inmigrate").isEmpty();
      assertThat(
              targetSidecar
                  .post(
                      SidecarPaths.MIGRATION_OUTGOING,
                      json(new OutgoingMigration(LOOPBACK, port, 0, 300, false, true)))
                  .errorClass())
          .as("a target in inmigrate cannot be migrated")
          .isEqualTo("NotMigratable");
      listen(targetSidecar, port);

      long start = System.nanoTime();
      outgoing(sourceSidecar, new OutgoingMigration(LOOPBACK, port, MIB, 300, false, true));
      await("2 MiB sent at 1 MiB/s")
          .atMost(DEADLINE)
          .pollInterval(Duration.ofMillis(50))
          .until(() -> orZero(migration(sourceSidecar).transferredBytes()) >= 2 * MIB);
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .as("the 1 MiB/s cap holds")
          .isGreaterThan(Duration.ofMillis(1000));
      MigrationInfo crawling = migration(sourceSidecar);
      assertThat(crawling.status()).isEqualTo("active");
      assertThat(crawling.remainingBytes()).isGreaterThan(64 * MIB);
      try (var observer = RawQmp.connect(source.observerSocket())) {
        System.out.println(
            "query-migrate on the source while active: "
                + observer.execute("query-migrate", null).path("return"));
      }
      assertThat(state(sourceSidecar).status().status()).isEqualTo("paused");
      var again =
          sourceSidecar.post(
              SidecarPaths.MIGRATION_OUTGOING,
              json(new OutgoingMigration(LOOPBACK, port, 0, 300, false, true)));
      assertThat(again.status()).isEqualTo(409);
      assertThat(again.errorClass()).isEqualTo("MigrationActive");
      VmState receiving = state(targetSidecar);
      assertThat(receiving.status().status())
          .as("/v1/state on a target while it receives")
          .isEqualTo("inmigrate");
      assertThat(receiving.errors()).as("queries refused while inmigrate").isEmpty();

      var speed = sourceSidecar.command("migrate_set_speed", "{\"value\":" + 1024 * MIB + "}");
      assertThat(speed.status()).as(speed.text()).isEqualTo(200);
      var downtime = sourceSidecar.command("migrate_set_downtime", "{\"value\":0.5}");
      assertThat(downtime.status()).as(downtime.text()).isEqualTo(200);
      assertThat(state(sourceSidecar).migrateParameters().downtimeLimit()).isEqualTo(500L);
      long raised = System.nanoTime();

      await("the migration completed once sped up")
          .atMost(DEADLINE)
          .pollInterval(Duration.ofMillis(50))
          .until(() -> migration(sourceSidecar).finished());
      Duration afterRaise = Duration.ofNanos(System.nanoTime() - raised);
      System.out.println("completed " + afterRaise.toMillis() + " ms after the cap was raised");
      MigrationInfo done = migration(sourceSidecar);
      assertThat(done.status()).as(done.toString()).isEqualTo(MigrationInfo.COMPLETED);
      assertThat(done.passes()).isPositive();
      assertThat(done.totalTimeMs()).isPositive();
      assertThat(done.downtimeMs()).isPositive();
      assertThat(done.transferredBytes()).isGreaterThan(64 * MIB);
      assertThat(afterRaise)
          .as("done far sooner than the 64+ s the remaining RAM needs at 1 MiB/s")
          .isLessThan(Duration.ofSeconds(30));
      try (var observer = RawQmp.connect(source.observerSocket())) {
        var reply = observer.execute("query-migrate", null).path("return");
        System.out.println("query-migrate on the source after completion: " + reply);
        assertThat(done.transferredBytes())
            .isEqualTo(reply.path("ram").path("transferred").asLong());
      }
      System.out.println("the sidecar's migration: " + done);

      VmState handedOver = state(sourceSidecar);
      assertThat(handedOver.status().status())
          .as("/v1/state on the source after the hand-over")
          .isEqualTo("postmigrate");
      assertThat(handedOver.errors()).as("queries refused while postmigrate").isEmpty();
      await("the target out of inmigrate")
          .atMost(DEADLINE)
          .pollInterval(Duration.ofMillis(50))
          .until(() -> !state(targetSidecar).status().status().equals("inmigrate"));
      assertThat(state(targetSidecar).status().status())
          .as("a stop-and-copy target is left paused")
          .isEqualTo("paused");
      System.out.println(
          "query-migrate on the target after completion: " + migration(targetSidecar));
      var cont = targetSidecar.command("cont", null);
      assertThat(cont.status()).as(cont.text()).isEqualTo(200);
      assertThat(state(targetSidecar).status().status()).isEqualTo("running");

      long lastOnSource = MemoryCheck.read(source.serialLog(), false).last().orElseThrow().round();
      await("two memory-check rounds on the target after round " + lastOnSource)
          .atMost(DEADLINE)
          .pollInterval(Duration.ofMillis(200))
          .until(() -> MemoryCheck.read(target.serialLog(), true).roundsAfter(lastOnSource) >= 2);
      var after = MemoryCheck.read(target.serialLog(), true);
      assertThat(after.kernelTrouble()).as("oops, panic or reboot on the target").isEmpty();
      assertThat(after.last().orElseThrow().errors()).as("memory errors").isZero();
    }
  }

  private static void listen(TestingSidecar target, int port) {
    listen(target, port, null);
  }

  private static void listen(TestingSidecar target, int port, MigrationTls tls) {
    var answer =
        target.post(
            SidecarPaths.MIGRATION_INCOMING, json(new IncomingMigration(LOOPBACK, port, tls)));
    assertThat(answer.status()).as(answer.text()).isEqualTo(200);
    assertThat(answer.text()).isEqualTo("{\"return\":{}}");
  }

  private static MigrationInfo outgoing(TestingSidecar source, OutgoingMigration migration) {
    var answer = source.post(SidecarPaths.MIGRATION_OUTGOING, json(migration));
    assertThat(answer.status()).as(answer.text()).isEqualTo(200);
    return read(answer.text(), MigrationInfo.class);
  }

  private static MigrationInfo migration(TestingSidecar sidecar) {
    var answer = sidecar.get(SidecarPaths.MIGRATION, true);
    assertThat(answer.status()).as(answer.text()).isEqualTo(200);
    return read(answer.text(), MigrationInfo.class);
  }

  private static VmState state(TestingSidecar sidecar) {
    var answer = sidecar.get(SidecarPaths.STATE, true);
    assertThat(answer.status()).as(answer.text()).isEqualTo(200);
    return read(answer.text(), VmState.class);
  }

  private static EventPage events(TestingSidecar sidecar, long after) throws IOException {
    var answer = sidecar.get(SidecarPaths.events(after, 0), true);
    assertThat(answer.status()).as(answer.text()).isEqualTo(200);
    return JSON.readValue(answer.text(), EventPage.class);
  }

  private static <T> T read(String body, Class<T> type) {
    try {
      ReturnBody<T> answer = JSON.readValue(body, SidecarJson.returnOf(JSON, type));
      return answer.value();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String json(Object request) {
    try {
      return JSON.writeValueAsString(request);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long orZero(Long value) {
    return value == null ? 0 : value;
  }

  private static int freePort() {
    try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
