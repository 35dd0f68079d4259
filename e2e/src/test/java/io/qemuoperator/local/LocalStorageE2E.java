package io.qemuoperator.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.qemuoperator.api.v1alpha1.QemuVMApi;
import io.qemuoperator.e2e.RealApiServer;
import io.qemuoperator.operator.pod.VmResources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The local cluster's storage, without QEMU: claims like the operator's are bound to a volume with
 * a folder (kube-controller-manager's binder on the real server, {@link VolumeBinder} on the mock
 * server), grow on class {@code local}, do not on {@code local-fixed}, and take their volume and
 * folder with them; closing the cluster leaves no volume, folder or storage class behind.
 */
@ParameterizedClass(name = "on the {0} API server")
@ValueSource(strings = {"mock", "real"})
@ExtendWith({RealApiServer.class, LogScan.class})
class LocalStorageE2E {
  private static final long MIB = 1 << 20;

  /** mock: Fabric8's mock API server; real: kube-apiserver v1.20 with kube-controller-manager. */
  @Parameter String apiServer;

  private E2eCluster e2e;
  private RealApiServer server;

  @BeforeEach
  void start(RealApiServer server) throws Exception {
    this.server = server;
    e2e =
        apiServer.equals("real")
            ? E2eCluster.onRealApiServerAsAdmin(server)
            : E2eCluster.onMockApiServer();
  }

  @AfterEach
  void stop() throws Exception {
    if (e2e != null) {
      e2e.close();
    }
  }

  @Test
  void aClaimIsBoundToANewVolumeWithAFolderAndGrowsOnClassLocal() {
    create("root", null, "64Mi");

    PersistentVolumeClaim bound = awaitClaim("root", "Bound", c -> bytes(capacity(c)) > 0);
    if (apiServer.equals("real")) { // the DefaultStorageClass admission plugin filled it in
      assertThat(bound.getSpec().getStorageClassName()).isEqualTo(StorageClasses.GROWABLE);
    }
    assertThat(bytes(capacity(bound))).isEqualTo(64 * MIB);
    String name = bound.getSpec().getVolumeName();
    assertThat(name).isEqualTo("pvc-" + bound.getMetadata().getUid());
    PersistentVolume volume = volume(name);
    assertThat(bytes(volume.getSpec().getCapacity().get("storage"))).isEqualTo(64 * MIB);
    assertThat(volume.getSpec().getClaimRef().getUid()).isEqualTo(bound.getMetadata().getUid());
    assertThat(volume.getSpec().getPersistentVolumeReclaimPolicy()).isEqualTo("Delete");
    assertThat(volume.getSpec().getAccessModes()).containsExactly("ReadWriteOnce");
    assertThat(volume.getStatus().getPhase()).isEqualTo("Bound");
    Path folder = e2e.root.resolve("volumes").resolve(name);
    assertThat(folder).isDirectory();
    assertThat(volume.getSpec().getHostPath().getPath()).isEqualTo(folder.toString());
    assertThat(e2e.agent().claimFolder(e2e.ns, "root")).contains(folder);

    request("root", "128Mi");

    awaitClaim("root", "grown to 128Mi", c -> bytes(capacity(c)) == 128 * MIB);
    assertThat(bytes(volume(name).getSpec().getCapacity().get("storage"))).isEqualTo(128 * MIB);
  }

  @Test
  void aClaimOnClassLocalFixedDoesNotGrow() {
    create("fixed", StorageClasses.FIXED, "64Mi");
    awaitClaim("fixed", "Bound", c -> bytes(capacity(c)) == 64 * MIB);

    if (apiServer.equals("real")) {
      // the PersistentVolumeClaimResize admission plugin: the class does not allow expansion
      assertThatThrownBy(() -> request("fixed", "128Mi"))
          .isInstanceOfSatisfying(
              KubernetesClientException.class,
              e -> {
                assertThat(e.getCode()).isEqualTo(403);
                assertThat(e.getStatus().getMessage())
                    .contains("storageclass that provisions the pvc must support resize");
              });
      assertThat(bytes(request(claim("fixed")))).isEqualTo(64 * MIB);
    } else {
      // the mock server takes the request: the resizer refuses it, with one Warning Event
      request("fixed", "128Mi");
      Awaitility.await("a VolumeResizeFailed Event on the claim")
          .atMost(Duration.ofSeconds(20))
          .until(() -> resizeFailures("fixed").size() == 1);
      request("fixed", "96Mi");
      Event event = resizeFailures("fixed").getFirst();
      assertThat(event.getType()).isEqualTo("Warning");
      assertThat(event.getMessage())
          .isEqualTo("storageclass local-fixed does not allow volume expansion");
      assertThat(resizeFailures("fixed")).hasSize(1);
    }
    PersistentVolumeClaim claim = claim("fixed");
    assertThat(bytes(capacity(claim))).isEqualTo(64 * MIB);
    assertThat(
            bytes(volume(claim.getSpec().getVolumeName()).getSpec().getCapacity().get("storage")))
        .isEqualTo(64 * MIB);
  }

  @Test
  void aDeletedClaimTakesItsVolumeAndFolderWithIt() throws Exception {
    create("data", null, "64Mi");
    String name = awaitClaim("data", "Bound", c -> true).getSpec().getVolumeName();
    Path folder = e2e.root.resolve("volumes").resolve(name);
    Files.writeString(folder.resolve("disk.qcow2"), "data");

    claims().withName("data").delete();

    Awaitility.await("the claim, its volume and the folder gone")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () ->
                claim("data") == null
                    && e2e.client.persistentVolumes().withName(name).get() == null
                    && !Files.exists(folder));
  }

  @Test
  void closingTheClusterLeavesNoVolumeFolderOrStorageClass() throws Exception {
    create("left", null, "64Mi");
    String name = awaitClaim("left", "Bound", c -> true).getSpec().getVolumeName();
    assertThat(e2e.client.storage().v1().storageClasses().list().getItems())
        .extracting(c -> c.getMetadata().getName())
        .contains(StorageClasses.GROWABLE, StorageClasses.FIXED);

    e2e.cluster.close();

    assertThat(e2e.root.resolve("volumes")).doesNotExist();
    if (apiServer.equals("real")) { // the mock server went with the cluster
      var admin = server.client();
      assertThat(admin.storage().v1().storageClasses().withName(StorageClasses.GROWABLE).get())
          .isNull();
      assertThat(admin.storage().v1().storageClasses().withName(StorageClasses.FIXED).get())
          .isNull();
      // Deleted while still Bound, the volume waits (pv-protection) for its claim to go: once the
      // test's namespace is deleted, the binder releases it and nothing is left.
      e2e.close();
      e2e = null;
      Awaitility.await("volume " + name + " gone with the namespace's claim")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> admin.persistentVolumes().withName(name).get() == null);
    }
  }

  private io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<
          PersistentVolumeClaim,
          io.fabric8.kubernetes.api.model.PersistentVolumeClaimList,
          io.fabric8.kubernetes.client.dsl.Resource<PersistentVolumeClaim>>
      claims() {
    return e2e.client.persistentVolumeClaims().inNamespace(e2e.ns);
  }

  /** A claim as the operator makes one for a disk (managed-by and disk labels, one access mode). */
  private void create(String name, String storageClass, String size) {
    claims()
        .resource(
            new PersistentVolumeClaimBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(
                    Map.of(
                        VmResources.LABEL_MANAGED_BY,
                        VmResources.MANAGER,
                        QemuVMApi.GROUP + "/disk",
                        name))
                .endMetadata()
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withStorageClassName(storageClass)
                .withVolumeMode("Filesystem")
                .withNewResources()
                .withRequests(Map.of("storage", new Quantity(size)))
                .endResources()
                .endSpec()
                .build())
        .create();
  }

  /** Raises the claim's request as the operator will: a merge patch of the spec. */
  private void request(String name, String size) {
    claims()
        .withName(name)
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"%s\"}}}}".formatted(size));
  }

  private PersistentVolumeClaim claim(String name) {
    return claims().withName(name).get();
  }

  private PersistentVolume volume(String name) {
    return e2e.client.persistentVolumes().withName(name).get();
  }

  private PersistentVolumeClaim awaitClaim(
      String name, String what, Predicate<PersistentVolumeClaim> until) {
    Awaitility.await(name + ": " + what)
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () ->
                Optional.ofNullable(claim(name))
                    .filter(c -> c.getStatus() != null && "Bound".equals(c.getStatus().getPhase()))
                    .map(until::test)
                    .orElse(false));
    return claim(name);
  }

  private List<Event> resizeFailures(String claim) {
    return e2e.client.v1().events().inNamespace(e2e.ns).list().getItems().stream()
        .filter(e -> claim.equals(e.getInvolvedObject().getName()))
        .filter(e -> VolumeResizer.RESIZE_FAILED.equals(e.getReason()))
        .toList();
  }

  private static Quantity capacity(PersistentVolumeClaim claim) {
    return claim.getStatus().getCapacity() == null
        ? null
        : claim.getStatus().getCapacity().get("storage");
  }

  private static Quantity request(PersistentVolumeClaim claim) {
    return claim.getSpec().getResources().getRequests().get("storage");
  }

  private static long bytes(Quantity quantity) {
    return quantity == null ? 0 : Quantity.getAmountInBytes(quantity).longValueExact();
  }
}
