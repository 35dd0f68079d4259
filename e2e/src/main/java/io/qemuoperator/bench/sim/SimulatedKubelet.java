package io.qemuoperator.bench.sim;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Secret;
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
import java.util.concurrent.atomic.AtomicInteger;

/**
 * SIMULATED kubelet for control-plane benchmarks: every VM pod the operator creates is reported
 * Running at once with its own loopback address (127.2.x.y), where {@link SidecarSimulator} answers
 * for it with a {@link SimulatedQemu} made from the QemuVM's spec.
 */
public final class SimulatedKubelet implements AutoCloseable {
  private final KubernetesClient client;
  private final SidecarSimulator sidecars;
  private final AtomicInteger pods = new AtomicInteger();
  private final SharedIndexInformer<Pod> informer;
  private final java.util.Set<String> started = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private static final java.time.Duration RESYNC = java.time.Duration.ofSeconds(30);
  private final java.util.concurrent.ExecutorService starter =
      java.util.concurrent.Executors.newFixedThreadPool(8);

  public SimulatedKubelet(KubernetesClient client, SidecarSimulator sidecars) {
    this.client = client;
    this.sidecars = sidecars;
    this.informer =
        client
            .pods()
            .inAnyNamespace()
            .withLabel(VmResources.LABEL_NAME, VmResources.POD_APP)
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Pod pod) {
                    starter.submit(() -> runOnce(pod));
                  }

                  @Override
                  public void onUpdate(Pod old, Pod pod) {
                    // also the informer's resync: a pod that failed is tried again
                    starter.submit(() -> runOnce(pod));
                  }

                  @Override
                  public void onDelete(Pod pod, boolean unknown) {}
                },
                RESYNC.toMillis());
  }

  public int podsRun() {
    return pods.get();
  }

  /** API requests this stand-in made: a QemuVM and a Secret read and a pod status write per pod. */
  public long apiRequests() {
    return 3L * pods.get();
  }

  private void runOnce(Pod pod) {
    String key = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    if (!started.add(key)) {
      return;
    }
    try {
      run(pod);
    } catch (RuntimeException e) {
      started.remove(key);
      System.err.println("[bench] simulated kubelet: " + key + " not started yet: " + e);
    }
  }

  private void run(Pod pod) {
    String namespace = pod.getMetadata().getNamespace();
    String vmName = pod.getMetadata().getLabels().get(VmResources.LABEL_VM);
    QemuVM vm = client.resources(QemuVM.class).inNamespace(namespace).withName(vmName).get();
    Secret secret =
        client.secrets().inNamespace(namespace).withName(VmResources.secretName(vm)).get();
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
        new io.fabric8.kubernetes.api.model.PodBuilder(pod)
            .withStatus(new PodStatusBuilder().withPhase("Running").withPodIP(ip).build())
            .build();
    client.pods().inNamespace(namespace).resource(running).updateStatus();
  }

  @Override
  public void close() {
    informer.close();
    starter.shutdownNow();
  }
}
