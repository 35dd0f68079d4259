package io.qemuoperator.operator.plan;

import io.qemuoperator.api.v1alpha1.spec.LinkState;
import io.qemuoperator.api.v1alpha1.spec.UpdateStrategy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Collectors;

/**
 * Desired and observed VMs for planner tests that are not about restarts or claims: the pod runs
 * the launch the spec declares, and every attached disk's claim has room to grow.
 */
public final class PlanFixtures {
  /** The launch of every fixture VM, declared and running. */
  public static final Launch LAUNCH = new Launch(new BootConfig(1, 512L << 20, List.of()), "");

  /** A claim with room for any disk. */
  public static final ObservedVm.ClaimState ROOMY = ObservedVm.ClaimState.bound(1L << 50);

  private PlanFixtures() {}

  public static DesiredVm desired(
      boolean running,
      boolean paused,
      long memoryBytes,
      OptionalLong balloonBytes,
      Map<String, Long> diskBytes,
      OptionalLong maxBandwidth,
      OptionalLong maxDowntimeMillis,
      Duration gracePeriod) {
    return new DesiredVm(
        running,
        paused,
        memoryBytes,
        balloonBytes,
        diskBytes,
        maxBandwidth,
        maxDowntimeMillis,
        gracePeriod,
        LAUNCH,
        UpdateStrategy.Automatic,
        Map.of(),
        LinkState.Up,
        Map.of());
  }

  public static ObservedVm observed(
      String runState,
      OptionalLong balloonActual,
      Map<String, Long> diskBytes,
      OptionalLong maxBandwidth,
      OptionalLong downtimeLimitMillis) {
    return new ObservedVm(
        runState,
        balloonActual,
        diskBytes,
        maxBandwidth,
        downtimeLimitMillis,
        Optional.of(LAUNCH),
        diskBytes.keySet().stream().collect(Collectors.toMap(d -> d, d -> ROOMY)),
        "1001",
        Map.of(),
        Map.of());
  }
}
