#!/usr/bin/env bash
# Control-plane scale with SIMULATED VMs, on a real API server (etcd + kube-apiserver v1.20.2 +
# kube-controller-manager, started with hack/local-apiserver.sh in a temporary directory and stopped
# on exit) and on Fabric8's mock API server as a comparison column: N QemuVMs (default 1000), the
# real operator as its own process (operator/target/qemu-operator.jar) with a kubeconfig for that
# server, the local cluster's storage binding each claim, a simulated kubelet and one in-process
# simulator answering the sidecar HTTP contract for every VM (no QEMU runs). Prints one table with a
# column per server: the time until all are Ready, the operator's CPU seconds, heap and RSS, its API
# requests and writes per VM (by verb and resource, status writes by the phase written), then its
# writes per VM per minute while idle. Writes bench/target/bench-control-plane.json.
# Flags: --api-server real|mock|both (default both) --vms N --idle-seconds S --operator-jar JAR
# --out FILE. The real server's binaries come from KUBE_BIN, else hack/kube-apiserver.sh (cached).
# Figures are printed, never asserted.
set -euo pipefail
# shellcheck source=preamble.sh
source "$(dirname "$0")/preamble.sh"
bench_preamble jdk
bench_java io.qemuoperator.bench.sim.ControlPlaneBenchmark "$@"
