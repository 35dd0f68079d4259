#!/usr/bin/env bash
# The sidecar's HTTP front on several HTTP servers, side by side in one run: the sidecar's own (its
# WebServer: Jetty 12 with the sidecar's settings), plain Jetty 12, Helidon 4 WebServer and Vert.x core, each serving the same minimal handler
# (GET /healthz; POST /v1/commands/query-status with the bearer token, forwarded to one real QEMU
# through the project's QmpClient) as its own process with the sidecar's JVM flags. Per server and
# repeat: start to the first /healthz 200, RSS idle and under concurrent clients, query-status latency
# added over direct QMP (p50/p99), and issue 18's attack cases (a-g). Installs what is missing, builds
# (tests skipped), starts QEMU with two QMP monitors, then runs io.qemuoperator.bench.HttpServersBenchmark.
# Prints a table; writes bench/target/bench-http-servers.json. Extra flags go to the benchmark
# (--repeats 3 --calls 5000 --warmup 500 --load-clients 16 --servers sidecar,jetty,...). Never asserted.
set -euo pipefail
# shellcheck source=preamble.sh
source "$(dirname "$0")/preamble.sh"
bench_preamble
# attack case (c) posts its body with Python's urllib: qo_ensure_all (bench_preamble) installs it

work=$(mktemp -d /tmp/qemu-operator-bench.XXXXXX)
qemu_pid= bench_pid=
cleanup() {
  set +e
  # The benchmark stops each front itself; if it died first, the front's pid file is still here.
  for pid in $bench_pid $(cat "$work/front.pid" 2>/dev/null) $qemu_pid; do
    kill "$pid" 2>/dev/null && timeout 10 tail --pid="$pid" -f /dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bench_start_qemu "$work"

bench_java io.qemuoperator.bench.HttpServersBenchmark \
  --work "$work" --out bench/target/bench-http-servers.json "$@" &
bench_pid=$!
status=0
wait "$bench_pid" || status=$?
bench_pid=
if [ "$status" != 0 ]; then
  qo_log "benchmark failed ($status); the fronts' logs:"
  tail -n 20 "$work"/front-*.log >&2 2>/dev/null || true
fi
exit "$status"
