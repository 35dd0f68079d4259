package io.qemuoperator.api.v1alpha1.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Objects;

/** One disk of the VM, backed by a PersistentVolumeClaim. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"name", "size", "storageClassName", "source", "bootOrder", "ioLimits"})
public class DiskSpec {

  /** A DNS-1123 label: lower-case alphanumerics and '-', starting and ending alphanumeric. */
  public static final String NAME_PATTERN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

  public static final int NAME_MAX_LENGTH = 63;

  /** A DNS-1123 subdomain, as Kubernetes requires of a StorageClass name. */
  public static final String STORAGE_CLASS_NAME_PATTERN =
      "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

  public static final int STORAGE_CLASS_NAME_MAX_LENGTH = 253;

  @JsonPropertyDescription(
      "The disk's name, unique in the VM: a DNS-1123 label (lower-case letters, digits, '-'; at"
          + " most 63 characters). Also QEMU's drive id.")
  @Required
  @Pattern(NAME_PATTERN)
  @Size(min = 1, max = NAME_MAX_LENGTH)
  private String name;

  @JsonPropertyDescription(
      "The disk's virtual size, a positive quantity (e.g. 10Gi). It can grow (online, QMP"
          + " block_resize) but never shrink.")
  @Required
  @ValidationRule(
      value = QemuVMSpec.POSITIVE_QUANTITY_RULE,
      message = "size must be a positive quantity, e.g. 10Gi")
  private Quantity size;

  @JsonPropertyDescription(
      "The StorageClass of the disk's PersistentVolumeClaim. Unset: the cluster's default.")
  @Pattern(STORAGE_CLASS_NAME_PATTERN)
  @Size(min = 1, max = STORAGE_CLASS_NAME_MAX_LENGTH)
  private String storageClassName;

  @JsonPropertyDescription(
      "Where the disk's content comes from when it is first created: url (an image, imported"
          + " before QEMU starts) or claimName (an existing claim the user owns). Unset: a blank"
          + " disk. A change restarts the VM (a new pod); an image is imported only into a disk"
          + " that does not exist yet: a disk that exists keeps its data.")
  private DiskSource source;

  @JsonPropertyDescription(
      "The disk's place in the boot order (QEMU's bootindex), 1 first; unique among the disks."
          + " Unset on every disk: the first disk boots. Read at boot: a change restarts the VM.")
  @io.fabric8.generator.annotation.Min(1)
  @io.fabric8.generator.annotation.Max(MAX_BOOT_ORDER)
  private Integer bootOrder;

  public static final int MAX_BOOT_ORDER = 64;

  @JsonPropertyDescription(
      "The disk's I/O limits (QMP block_set_io_throttle), changed live. Unset: no limits.")
  private IoLimitsSpec ioLimits;

  public DiskSpec() {}

  public DiskSpec(String name, Quantity size) {
    this.name = name;
    this.size = size;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public Quantity getSize() {
    return size;
  }

  public void setSize(Quantity size) {
    this.size = size;
  }

  public String getStorageClassName() {
    return storageClassName;
  }

  public void setStorageClassName(String storageClassName) {
    this.storageClassName = storageClassName;
  }

  public Integer getBootOrder() {
    return bootOrder;
  }

  public void setBootOrder(Integer bootOrder) {
    this.bootOrder = bootOrder;
  }

  public DiskSource getSource() {
    return source;
  }

  public void setSource(DiskSource source) {
    this.source = source;
  }

  public IoLimitsSpec getIoLimits() {
    return ioLimits;
  }

  public void setIoLimits(IoLimitsSpec ioLimits) {
    this.ioLimits = ioLimits;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DiskSpec d
        && Objects.equals(name, d.name)
        && Objects.equals(size, d.size)
        && Objects.equals(storageClassName, d.storageClassName)
        && Objects.equals(source, d.source)
        && Objects.equals(bootOrder, d.bootOrder)
        && Objects.equals(ioLimits, d.ioLimits);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, size, storageClassName, source, bootOrder, ioLimits);
  }

  @Override
  public String toString() {
    return "DiskSpec{name=%s, size=%s, storageClassName=%s, source=%s, bootOrder=%s, ioLimits=%s}"
        .formatted(name, size, storageClassName, source, bootOrder, ioLimits);
  }
}
