#!/usr/bin/env bash
# Real guests from `kubectl apply` to the guest answering, on the local cluster with a real API
# server (hack/local-apiserver.sh, started and stopped here): the test guest (hack/test-guest.sh,
# built once from Debian packages) imported by URL and booted under the accelerator the node offers
# (TCG on these machines) until its GuestReady condition is True (HTTP probe of its port 80): one VM
# at a time (--runs, default 10) and --batch VMs at once (default 10; --batch-runs, default 3), with
# QEMU's and the sidecar's RSS per booted VM. --debian: also a Debian 12 cloud image
# (hack/debian-image.sh; built when missing, about 2 minutes) from apply to its SSH banner.
# Flags: --api-server real|mock (default real) --runs N --batch N --batch-runs N --debian --out FILE.
# Writes bench/target/bench-guests.json. Figures are printed, never asserted.
set -euo pipefail
# shellcheck source=preamble.sh
source "$(dirname "$0")/preamble.sh"
bench_preamble
guest=$(bash hack/test-guest.sh)
args=(--guest "$guest")
for arg in "$@"; do
  if [ "$arg" = --debian ]; then
    args+=(--debian "$(bash hack/debian-image.sh)")
  else
    args+=("$arg")
  fi
done
bench_java io.qemuoperator.bench.GuestBenchmark "${args[@]}"
