package io.qemuoperator.operator.pod;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.qemuoperator.api.v1alpha1.QemuVM;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;

/** The VM's bearer token Secret: 256 random bits, created once, mounted only into the sidecar. */
public final class TokenSecret {
  private final SecureRandom random;

  public TokenSecret(SecureRandom random) {
    this.random = random;
  }

  public Secret desired(QemuVM vm) {
    byte[] bits = new byte[32];
    random.nextBytes(bits);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bits);
    return new SecretBuilder()
        .withNewMetadata()
        .withName(VmResources.secretName(vm))
        .withNamespace(vm.getMetadata().getNamespace())
        .withLabels(VmResources.labels(vm))
        .withOwnerReferences(VmResources.owner(vm))
        .endMetadata()
        .withType("Opaque")
        .withImmutable(true)
        .withStringData(Map.of(VmResources.TOKEN_KEY, token))
        .build();
  }

  /** The token held by an existing Secret, whichever of data/stringData the server returned. */
  public static String token(Secret secret) {
    if (secret.getData() != null && secret.getData().containsKey(VmResources.TOKEN_KEY)) {
      return new String(
              Base64.getDecoder().decode(secret.getData().get(VmResources.TOKEN_KEY)),
              java.nio.charset.StandardCharsets.UTF_8)
          .strip();
    }
    if (secret.getStringData() != null
        && secret.getStringData().containsKey(VmResources.TOKEN_KEY)) {
      return secret.getStringData().get(VmResources.TOKEN_KEY).strip();
    }
    throw new IllegalStateException("Secret " + secret.getMetadata().getName() + " has no token");
  }
}
