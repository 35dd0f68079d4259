package io.qemuoperator.bench.sim;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.operator.plan.DesiredVm;
import io.qemuoperator.operator.plan.SpecReader;
import io.qemuoperator.operator.pod.TokenSecret;
import io.qemuoperator.operator.pod.VmResources;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * SIMULATED kubelet for control-plane benchmarks: every VM pod the operator creates is reported
 * Running with its own loopback address (127.2.x.y) once its claims are bound (as a scheduler
 * places no pod with unbound claims), and {@link SidecarSimulator} answers there for it with a
 * {@link SimulatedQemu} made from the QemuVM's spec. Works on any API server: it reads with, and
 * writes pod status through, the client it is given.
 */
public final class SimulatedKubelet implements AutoCloseable {
  private static final Duration RESYNC = Duration.ofSeconds(30);
  private static final Duration CLAIM_RETRY = Duration.ofMillis(200);

  private final KubernetesClient client;
  private final SidecarSimulator sidecars;
  private final AtomicInteger pods = new AtomicInteger();
  private final SharedIndexInformer<Pod> informer;
  private final SharedIndexInformer<PersistentVolumeClaim> claims;
  private final Set<String> started = ConcurrentHashMap.newKeySet();
  private final Map<String, Long> boundAt = new ConcurrentHashMap<>();
  private final Map<String, Long> runningAt = new ConcurrentHashMap<>();
  private final ScheduledExecutorService starter = Executors.newScheduledThreadPool(8);

  public SimulatedKubelet(KubernetesClient client, SidecarSimulator sidecars) {
    this.client = client;
    this.sidecars = sidecars;
    this.claims = client.persistentVolumeClaims().inAnyNamespace().inform();
    this.informer =
        client
            .pods()
            .inAnyNamespace()
            .withLabel(VmResources.LABEL_NAME, VmResources.POD_APP)
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Pod pod) {
                    submit(pod, Duration.ZERO);
                  }

                  @Override
                  public void onUpdate(Pod old, Pod pod) {
                    // also the informer's resync: a pod that failed is tried again
                    submit(pod, Duration.ZERO);
                  }

                  @Override
                  public void onDelete(Pod pod, boolean unknown) {}
                },
                RESYNC.toMillis());
  }

  public int podsRun() {
    return pods.get();
  }

  /** When (System.nanoTime) each VM's pod was first seen with its claims bound, by VM name. */
  public Map<String, Long> claimsBoundAt() {
    return Map.copyOf(boundAt);
  }

  /** When (System.nanoTime) each VM's pod was reported Running, by VM name. */
  public Map<String, Long> runningAt() {
    return Map.copyOf(runningAt);
  }

  private void submit(Pod pod, Duration after) {
    try {
      starter.schedule(() -> runOnce(pod), after.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException closed) {
      // closing
    }
  }

  private void runOnce(Pod pod) {
    String key = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    if (!started.add(key)) {
      return;
    }
    try {
      if (!claimsBound(pod)) {
        started.remove(key);
        submit(pod, CLAIM_RETRY);
        return;
      }
      boundAt.putIfAbsent(vmName(pod), System.nanoTime());
      run(pod);
      runningAt.put(vmName(pod), System.nanoTime());
    } catch (RuntimeException e) {
      started.remove(key);
      System.err.println("[bench] simulated kubelet: " + key + " not started yet: " + e);
    }
  }

  private static String vmName(Pod pod) {
    return pod.getMetadata().getLabels().get(VmResources.LABEL_VM);
  }

  /** From the claims' informer: waiting pods ask no API server. */
  private boolean claimsBound(Pod pod) {
    for (Volume volume : pod.getSpec().getVolumes()) {
      if (volume.getPersistentVolumeClaim() != null) {
        PersistentVolumeClaim claim =
            claims
                .getStore()
                .getByKey(
                    pod.getMetadata().getNamespace()
                        + "/"
                        + volume.getPersistentVolumeClaim().getClaimName());
        if (claim == null
            || claim.getStatus() == null
            || !"Bound".equals(claim.getStatus().getPhase())) {
          return false;
        }
      }
    }
    return true;
  }

  private void run(Pod pod) {
    String namespace = pod.getMetadata().getNamespace();
    String vmName = pod.getMetadata().getLabels().get(VmResources.LABEL_VM);
    QemuVM vm = client.resources(QemuVM.class).inNamespace(namespace).withName(vmName).get();
    Secret secret =
        vm == null
            ? null
            : client.secrets().inNamespace(namespace).withName(VmResources.secretName(vm)).get();
    if (vm == null || secret == null) {
      throw new IllegalStateException("QemuVM or its token Secret not readable yet");
    }
    int n = pods.incrementAndGet();
    String ip = "127.2." + (n / 250) + "." + (n % 250 + 1);
    DesiredVm spec = SpecReader.desired(vm);
    try {
      sidecars.add(
          InetAddress.getByName(ip),
          new SimulatedQemu(
              TokenSecret.token(secret), spec.memoryBytes(), spec.diskBytes(), 100_000L + n));
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
    Pod running =
        new PodBuilder(pod)
            .withStatus(new PodStatusBuilder().withPhase("Running").withPodIP(ip).build())
            .build();
    client.pods().inNamespace(namespace).resource(running).updateStatus();
  }

  @Override
  public void close() {
    informer.close();
    claims.close();
    starter.shutdownNow();
  }
}
