package io.qemuoperator.api.v1alpha1.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/**
 * A cloud-init NoCloud seed for the guest: user-data inline or from a Secret, optional
 * network-config; meta-data is generated (the VM's name as local-hostname, its uid as instance-id).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"userData", "userDataSecretRef", "networkData", "networkDataSecretRef"})
@ValidationRule(
    value = "!(has(self.userData) && has(self.userDataSecretRef))",
    message = "userData and userDataSecretRef are mutually exclusive",
    reason = "FieldValueForbidden")
@ValidationRule(
    value = "!(has(self.networkData) && has(self.networkDataSecretRef))",
    message = "networkData and networkDataSecretRef are mutually exclusive",
    reason = "FieldValueForbidden")
public class CloudInitSpec {

  /** Inline data goes into the VM pod's spec: beyond this, use a Secret. */
  public static final int MAX_INLINE_LENGTH = 32768;

  public static final String DEFAULT_USER_DATA_KEY = "userdata";
  public static final String DEFAULT_NETWORK_DATA_KEY = "networkdata";

  @JsonPropertyDescription(
      "The guest's user-data, inline (a #cloud-config document or a script), at most 32768"
          + " characters. It is part of the VM pod's spec: put secrets in userDataSecretRef.")
  @Size(max = MAX_INLINE_LENGTH)
  private String userData;

  @JsonPropertyDescription(
      "The guest's user-data from a Secret's key (default key 'userdata'). The Secret is mounted"
          + " into the VM pod's qemu container only; its data never appears in the QemuVM or the"
          + " pod's spec. Read when the VM starts.")
  private SecretKeyRef userDataSecretRef;

  @JsonPropertyDescription(
      "The guest's network-config (NoCloud network configuration, version 1 or 2), inline.")
  @Size(max = MAX_INLINE_LENGTH)
  private String networkData;

  @JsonPropertyDescription(
      "The guest's network-config from a Secret's key (default key 'networkdata').")
  private SecretKeyRef networkDataSecretRef;

  public String getUserData() {
    return userData;
  }

  public void setUserData(String userData) {
    this.userData = userData;
  }

  public SecretKeyRef getUserDataSecretRef() {
    return userDataSecretRef;
  }

  public void setUserDataSecretRef(SecretKeyRef userDataSecretRef) {
    this.userDataSecretRef = userDataSecretRef;
  }

  public String getNetworkData() {
    return networkData;
  }

  public void setNetworkData(String networkData) {
    this.networkData = networkData;
  }

  public SecretKeyRef getNetworkDataSecretRef() {
    return networkDataSecretRef;
  }

  public void setNetworkDataSecretRef(SecretKeyRef networkDataSecretRef) {
    this.networkDataSecretRef = networkDataSecretRef;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CloudInitSpec c
        && Objects.equals(userData, c.userData)
        && Objects.equals(userDataSecretRef, c.userDataSecretRef)
        && Objects.equals(networkData, c.networkData)
        && Objects.equals(networkDataSecretRef, c.networkDataSecretRef);
  }

  @Override
  public int hashCode() {
    return Objects.hash(userData, userDataSecretRef, networkData, networkDataSecretRef);
  }

  @Override
  public String toString() {
    // the inline data's length only: it may hold credentials
    return "CloudInitSpec{userData=%s, userDataSecretRef=%s, networkData=%s, networkDataSecretRef=%s}"
        .formatted(
            userData == null ? null : userData.length() + " chars",
            userDataSecretRef,
            networkData == null ? null : networkData.length() + " chars",
            networkDataSecretRef);
  }
}
