package io.qemuoperator.operator.migration;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.Test;

/** What the request's status says of a target pod the scheduler has not placed. */
class MigrationPodsTest {

  @Test
  void anUnschedulableTargetIsNamedWithTheSchedulersWords() {
    Pod pending =
        new PodBuilder()
            .withNewMetadata()
            .withName("web-1-qemu-0a1b2c")
            .endMetadata()
            .withNewStatus()
            .withPhase("Pending")
            .addNewCondition()
            .withType("PodScheduled")
            .withStatus("False")
            .withReason("Unschedulable")
            .withMessage("0/1 nodes are available: 1 Insufficient memory.")
            .endCondition()
            .endStatus()
            .build();

    assertThat(MigrationPods.unschedulable(pending))
        .contains(
            "the target pod web-1-qemu-0a1b2c cannot be scheduled: 0/1 nodes are available: 1"
                + " Insufficient memory.");
    assertThat(
            MigrationPods.unschedulable(
                new PodBuilder(pending).withNewStatus().endStatus().build()))
        .isEmpty();
  }
}
