#!/usr/bin/env bash
# Convergence and latency with REAL VMs, on a real API server (etcd + kube-apiserver v1.20.2 +
# kube-controller-manager, started with hack/local-apiserver.sh in a temporary directory and stopped
# on exit) and on Fabric8's mock API server as a comparison column: the operator as its own process
# with a kubeconfig for that server, the node agent running each VM pod as real QEMU + the real
# sidecar, the local cluster's storage binding each claim. Prints one table with a column per server
# and writes bench/target/bench-cluster.json: N VMs (default 20) from apply to all Ready with the
# operator's CPU, heap, RSS and API writes per VM by verb and resource; writes per VM per minute while
# idle; spec change (paused toggled, back to back and 300 ms apart) → QEMU run state over an
# independent QMP monitor, with the time of each stage (the operator's StageTrace); out-of-band stop →
# corrected, following QMP events vs resync only.
# Flags: --api-server real|mock|both (default both) --vms N --toggles N --spaced-toggles N
# --out-of-band N --resync-only N (0: skip) --idle-seconds S --operator-jar JAR --out FILE.
# The real server's binaries come from KUBE_BIN, else hack/kube-apiserver.sh (cached; built once).
# Figures are printed, never asserted.
set -euo pipefail
# shellcheck source=preamble.sh
source "$(dirname "$0")/preamble.sh"
bench_preamble
bench_java io.qemuoperator.bench.ClusterBenchmark "$@"
