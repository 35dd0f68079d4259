package io.qemuoperator.operator.pod;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.spec.ServiceSpec;
import io.qemuoperator.operator.plan.SpecReader;
import java.util.List;
import java.util.Map;

/**
 * The Service for a VM's declared ports ({@code spec.service}): named as the VM, selecting the VM's
 * pod, one port per declared port (same number, the pod's named port as target).
 */
public final class VmService {
  private VmService() {}

  public static String name(QemuVM vm) {
    return vm.getMetadata().getName();
  }

  /** What selects the VM's pod: its app label and the VM's name. */
  public static Map<String, String> selector(QemuVM vm) {
    return Map.of(
        VmResources.LABEL_NAME,
        VmResources.POD_APP,
        VmResources.LABEL_VM,
        vm.getMetadata().getName());
  }

  public static Service desired(QemuVM vm) {
    ServiceSpec spec = SpecReader.spec(vm).getService();
    String type = spec == null || spec.getType() == null ? "ClusterIP" : spec.getType().name();
    return new ServiceBuilder()
        .withNewMetadata()
        .withName(name(vm))
        .withNamespace(vm.getMetadata().getNamespace())
        .withLabels(VmResources.labels(vm))
        .withOwnerReferences(VmResources.owner(vm))
        .endMetadata()
        .withNewSpec()
        .withType(type)
        .withSelector(selector(vm))
        .withPorts(ports(vm))
        .endSpec()
        .build();
  }

  static List<ServicePort> ports(QemuVM vm) {
    return SpecReader.ports(SpecReader.spec(vm)).stream()
        .map(
            port ->
                new ServicePortBuilder()
                    .withName(port.getName())
                    .withPort(port.getPort())
                    .withTargetPort(new IntOrString(port.getName()))
                    .withProtocol(SpecReader.protocol(port).name())
                    .build())
        .toList();
  }

  /**
   * Whether {@code actual} serves what {@code desired} declares: type, selector and ports (name,
   * port, target, protocol; the node ports the cluster allocates are not compared).
   */
  public static boolean matches(Service actual, Service desired) {
    if (actual.getSpec() == null) {
      return false;
    }
    return desired.getSpec().getType().equals(actual.getSpec().getType())
        && desired.getSpec().getSelector().equals(actual.getSpec().getSelector())
        && comparable(desired.getSpec().getPorts()).equals(comparable(actual.getSpec().getPorts()));
  }

  private static List<String> comparable(List<ServicePort> ports) {
    return ports == null
        ? List.of()
        : ports.stream()
            .map(
                p ->
                    p.getName()
                        + "/"
                        + p.getPort()
                        + "/"
                        + (p.getTargetPort() == null ? "" : p.getTargetPort().getStrVal())
                        + "/"
                        + (p.getProtocol() == null ? "TCP" : p.getProtocol()))
            .toList();
  }
}
