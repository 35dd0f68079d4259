package io.qemuoperator.api.v1alpha1.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/**
 * A read-only CD-ROM (QEMU's {@code scsi-cd} on a virtio-scsi controller) whose media are files on
 * a claim the user owns: the claim is mounted read-only when the VM's pod is created; the medium in
 * the drive follows {@code file} live ({@code change}, {@code eject}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"name", "claimName", "file"})
public class CdromSpec {

  /**
   * A path relative to the claim's root: letters, digits and {@code . _ + - /}, not starting with
   * '/' or '.' (no '..' segment either: {@link #FILE_RULE}).
   */
  public static final String FILE_PATTERN = "^[A-Za-z0-9_+-][A-Za-z0-9._+/-]*$";

  public static final int FILE_MAX_LENGTH = 1024;

  /** No {@code ..} segment: a medium is a file inside the claim. */
  public static final String FILE_RULE =
      "!self.contains('/../') && !self.endsWith('/..') && !self.endsWith('/')";

  @JsonPropertyDescription(
      "The CD-ROM's name, unique among the VM's disks and CD-ROMs: a DNS-1123 label. Also QEMU's"
          + " drive id.")
  @Required
  @Pattern(DiskSpec.NAME_PATTERN)
  @Size(min = 1, max = DiskSpec.NAME_MAX_LENGTH)
  private String name;

  @JsonPropertyDescription(
      "An existing PersistentVolumeClaim in the VM's namespace that holds the media files,"
          + " mounted read-only into the qemu container when the VM's pod is created. Never"
          + " created, changed or deleted by the operator. Read at boot: a change restarts the VM.")
  @Required
  @Pattern(DiskSource.CLAIM_NAME_PATTERN)
  @Size(min = 1, max = DiskSource.CLAIM_NAME_MAX_LENGTH)
  private String claimName;

  @JsonPropertyDescription(
      "The medium in the drive: a file on the claim (a raw or ISO9660 image), as a path relative"
          + " to the claim's root (letters, digits, '.', '_', '+', '-', '/'; no '..'). Changed"
          + " live: QEMU's change (blockdev-change-medium) inserts the new file; unset: the"
          + " medium is ejected (an empty drive). status.cdroms says what QEMU has inserted.")
  @Pattern(FILE_PATTERN)
  @Size(min = 1, max = FILE_MAX_LENGTH)
  @ValidationRule(
      value = FILE_RULE,
      message = "file is a path inside the claim: no '..' segment, no trailing '/'")
  private String file;

  public CdromSpec() {}

  public CdromSpec(String name, String claimName, String file) {
    this.name = name;
    this.claimName = claimName;
    this.file = file;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getClaimName() {
    return claimName;
  }

  public void setClaimName(String claimName) {
    this.claimName = claimName;
  }

  public String getFile() {
    return file;
  }

  public void setFile(String file) {
    this.file = file;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CdromSpec c
        && Objects.equals(name, c.name)
        && Objects.equals(claimName, c.claimName)
        && Objects.equals(file, c.file);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, claimName, file);
  }

  @Override
  public String toString() {
    return "CdromSpec{name=%s, claimName=%s, file=%s}".formatted(name, claimName, file);
  }
}
