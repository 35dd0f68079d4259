package io.qemuoperator.images;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
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
 * The image definitions checked against the code that runs in them: the Java images as Jib builds
 * them (the operator's and sidecar-server's poms), the qemu image as images/qemu describes it (its
 * Dockerfile, package list and setup script); the users match the pods' security contexts, the
 * names the chart's and the operator's defaults, the sidecar's JVM flags the launcher's. With
 * {@code QEMU_OPERATOR_IMAGE_ARCHIVES} (the archives hack/images.sh printed), {@link
 * ImageArchivesTest} checks and runs the built images.
 */
class ImagesTest {
  private static final Path SIDECAR_LAUNCHER = RepoFiles.file("qmp-sidecar/bin/qmp-sidecar");

  static JibImage operatorImage() throws Exception {
    return JibImage.of(RepoFiles.file("pom.xml"), RepoFiles.file("operator/pom.xml"));
  }

  static JibImage sidecarImage() throws Exception {
    return JibImage.of(
        RepoFiles.file("pom.xml"), RepoFiles.file("qmp-sidecar/sidecar-server/pom.xml"));
  }

  @Test
  void sidecarImageRunsTheSidecarsMainWithTheLaunchersFlagsButTheSelfWrittenArchive()
      throws Exception {
    JibImage image = sidecarImage();
    assertThat(image.mainClass()).isEqualTo(io.qemuoperator.sidecar.SidecarMain.class.getName());
    List<String> launcherFlags = launcherDefaultFlags();
    List<String> withoutArchive =
        launcherFlags.stream()
            .filter(
                f ->
                    !f.contains("SharedArchive")
                        && !f.equals("-XX:+VerifySharedSpaces")
                        && !f.startsWith("-Xlog:cds"))
            .toList();
    assertThat(withoutArchive)
        .contains("-Xmx32m", "-XX:+UseSerialGC")
        .hasSizeLessThan(launcherFlags.size());
    assertThat(image.jvmFlags()).isEqualTo(withoutArchive);

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
  void imageNamesAreTheChartsAndTheOperatorsDefaults() throws Exception {
    Map<String, Object> values = yaml("helm/qemu-operator/values.yaml");
    String appVersion = (String) yaml("helm/qemu-operator/Chart.yaml").get("appVersion");
    Map<?, ?> images = (Map<?, ?>) values.get("image");
    OperatorConfig config = OperatorConfig.defaults();

    assertThat(operatorImage().image()).isEqualTo(chartImage(images, "operator", appVersion));
    assertThat(sidecarImage().image())
        .isEqualTo(chartImage(images, "sidecar", appVersion))
        .isEqualTo(config.sidecarImage());
    assertThat(chartImage(images, "qemu", appVersion))
        .isEqualTo(config.qemuImage())
        .isEqualTo(hackImagesVariable("qemu_name"));
  }

  @Test
  void sidecarImageExposesThePortTheVmPodUses() throws Exception {
    assertThat(sidecarImage().ports()).containsExactly(OperatorConfig.defaults().sidecarPort());
  }

  @Test
  void operatorImageExposesTheChartsMetricsPort() throws Exception {
    Map<?, ?> metrics = (Map<?, ?>) yaml("helm/qemu-operator/values.yaml").get("metrics");
    assertThat(operatorImage().ports()).containsExactly((Integer) metrics.get("port"));
  }

  @Test
  void jreModulesCoverWhatTheOperatorAndTheSidecarUse() throws Exception {
    List<String> linked =
        Files.readAllLines(RepoFiles.file("images/jre-modules")).stream()
            .filter(l -> !l.isBlank() && !l.startsWith("#"))
            .toList();
    for (String jar :
        List.of(
            "operator/target/qemu-operator.jar",
            "qmp-sidecar/sidecar-server/target/qmp-sidecar.jar")) {
      Path shaded = RepoFiles.file(jar);
      assertThat(shaded).as("built by the reactor before e2e's tests").exists();
      Path jdeps = Path.of(System.getProperty("java.home"), "bin", "jdeps");
      Process process =
          new ProcessBuilder(
                  jdeps.toString(),
                  "--multi-release",
                  Integer.toString(Runtime.version().feature()),
                  "--ignore-missing-deps",
                  "--print-module-deps",
                  shaded.toString())
              .redirectErrorStream(true)
              .start();
      String output = new String(process.getInputStream().readAllBytes()).strip();
      assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
      assertThat(process.exitValue()).as(output).isZero();
      String[] lines = output.split("\\R");
      List<String> used = List.of(lines[lines.length - 1].split(","));
      assertThat(used).as("jdeps of %s", jar).contains("java.base");
      assertThat(linked).as("images/jre-modules covers jdeps of %s", jar).containsAll(used);
    }
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
  void imagesRunAsTheUsersTheVmPodExpects() throws Exception {
    Pod pod = new VmPod(OperatorConfig.defaults()).desired(vm());
    Container sidecar = container(pod, VmResources.SIDECAR_CONTAINER);

    assertThat(uid(sidecarImage().user())).isEqualTo(sidecar.getSecurityContext().getRunAsUser());
    long qemuUid = uid(qemuDockerfileUser());
    assertThat(qemuUid)
        .as("the qemu image's user writes the claims through the pod's fsGroup")
        .isEqualTo(pod.getSpec().getSecurityContext().getFsGroup())
        .isNotZero();
    String dockerfile = Files.readString(RepoFiles.file("images/qemu/Dockerfile"));
    assertThat(dockerfile)
        .contains("FROM debian:bookworm")
        .contains("COPY packages setup.sh")
        .contains("/tmp/image/packages")
        .contains("sh /tmp/image/setup.sh");
    assertThat(Files.readAllLines(RepoFiles.file("images/qemu/packages")))
        .contains("qemu-system-x86", "qemu-utils", "ovmf");
    assertThat(Files.readString(RepoFiles.file("images/qemu/setup.sh")))
        .contains("useradd --system --uid " + qemuUid);
  }

  @Test
  void operatorImageStartsTheOperatorsMainAsTheChartsUser() throws Exception {
    JibImage image = operatorImage();
    Method main = Class.forName(image.mainClass()).getMethod("main", String[].class);
    assertThat(Modifier.isStatic(main.getModifiers())).isTrue();

    String deployment =
        Files.readString(RepoFiles.file("helm/qemu-operator/templates/deployment.yaml"));
    Matcher runAsUser = Pattern.compile("runAsUser: (\\d+)").matcher(deployment);
    assertThat(runAsUser.find()).isTrue();
    assertThat(uid(image.user())).isEqualTo(Long.parseLong(runAsUser.group(1)));
  }

  static String qemuDockerfileUser() throws IOException {
    List<String> users =
        Files.readAllLines(RepoFiles.file("images/qemu/Dockerfile")).stream()
            .filter(l -> l.startsWith("USER "))
            .map(l -> l.substring("USER ".length()).strip())
            .toList();
    assertThat(users).as("USER in images/qemu/Dockerfile: the image runs as root").isNotEmpty();
    return users.get(users.size() - 1);
  }

  /** {@code NAME=value} in hack/images.sh. */
  static String hackImagesVariable(String name) throws IOException {
    Matcher m =
        Pattern.compile("(?m)^" + name + "=(\\S+)$")
            .matcher(Files.readString(RepoFiles.file("hack/images.sh")));
    assertThat(m.find()).as("%s= in hack/images.sh", name).isTrue();
    return m.group(1);
  }

  private static String chartImage(Map<?, ?> images, String key, String appVersion) {
    Map<?, ?> image = (Map<?, ?>) images.get(key);
    String tag = (String) image.get("tag");
    return image.get("repository") + ":" + (tag == null || tag.isEmpty() ? appVersion : tag);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> yaml(String file) throws IOException {
    return new ObjectMapper(new YAMLFactory()).readValue(RepoFiles.file(file).toFile(), Map.class);
  }

  /** The words of {@code default_opts="…"} in the launcher, as the shell splits them. */
  private static List<String> launcherDefaultFlags() throws IOException {
    String script = Files.readString(SIDECAR_LAUNCHER).replace("\\\n", "");
    Matcher m = Pattern.compile("default_opts=\"([^\"]*)\"").matcher(script);
    assertThat(m.find()).as("default_opts in %s", SIDECAR_LAUNCHER).isTrue();
    return Arrays.stream(m.group(1).strip().split("\\s+")).toList();
  }

  static long uid(String user) {
    return Long.parseLong(user.split(":")[0]);
  }

  private static Container container(Pod pod, String name) {
    return pod.getSpec().getContainers().stream()
        .filter(c -> name.equals(c.getName()))
        .findFirst()
        .orElseThrow();
  }

  static QemuVM vm() {
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
