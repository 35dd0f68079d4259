#!/usr/bin/env bash
# The QMP path benchmark: query-status and the /v1/state queries straight on a QEMU monitor socket
# vs through the QMP sidecar's HTTP API, the sidecar's start-to-ready time and its RSS, in one run.
# Installs what is missing, builds (tests skipped), starts QEMU with two QMP monitors, then runs
# io.qemuoperator.bench.QmpPathBenchmark, which starts and stops the sidecar itself.
# Prints a table; writes bench/target/bench-qmp-path.json. Extra flags go to the benchmark
# (e.g. --calls 1000 --warmup 100 --state-calls 200). Figures are never asserted.
set -euo pipefail
# shellcheck source=preamble.sh
source "$(dirname "$0")/preamble.sh"
bench_preamble

bench_work

qemu-img create -q -f qcow2 "$work/disk.qcow2" 64M
bench_start_qemu "$work" \
  -drive "file=$work/disk.qcow2,if=none,id=drive0,format=qcow2" -device virtio-blk-pci,drive=drive0,id=disk0 \
  -device virtio-balloon-pci,id=balloon0

out=bench/target/bench-qmp-path.json
bench_run_java sidecar.log io.qemuoperator.bench.QmpPathBenchmark \
  --work "$work" --qemu-pid "$qemu_pid" --launcher qmp-sidecar/bin/qmp-sidecar --out "$out" "$@"
