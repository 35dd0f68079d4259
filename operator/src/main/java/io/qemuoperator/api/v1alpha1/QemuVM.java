package io.qemuoperator.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;
import io.qemuoperator.api.v1alpha1.spec.QemuVMSpec;
import io.qemuoperator.api.v1alpha1.status.QemuVMStatus;
import java.io.Serial;

/** A QEMU virtual machine: what the user declares ({@code spec}) and what QEMU reports. */
@Group(QemuVMApi.GROUP)
@Version(QemuVMApi.VERSION)
@Kind(QemuVMApi.KIND)
@Plural(QemuVMApi.PLURAL)
@ShortNames(QemuVMApi.SHORT_NAME)
@AdditionalPrinterColumn(
    name = "Phase",
    jsonPath = ".status.phase",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "RunState",
    jsonPath = ".status.runState",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "CPUs",
    jsonPath = ".status.vcpus",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Memory",
    jsonPath = ".status.memory.boot",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class QemuVM extends CustomResource<QemuVMSpec, QemuVMStatus> implements Namespaced {
  @Serial private static final long serialVersionUID = 1L;

  @Override
  protected QemuVMSpec initSpec() {
    return new QemuVMSpec();
  }
}
