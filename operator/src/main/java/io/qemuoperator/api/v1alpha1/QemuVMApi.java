package io.qemuoperator.api.v1alpha1;

/** The API group and version of the QemuVM resource, in one place. */
public final class QemuVMApi {

  /** The API group of every qemu-operator resource. */
  public static final String GROUP = "qemu-operator.io";

  /** The version of this package's API. */
  public static final String VERSION = "v1alpha1";

  /** {@code group/version}, as written in {@code apiVersion}. */
  public static final String API_VERSION = GROUP + "/" + VERSION;

  /** The kind of the resource. */
  public static final String KIND = "QemuVM";

  /** The plural (resource) name, used in URLs and RBAC rules. */
  public static final String PLURAL = "qemuvms";

  /** The short name {@code kubectl get qvm} accepts. */
  public static final String SHORT_NAME = "qvm";

  /** The CRD's name, {@code plural.group}. */
  public static final String CRD_NAME = PLURAL + "." + GROUP;

  /**
   * The restart request: set it to a new value (a timestamp, as {@code kubectl rollout restart}
   * writes {@code kubectl.kubernetes.io/restartedAt}) and the VM is restarted gracefully once, also
   * when its spec is unchanged and under {@code updateStrategy: Manual}.
   */
  public static final String RESTARTED_AT_ANNOTATION = GROUP + "/restartedAt";

  /** The kind of a migration request. */
  public static final String MIGRATION_KIND = "QemuVMMigration";

  /** The plural (resource) name of migration requests. */
  public static final String MIGRATION_PLURAL = "qemuvmmigrations";

  /** The short name {@code kubectl get qvmm} accepts. */
  public static final String MIGRATION_SHORT_NAME = "qvmm";

  /** The migration CRD's name, {@code plural.group}. */
  public static final String MIGRATION_CRD_NAME = MIGRATION_PLURAL + "." + GROUP;

  /**
   * The CRDs the build generates from this package (crd-generator-maven-plugin), as class-path
   * resources: QemuVM first. {@code crds/} holds the committed copies, named as the files.
   */
  public static final java.util.List<String> CRD_RESOURCES =
      java.util.List.of(
          "META-INF/fabric8/" + CRD_NAME + "-v1.yml",
          "META-INF/fabric8/" + MIGRATION_CRD_NAME + "-v1.yml");

  private QemuVMApi() {}
}
