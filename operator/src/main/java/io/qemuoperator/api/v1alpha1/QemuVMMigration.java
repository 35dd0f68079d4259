package io.qemuoperator.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;
import io.qemuoperator.api.v1alpha1.spec.QemuVMMigrationSpec;
import io.qemuoperator.api.v1alpha1.status.QemuVMMigrationStatus;
import java.io.Serial;

/**
 * A request to move a running QemuVM to a new pod without stopping its guest: one request is one
 * migration. Deleting it while it runs cancels the migration (the VM keeps running where it was).
 */
@Group(QemuVMApi.GROUP)
@Version(QemuVMApi.VERSION)
@Kind(QemuVMApi.MIGRATION_KIND)
@Plural(QemuVMApi.MIGRATION_PLURAL)
@ShortNames(QemuVMApi.MIGRATION_SHORT_NAME)
@AdditionalPrinterColumn(
    name = "VM",
    jsonPath = ".spec.vmName",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Phase",
    jsonPath = ".status.phase",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Transferred",
    jsonPath = ".status.progress.transferred",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Target",
    jsonPath = ".status.targetPod",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class QemuVMMigration extends CustomResource<QemuVMMigrationSpec, QemuVMMigrationStatus>
    implements Namespaced {
  @Serial private static final long serialVersionUID = 1L;

  @Override
  protected QemuVMMigrationSpec initSpec() {
    return new QemuVMMigrationSpec();
  }
}
