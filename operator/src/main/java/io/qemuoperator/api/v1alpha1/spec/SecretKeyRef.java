package io.qemuoperator.api.v1alpha1.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/** One key of a Secret in the QemuVM's namespace. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"name", "key"})
public class SecretKeyRef {

  /** A Secret's key: alphanumerics, '-', '_' and '.'. */
  public static final String KEY_PATTERN = "^[-._a-zA-Z0-9]+$";

  @JsonPropertyDescription("The Secret's name, in the QemuVM's namespace.")
  @Required
  @Pattern(DiskSpec.STORAGE_CLASS_NAME_PATTERN)
  @Size(min = 1, max = DiskSpec.STORAGE_CLASS_NAME_MAX_LENGTH)
  private String name;

  @JsonPropertyDescription("The key in the Secret's data. Unset: the field's default key.")
  @Pattern(KEY_PATTERN)
  @Size(min = 1, max = 253)
  private String key;

  public SecretKeyRef() {}

  public SecretKeyRef(String name, String key) {
    this.name = name;
    this.key = key;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getKey() {
    return key;
  }

  public void setKey(String key) {
    this.key = key;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SecretKeyRef r
        && Objects.equals(name, r.name)
        && Objects.equals(key, r.key);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, key);
  }

  @Override
  public String toString() {
    return "SecretKeyRef{name=%s, key=%s}".formatted(name, key);
  }
}
