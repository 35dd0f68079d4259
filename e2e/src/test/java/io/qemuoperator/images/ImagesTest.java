package io.qemuoperator.images;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.spec.QemuVMSpec;
import io.qemuoperator.operator.OperatorConfig;
import io.qemuoperator.operator.pod.VmPod;
import io.qemuoperator.operator.pod.VmResources;
import io.qemuoperator.sidecar.SidecarConfig;
import io.qemuoperator.testing.RepoFiles;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The image definitions (which cannot be built here: no container engine) checked against the code
 * that runs in them: the sidecar image starts {@code qmp-sidecar/bin/qmp-sidecar} with its JVM
 * flags, the flags the operator's VM pod passes are ones the sidecar accepts, the users match the
 * pods' security contexts, and the operator image starts the operator's main class.
 */
class ImagesTest {
  private static final Path SIDECAR_LAUNCHER = RepoFiles.file("qmp-sidecar/bin/qmp-sidecar");

  @Test
  void sidecarImageStartsTheLauncherOnTheShadedJar() throws IOException {
    Dockerfile image = Dockerfile.read(RepoFiles.file("images/qmp-sidecar/Dockerfile"));
    Map<String, String> copies = image.copies();

    String launcher = copies.get("qmp-sidecar/bin/qmp-sidecar");
    assertThat(launcher).as("the image copies bin/qmp-sidecar").isNotNull();
    assertThat(image.entrypoint()).containsExactly(launcher);
    assertThat(image.env())
        .containsEntry(
            "QMP_SIDECAR_JAR",
            copies.get("/src/qmp-sidecar/sidecar-server/target/qmp-sidecar.jar"));
    assertThat(Files.readString(SIDECAR_LAUNCHER))
        .as("the launcher takes its jar from QMP_SIDECAR_JAR")
        .contains("${QMP_SIDECAR_JAR:-");
  }

  @Test
  void sidecarImageJvmFlagsAreTheLaunchersWithoutTheSelfWrittenArchive() throws Exception {
    Dockerfile image = Dockerfile.read(RepoFiles.file("images/qmp-sidecar/Dockerfile"));
    List<String> launcherFlags = launcherDefaultFlags();
    List<String> withoutArchive =
        launcherFlags.stream()
            .filter(f -> !f.contains("SharedArchive") && !f.startsWith("-Xlog:cds"))
            .toList();
    assertThat(withoutArchive)
        .contains("-Xmx32m", "-XX:+UseSerialGC")
        .hasSizeLessThan(launcherFlags.size());

    String imageFlags = image.env().get("QMP_SIDECAR_JAVA_OPTS");
    assertThat(imageFlags).as("QMP_SIDECAR_JAVA_OPTS in the image").isNotNull();
    assertThat(List.of(imageFlags.strip().split("\\s+"))).isEqualTo(withoutArchive);
    // the launcher's cache directory exists in the image (its mkdir -p succeeds on a read-only
    // root)
    assertThat(String.join(" ", image.all("RUN")))
        .contains("mkdir -p " + image.env().get("XDG_CACHE_HOME") + "/qemu-operator");

    // and this JVM accepts them
    var command = new ArrayList<String>();
    command.add(ProcessHandle.current().info().command().orElseThrow());
    command.addAll(withoutArchive);
    command.add("-version");
    Process java = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(java.getInputStream().readAllBytes());
    assertThat(java.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(java.exitValue()).as(output).isZero();
  }

  @Test
  void flagsTheVmPodPassesTheSidecarAreOnesItAccepts() {
    OperatorConfig config = OperatorConfig.defaults();
    Container sidecar = container(new VmPod(config).desired(vm()), VmResources.SIDECAR_CONTAINER);

    assertThat(sidecar.getCommand()).as("the image's ENTRYPOINT runs, with these args").isEmpty();
    List<String> args = sidecar.getArgs();
    assertThat(args).contains("--qmp", "--listen", "--token-file", "--allow");
    SidecarConfig parsed = SidecarConfig.parse(args.toArray(String[]::new), Map.of());
    assertThat(parsed.qmpSocket()).isEqualTo(VmResources.QMP_SOCKET);
    assertThat(parsed.listen().getPort()).isEqualTo(config.sidecarPort());
    assertThat(parsed.tokenFile()).isEqualTo(VmResources.TOKEN_FILE);
    assertThat(parsed.allowedGuardedCommands()).containsExactly("quit");
    assertThat(parsed.consoleSocket()).contains(VmResources.CONSOLE_SOCKET);
    assertThat(parsed.consoleLog()).contains(VmResources.CONSOLE_LOG);
  }

  @Test
  void imagesRunAsTheUsersTheVmPodExpects() throws IOException {
    Pod pod = new VmPod(OperatorConfig.defaults()).desired(vm());
    Container sidecar = container(pod, VmResources.SIDECAR_CONTAINER);

    Dockerfile sidecarImage = Dockerfile.read(RepoFiles.file("images/qmp-sidecar/Dockerfile"));
    assertThat(uid(sidecarImage)).isEqualTo(sidecar.getSecurityContext().getRunAsUser());
    Dockerfile qemuImage = Dockerfile.read(RepoFiles.file("images/qemu/Dockerfile"));
    assertThat(uid(qemuImage))
        .as("the qemu image's user writes the claims through the pod's fsGroup")
        .isEqualTo(pod.getSpec().getSecurityContext().getFsGroup())
        .isNotZero();
    assertThat(qemuImage.last("FROM")).startsWith("debian:bookworm");
    assertThat(String.join(" ", qemuImage.all("RUN")))
        .contains("qemu-system-x86", "qemu-utils")
        .contains("useradd --system --uid " + uid(qemuImage));
  }

  @Test
  void operatorImageStartsTheOperatorsMainAsTheChartsUser() throws Exception {
    Dockerfile image = Dockerfile.read(RepoFiles.file("images/operator/Dockerfile"));
    List<String> entrypoint = image.entrypoint();

    assertThat(entrypoint.subList(0, 3)).containsExactly("java", "-cp", "/opt/qemu-operator/lib/*");
    assertThat(image.copies()).containsValue("/opt/qemu-operator/lib/");
    Method main = Class.forName(entrypoint.get(3)).getMethod("main", String[].class);
    assertThat(Modifier.isStatic(main.getModifiers())).isTrue();

    String deployment =
        Files.readString(RepoFiles.file("helm/qemu-operator/templates/deployment.yaml"));
    Matcher runAsUser = Pattern.compile("runAsUser: (\\d+)").matcher(deployment);
    assertThat(runAsUser.find()).isTrue();
    assertThat(uid(image)).isEqualTo(Long.parseLong(runAsUser.group(1)));
  }

  /** The words of {@code default_opts="…"} in the launcher, as the shell splits them. */
  private static List<String> launcherDefaultFlags() throws IOException {
    String script = Files.readString(SIDECAR_LAUNCHER).replace("\\\n", "");
    Matcher m = Pattern.compile("default_opts=\"([^\"]*)\"").matcher(script);
    assertThat(m.find()).as("default_opts in %s", SIDECAR_LAUNCHER).isTrue();
    return Arrays.stream(m.group(1).strip().split("\\s+")).toList();
  }

  private static long uid(Dockerfile image) {
    String user =
        image.user().orElseThrow(() -> new AssertionError("no USER: the image runs as root"));
    return Long.parseLong(user.split(":")[0]);
  }

  private static Container container(Pod pod, String name) {
    return pod.getSpec().getContainers().stream()
        .filter(c -> name.equals(c.getName()))
        .findFirst()
        .orElseThrow();
  }

  private static QemuVM vm() {
    var vm = new QemuVM();
    vm.setMetadata(
        new ObjectMetaBuilder().withName("web-1").withNamespace("vms").withUid("u-1").build());
    var spec = new QemuVMSpec();
    spec.setCpus(1);
    spec.setMemory(new Quantity("256Mi"));
    vm.setSpec(spec);
    return vm;
  }
}
