#!/usr/bin/env bash
# Control-plane scale with SIMULATED VMs: N QemuVMs (default 1000) on Fabric8's mock API server, the
# real operator as its own process (operator/target/qemu-operator.jar), and one in-process simulator
# answering the sidecar HTTP contract for every VM (no QEMU runs). Prints the time until all are Ready,
# the operator's CPU seconds, heap and RSS, API requests per VM, then status writes per VM per minute
# while idle. Writes e2e/target/bench-control-plane.json. Flags: --vms N --idle-seconds S.
# Figures are printed, never asserted.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=../tools.sh
source e2e/tools.sh
qo_ensure_jdk
qo_ensure_maven
qo_log "building (mvn package, tests skipped)"
mvn -B -ntp -q -DskipTests package
exec java -cp "e2e/target/classes:$(cat e2e/target/bench.classpath)" \
  io.qemuoperator.bench.sim.ControlPlaneBenchmark "$@"
