package io.qemuoperator.operator.pod;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.spec.CloudInitSpec;
import io.qemuoperator.api.v1alpha1.spec.PortProtocol;
import io.qemuoperator.api.v1alpha1.spec.PortSpec;
import io.qemuoperator.api.v1alpha1.spec.QemuVMSpec;
import io.qemuoperator.api.v1alpha1.spec.ReadinessProbeSpec;
import io.qemuoperator.api.v1alpha1.spec.SecretKeyRef;
import io.qemuoperator.api.v1alpha1.spec.ServiceSpec;
import io.qemuoperator.operator.OperatorConfig;
import io.qemuoperator.operator.plan.BootConfig;
import io.qemuoperator.operator.plan.SpecReader;
import io.qemuoperator.operator.validation.QemuVMSpecValidator;
import io.qemuoperator.operator.validation.Violation;
import java.util.List;
import org.junit.jupiter.api.Test;

/** cloud-init, ports, the Service and the readiness probe: spec → validation, pod, Service. */
class GuestNetworkSpecTest {
  private final QemuVMSpecValidator validator = new QemuVMSpecValidator();

  private static QemuVM vm(QemuVMSpec spec) {
    return PodTestVms.vm(spec);
  }

  private static QemuVMSpec guest() {
    var spec = new QemuVMSpec();
    var cloudInit = new CloudInitSpec();
    cloudInit.setUserDataSecretRef(new SecretKeyRef("web-1-init", null));
    cloudInit.setNetworkData("version: 2\n");
    spec.setCloudInit(cloudInit);
    spec.setPorts(
        List.of(
            new PortSpec("http", 80, PortProtocol.TCP), new PortSpec("dns", 53, PortProtocol.UDP)));
    spec.setReadinessProbe(new ReadinessProbeSpec("http", "/cgi-bin/cat?/proc/uptime"));
    spec.setService(new ServiceSpec(ServiceSpec.Type.NodePort));
    return spec;
  }

  private List<String> violations(QemuVMSpec spec) {
    return validator.validate(spec).stream().map(Violation::toString).toList();
  }

  @Test
  void aGuestWithSeedPortsProbeAndServicePasses() {
    assertThat(violations(guest())).isEmpty();
  }

  @Test
  void badCloudInitPortsAndProbeAreRefusedByField() {
    var spec = guest();
    spec.getCloudInit().setUserData("#!/bin/sh\n");
    spec.getCloudInit().setNetworkData("x".repeat(CloudInitSpec.MAX_INLINE_LENGTH + 1));
    spec.getCloudInit().getUserDataSecretRef().setKey("bad key");
    spec.setPorts(
        List.of(
            new PortSpec("http", 80, PortProtocol.TCP),
            new PortSpec("http", 8080, PortProtocol.TCP),
            new PortSpec("web", 80, PortProtocol.TCP),
            new PortSpec("dns", 53, PortProtocol.UDP),
            new PortSpec("123", 0, PortProtocol.UDP)));
    spec.setReadinessProbe(new ReadinessProbeSpec("dns", "health"));
    assertThat(String.join("\n", violations(spec)))
        .contains("spec.cloudInit: userData and userDataSecretRef are mutually exclusive")
        .contains("spec.cloudInit.networkData: at most 32768 characters")
        .contains("spec.cloudInit.userDataSecretRef.key: 'bad key' is not a Secret key")
        .contains("spec.ports[1].name: duplicate port name 'http'")
        .contains("spec.ports[2].port: 80/TCP is declared twice")
        .contains("spec.ports[4].name: '123' is not a port name")
        .contains("spec.ports[4].port: must be between 1 and 65535, got 0")
        .contains("spec.readinessProbe.port: 'dns' is not a declared TCP port")
        .contains("spec.readinessProbe.path: 'health' is not an absolute path");
    var noPorts = new QemuVMSpec();
    noPorts.setService(new ServiceSpec());
    assertThat(violations(noPorts))
        .containsExactly("spec.service: a service needs at least one declared port");
  }

  @Test
  void thePodMountsTheSecretIntoQemuOnlyAndNeverCarriesItsData() {
    Pod pod = new VmPod(OperatorConfig.defaults()).desired(vm(guest()));
    Container qemu = pod.getSpec().getContainers().get(0);
    var secretVolume =
        pod.getSpec().getVolumes().stream()
            .filter(v -> v.getName().equals("cloud-init-user-data"))
            .findFirst()
            .orElseThrow();
    assertThat(secretVolume.getSecret().getSecretName()).isEqualTo("web-1-init");
    assertThat(secretVolume.getSecret().getItems())
        .singleElement()
        .satisfies(
            item -> {
              assertThat(item.getKey()).isEqualTo(CloudInitSpec.DEFAULT_USER_DATA_KEY);
              assertThat(item.getPath()).isEqualTo("user-data");
            });
    assertThat(qemu.getVolumeMounts())
        .anySatisfy(
            m -> {
              assertThat(m.getName()).isEqualTo("cloud-init-user-data");
              assertThat(m.getMountPath()).isEqualTo("/run/qemu-operator/cloud-init/user-data");
              assertThat(m.getReadOnly()).isTrue();
            });
    assertThat(pod.getSpec().getContainers().get(1).getVolumeMounts())
        .as("the sidecar does not see the seed's Secret")
        .noneMatch(m -> m.getName().startsWith("cloud-init"));
    assertThat(qemu.getCommand().get(2))
        .contains(
            "cat /run/qemu-operator/cloud-init/user-data/user-data >"
                + " /run/qemu-operator/cidata/user-data");
    assertThat(qemu.getPorts())
        .extracting(p -> p.getName() + ":" + p.getContainerPort() + "/" + p.getProtocol())
        .containsExactly("http:80/TCP", "dns:53/UDP");
    assertThat(qemu.getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("http");
    assertThat(qemu.getReadinessProbe().getHttpGet().getPath())
        .isEqualTo("/cgi-bin/cat?/proc/uptime");
    assertThat(qemu.getReadinessProbe().getPeriodSeconds()).isEqualTo(5);
    assertThat(qemu.getReadinessProbe().getFailureThreshold()).isEqualTo(2);
    assertThat(pod.getSpec().getSecurityContext().getSysctls())
        .as("QEMU (uid 65532) binds ports below 1024")
        .singleElement()
        .satisfies(s -> assertThat(s.getName()).isEqualTo("net.ipv4.ip_unprivileged_port_start"));
    String json = Serialization.asJson(pod);
    assertThat(json).doesNotContain("userdata\":").contains("version: 2");
  }

  @Test
  void theServiceSelectsTheVmsPodOnEveryDeclaredPort() {
    QemuVM vm = vm(guest());
    Service service = VmService.desired(vm);
    assertThat(service.getMetadata().getName()).isEqualTo("web-1");
    assertThat(service.getSpec().getType()).isEqualTo("NodePort");
    Pod pod = new VmPod(OperatorConfig.defaults()).desired(vm);
    assertThat(pod.getMetadata().getLabels()).containsAllEntriesOf(service.getSpec().getSelector());
    assertThat(service.getSpec().getPorts())
        .extracting(p -> p.getName() + ":" + p.getPort() + "->" + p.getTargetPort().getStrVal())
        .containsExactly("http:80->http", "dns:53->dns");
    Service allocated = Serialization.clone(service);
    allocated.getSpec().setClusterIP("10.96.0.12");
    allocated.getSpec().getPorts().get(0).setNodePort(30080);
    assertThat(VmService.matches(allocated, service))
        .as("allocations are not differences")
        .isTrue();
    vm.getSpec().setService(new ServiceSpec(ServiceSpec.Type.ClusterIP));
    assertThat(VmService.matches(allocated, VmService.desired(vm))).isFalse();
  }

  @Test
  void seedPortsAndProbeAreBootTimeAndAbsentOnesKeepTheOldLaunchLine() {
    BootConfig plain = SpecReader.launch(vm(new QemuVMSpec())).boot();
    assertThat(plain.canonical()).isEqualTo("cpus=1;memory=536870912;disks=");
    BootConfig boot = SpecReader.launch(vm(guest())).boot();
    assertThat(boot.canonical())
        .startsWith("cpus=1;memory=536870912;disks=;cloudInit=")
        .contains(";ports=http:80/TCP,dns:53/UDP;readiness=http/5/2/");
    assertThat(BootConfig.parse(boot.canonical())).contains(boot);
    assertThat(BootConfig.parse("cpus=1;memory=536870912;disks=")).contains(plain);
    assertThat(BootConfig.parse("cpus=1;memory=536870912;disks=;color=red")).isEmpty();
    var changed = guest();
    changed.getCloudInit().setNetworkData("version: 1\n");
    assertThat(plain.changesTo(boot)).extracting(c -> c.path()).contains("spec.cloudInit");
    assertThat(boot.changesTo(SpecReader.launch(vm(changed)).boot()))
        .extracting(c -> c.path())
        .containsExactly("spec.cloudInit");
  }

  @Test
  void theGuestAgentIsBootTimeGivesQemuItsPortAndTheSidecarItsSocket() {
    var spec = new QemuVMSpec();
    BootConfig plain = SpecReader.launch(vm(spec)).boot();
    spec.setGuestAgent(true);
    BootConfig agent = SpecReader.launch(vm(spec)).boot();
    assertThat(plain.canonical()).doesNotContain("guestAgent");
    assertThat(agent.canonical()).endsWith(";guestAgent=true");
    assertThat(BootConfig.parse(agent.canonical())).contains(agent);
    assertThat(plain.changesTo(agent))
        .extracting(Object::toString)
        .containsExactly("spec.guestAgent false → true");

    VmLaunch launch = VmLaunch.of(vm(spec));
    assertThat(String.join(" ", QemuCommandLine.arguments(launch, "tcg")))
        .contains("-device virtio-serial-pci,id=virtio-serial0")
        .contains(
            "-chardev socket,id=guestagent0,path=/run/qmp/guest-agent.sock,server=on,wait=off")
        .contains(
            "-device virtserialport,bus=virtio-serial0.0,chardev=guestagent0,"
                + "name=org.qemu.guest_agent.0");
    assertThat(
            String.join(" ", QemuCommandLine.arguments(VmLaunch.of(vm(new QemuVMSpec())), "tcg")))
        .doesNotContain("virtio-serial")
        .doesNotContain("guest_agent");

    Pod pod = new VmPod(OperatorConfig.defaults()).desired(vm(spec));
    assertThat(container(pod, "qmp-sidecar").getArgs())
        .containsSubsequence("--guest-agent", "/run/qmp/guest-agent.sock");
    assertThat(
            container(
                    new VmPod(OperatorConfig.defaults()).desired(vm(new QemuVMSpec())),
                    "qmp-sidecar")
                .getArgs())
        .doesNotContain("--guest-agent");
  }

  private static Container container(Pod pod, String name) {
    return pod.getSpec().getContainers().stream()
        .filter(c -> c.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }
}
