#!/usr/bin/env bash
# Convergence and scale with REAL VMs: the operator as its own process on the mock API server, the
# node agent running each VM pod as real QEMU + the real sidecar. Prints and writes
# e2e/target/bench-cluster.json: N VMs (default 20) from apply to all Ready with the operator's CPU,
# heap, RSS and API writes per VM; status writes per VM per minute while idle; spec change (paused
# toggled) → QEMU run state over an independent QMP monitor; out-of-band stop → corrected, following
# QMP events vs resync only. Flags: --vms N --toggles N --out-of-band N --resync-only N --idle-seconds S.
# Figures are printed, never asserted.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=../tools.sh
source e2e/tools.sh
qo_ensure_all
qo_log "building (mvn package, tests skipped)"
mvn -B -ntp -q -DskipTests package
exec java -cp "e2e/target/classes:$(cat e2e/target/bench.classpath)" \
  io.qemuoperator.bench.ClusterBenchmark "$@"
