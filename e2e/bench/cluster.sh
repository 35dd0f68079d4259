#!/usr/bin/env bash
# Convergence and latency with REAL VMs, on a real API server (etcd + kube-apiserver v1.20.2 +
# kube-controller-manager, started with e2e/local-apiserver.sh in a temporary directory and stopped
# on exit) and on Fabric8's mock API server as a comparison column: the operator as its own process
# with a kubeconfig for that server, the node agent running each VM pod as real QEMU + the real
# sidecar, the local cluster's storage binding each claim. Prints one table with a column per server
# and writes e2e/target/bench-cluster.json: N VMs (default 20) from apply to all Ready with the
# operator's CPU, heap, RSS and API writes per VM by verb and resource; writes per VM per minute while
# idle; spec change (paused toggled, back to back and 300 ms apart) → QEMU run state over an
# independent QMP monitor, with the time of each stage (the operator's StageTrace); out-of-band stop →
# corrected, following QMP events vs resync only.
# Flags: --api-server real|mock|both (default both) --vms N --toggles N --spaced-toggles N
# --out-of-band N --resync-only N (0: skip) --idle-seconds S --operator-jar JAR --out FILE.
# The real server's binaries come from KUBE_BIN, else e2e/kube-apiserver.sh (cached; built once).
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
