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

bench_work

bench_start_qemu "$work"

bench_run_java 'front-*.log' io.qemuoperator.bench.HttpServersBenchmark \
  --work "$work" --out bench/target/bench-http-servers.json "$@"
