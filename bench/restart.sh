#!/usr/bin/env bash
# Graceful restart time with a REAL VM: cpus toggled 1 <-> 2, from the spec write until a new QEMU
# runs with the new vCPU count (independent QMP monitor) and until the QemuVM is Ready with it. On the
# real kube-apiserver v1.20 started for the run (default) or Fabric8's mock (--api-server mock).
# Flags: --restarts N (5) --grace S (2: the test VM boots no OS, so every power-down waits it out).
# Figures are printed, never asserted.
set -euo pipefail
# shellcheck source=preamble.sh
source "$(dirname "$0")/preamble.sh"
bench_preamble
api_server=real
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --api-server) api_server=$2; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
if [ "$api_server" = real ]; then
  KUBE_BIN=$(bash hack/kube-apiserver.sh)
  export KUBE_BIN
  control_plane=$(mktemp -d /tmp/qo-bench-apiserver.XXXXXX)
  trap 'bash hack/local-apiserver.sh stop "$control_plane" >/dev/null 2>&1 || true; rm -rf "$control_plane"' EXIT
  kubeconfig=$(bash hack/local-apiserver.sh start "$control_plane" | tail -1)
  args+=(--kubeconfig "$kubeconfig")
fi
BENCH_JAVA_OPTS="-Dorg.slf4j.simpleLogger.log.io.qemuoperator.operator.reconcile.QemuVMReconciler=${QO_RECONCILER_LOG:-info}" \
  bench_java io.qemuoperator.bench.RestartBenchmark "${args[@]}"
