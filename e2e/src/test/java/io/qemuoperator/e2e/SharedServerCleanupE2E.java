package io.qemuoperator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.qemuoperator.api.v1alpha1.QemuVMMigration;
import io.qemuoperator.api.v1alpha1.spec.QemuVMMigrationSpec;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What the test classes sharing one real API server leave to the next: a finalizer no operator will
 * release, even on an object whose namespace is already gone, is released ({@link
 * RealApiServer#releaseFinalizers}), so namespaces empty and CRDs can be deleted.
 */
@ExtendWith(RealApiServer.class)
class SharedServerCleanupE2E {
  private static final String FINALIZER = "qemu-operator.io/test-holds";

  private static RealApiServer server;

  @BeforeAll
  static void installCrd(RealApiServer realApiServer) {
    server = realApiServer;
    server.installCrd();
  }

  @Test
  void aDeletedNamespaceIsNotHeldByAMigrationsFinalizer() {
    String namespace = server.newNamespace("cleanup");
    create(namespace, "held");

    server.deleteNamespace(namespace);

    Awaitility.await("the namespace gone")
        .atMost(Duration.ofSeconds(60))
        .until(() -> server.client().namespaces().withName(namespace).get() == null);
  }

  /**
   * The orphan that turned a fresh-clone run red: the namespace finalized while an object with a
   * finalizer was still in it (here by emptying the namespace's finalizers by hand, as
   * kube-controller-manager did after an API server restart).
   */
  @Test
  void aMigrationThatOutlivedItsNamespaceIsReleased() {
    String namespace = server.newNamespace("cleanup");
    create(namespace, "orphan");
    server.client().namespaces().withName(namespace).delete();
    var noFinalizers =
        new NamespaceBuilder()
            .withNewMetadata()
            .withName(namespace)
            .endMetadata()
            .withNewSpec()
            .withFinalizers(List.of())
            .endSpec()
            .build();
    server.client().raw("/api/v1/namespaces/" + namespace + "/finalize", "PUT", noFinalizers);
    Awaitility.await("the namespace gone, its migration left")
        .atMost(Duration.ofSeconds(30))
        .until(() -> server.client().namespaces().withName(namespace).get() == null);
    assertThat(migrationNames(namespace)).containsExactly("orphan");

    server.releaseFinalizers(QemuVMMigration.class, null);

    Awaitility.await("the orphan deleted")
        .atMost(Duration.ofSeconds(60))
        .until(() -> migrationNames(namespace).isEmpty());
    Awaitility.await("the namespace made for the change gone again")
        .atMost(Duration.ofSeconds(60))
        .until(() -> server.client().namespaces().withName(namespace).get() == null);
  }

  private static void create(String namespace, String name) {
    var migration = new QemuVMMigration();
    migration.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace(namespace)
            .withFinalizers(FINALIZER)
            .build());
    migration.setSpec(new QemuVMMigrationSpec("nobody"));
    server.client().resource(migration).create();
  }

  private static List<String> migrationNames(String namespace) {
    return server
        .client()
        .resources(QemuVMMigration.class)
        .inNamespace(namespace)
        .list()
        .getItems()
        .stream()
        .map(m -> m.getMetadata().getName())
        .toList();
  }
}
