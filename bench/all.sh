#!/usr/bin/env bash
# Every benchmark in one run: the QMP path (sidecar vs direct), the cluster with real VMs, the control
# plane with simulated VMs (the last two on a real API server and on the mock, side by side). Prints
# each table and writes bench/target/bench.json with all figures.
# Takes about 25 minutes on two cores. Figures are printed, never asserted.
set -euo pipefail
cd "$(dirname "$0")/.."
bash bench/qmp-path.sh
bash bench/cluster.sh --vms "${BENCH_REAL_VMS:-20}"
bash bench/control-plane.sh --vms "${BENCH_SIMULATED_VMS:-1000}" --idle-seconds "${BENCH_IDLE_SECONDS:-120}"
bash bench/guests.sh
python3 - <<'PY'
import json, pathlib
target = pathlib.Path("bench/target")
merged = {name: json.loads((target / f"bench-{name}.json").read_text())
          for name in ("qmp-path", "cluster", "control-plane", "guests")}
(target / "bench.json").write_text(json.dumps(merged, indent=2))
print("all figures: bench/target/bench.json")
PY
