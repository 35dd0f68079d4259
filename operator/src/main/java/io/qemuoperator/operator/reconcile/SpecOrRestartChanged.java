package io.qemuoperator.operator.reconcile;

import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.QemuVMApi;
import java.util.Map;
import java.util.Objects;

/**
 * Which updates of a QemuVM start a reconcile: a new generation (the spec changed), a new restart
 * request (an annotation, which leaves the generation alone), finalizers added or removed, and the
 * start of a deletion (the clean-up then reschedules itself). The operator's own status writes
 * start none. An API server that keeps no generation (a mock) lets every update through.
 */
public final class SpecOrRestartChanged implements OnUpdateFilter<QemuVM> {

  @Override
  public boolean accept(QemuVM newer, QemuVM older) {
    Long generation = newer.getMetadata().getGeneration();
    Long before = older.getMetadata().getGeneration();
    if (generation != null && before != null && generation > before) {
      StageTrace.mark(newer, "informer");
    }
    return generation == null
        || before == null
        || generation > before
        || (newer.isMarkedForDeletion() && !older.isMarkedForDeletion())
        || !Objects.equals(newer.getMetadata().getFinalizers(), older.getMetadata().getFinalizers())
        || !Objects.equals(restartedAt(newer), restartedAt(older));
  }

  private static String restartedAt(QemuVM vm) {
    Map<String, String> annotations = vm.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(QemuVMApi.RESTARTED_AT_ANNOTATION);
  }
}
