#!/usr/bin/env bash
# Does TCG live migration corrupt guests? The test guest (hack/test-guest.sh) with its memory checker
# (qo.memcheck) migrates between two local QEMUs, by pre-copy (bandwidth capped while the checker
# dirties memory: several RAM passes) and by stop-and-copy (source paused: one pass), --runs times each
# (default 5), on QEMU 7.2 (the machine's) and QEMU 10.0 (hack/qemu10.sh). Prints one line per run
# (passes, total time, downtime, checker errors on the target, oops, hang) and a SUMMARY line per QEMU
# version and policy. Flags (io.qemuoperator.bench.MigrationBenchmark): --runs N --bandwidth-mib N
# --stop-bandwidth-mib N --downtime-ms N --checked-mib N --resume-seconds N. About 4 minutes with 5 runs.
# Figures are printed, never asserted.
set -euo pipefail
# shellcheck source=preamble.sh
source "$(dirname "$0")/preamble.sh"
bench_preamble
guest=$(bash hack/test-guest.sh)
for qemu in qemu-system-x86_64 "$(bash hack/qemu10.sh)"; do
  QEMU_SYSTEM=$qemu bench_java io.qemuoperator.bench.MigrationBenchmark --guest "$guest" "$@"
done
