package io.qemuoperator.operator.dependent;

import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.operator.pod.TokenSecret;

/**
 * The VM's token Secret: created once, never updated (a new token would lock the operator out of a
 * running sidecar), collected with the QemuVM through its owner reference.
 */
public final class TokenSecretDependent extends KubernetesDependentResource<Secret, QemuVM>
    implements Creator<Secret, QemuVM> {
  private final TokenSecret tokens;

  public TokenSecretDependent(TokenSecret tokens) {
    super(Secret.class);
    this.tokens = tokens;
    configureWith(Dependents.managedOnly(Secret.class));
  }

  @Override
  protected Secret desired(QemuVM vm, Context<QemuVM> context) {
    return tokens.desired(vm);
  }
}
