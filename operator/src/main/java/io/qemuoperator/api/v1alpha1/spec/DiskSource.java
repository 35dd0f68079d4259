package io.qemuoperator.api.v1alpha1.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/**
 * Where a disk's content comes from when it is first created: an image fetched by URL, or an
 * existing claim the user owns. A disk without a source starts blank.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"url", "sha256", "claimName"})
@ValidationRule(
    value = "has(self.url) != has(self.claimName)",
    message = "a disk's source is exactly one of url or claimName",
    reason = "FieldValueInvalid")
@ValidationRule(
    value = "!has(self.sha256) || has(self.url)",
    message = "sha256 checks an image fetched by url: it needs url",
    fieldPath = ".sha256",
    reason = "FieldValueInvalid")
public class DiskSource {

  /** http, https or file URLs. */
  public static final String URL_PATTERN = "^(https?|file)://\\S+$";

  public static final int URL_MAX_LENGTH = 2048;

  /** 64 lower-case hex digits. */
  public static final String SHA256_PATTERN = "^[0-9a-f]{64}$";

  /** A PersistentVolumeClaim's name: a DNS-1123 subdomain. */
  public static final String CLAIM_NAME_PATTERN = DiskSpec.STORAGE_CLASS_NAME_PATTERN;

  public static final int CLAIM_NAME_MAX_LENGTH = 253;

  @JsonPropertyDescription(
      "An image to fill the disk with when it is created: http://, https:// or file:// (a path"
          + " on the node). qcow2 or raw, detected from the content; converted to qcow2 and grown"
          + " to the disk's size (an image larger than the disk is refused, never shrunk). Fetched"
          + " once, in the VM's pod before QEMU starts; a disk that exists is never imported over.")
  @Pattern(URL_PATTERN)
  @Size(min = 1, max = URL_MAX_LENGTH)
  private String url;

  @JsonPropertyDescription(
      "The SHA-256 of the file at url (64 lower-case hex digits): the import fails, and nothing"
          + " boots, when the fetched bytes do not match.")
  @Pattern(SHA256_PATTERN)
  private String sha256;

  @JsonPropertyDescription(
      "An existing PersistentVolumeClaim in the VM's namespace that holds the disk: a qcow2"
          + " image named disk.qcow2 at the root of its volume. Used as is: the operator never"
          + " creates, grows or deletes it, and never resizes its image.")
  @Pattern(CLAIM_NAME_PATTERN)
  @Size(min = 1, max = CLAIM_NAME_MAX_LENGTH)
  private String claimName;

  public DiskSource() {}

  public static DiskSource url(String url, String sha256) {
    var source = new DiskSource();
    source.setUrl(url);
    source.setSha256(sha256);
    return source;
  }

  public static DiskSource claim(String claimName) {
    var source = new DiskSource();
    source.setClaimName(claimName);
    return source;
  }

  public String getUrl() {
    return url;
  }

  public void setUrl(String url) {
    this.url = url;
  }

  public String getSha256() {
    return sha256;
  }

  public void setSha256(String sha256) {
    this.sha256 = sha256;
  }

  public String getClaimName() {
    return claimName;
  }

  public void setClaimName(String claimName) {
    this.claimName = claimName;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DiskSource s
        && Objects.equals(url, s.url)
        && Objects.equals(sha256, s.sha256)
        && Objects.equals(claimName, s.claimName);
  }

  @Override
  public int hashCode() {
    return Objects.hash(url, sha256, claimName);
  }

  @Override
  public String toString() {
    return "DiskSource{url=%s, sha256=%s, claimName=%s}".formatted(url, sha256, claimName);
  }
}
