#!/usr/bin/env bash
# The README's "run" command: starts a real QEMU VM and the QMP sidecar beside it, then drives the VM
# over the sidecar's HTTP API the way the operator does, printing what QEMU reports at each step.
# Installs what is missing (QEMU, a JDK >= 21, Maven, curl) and builds the sidecar first.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=tools.sh
source hack/tools.sh
qo_ensure_all
command -v curl >/dev/null || qo_apt_install curl ca-certificates
command -v python3 >/dev/null || qo_apt_install python3

qo_log "building the sidecar (mvn package, tests skipped)"
mvn -B -ntp -q -DskipTests -pl qmp-sidecar/sidecar-server -am package

work=$(mktemp -d /tmp/qemu-operator-demo.XXXXXX)
qemu_pid= sidecar_pid=
cleanup() {
  set +e
  for pid in $sidecar_pid $qemu_pid; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT

port=${DEMO_PORT:-9443}
qemu-img create -q -f qcow2 "$work/disk.qcow2" 64M
head -c 2M /dev/zero > "$work/media.raw"
qo_log "starting QEMU (TCG, no guest OS, paused at start) in $work"
"${QEMU_SYSTEM:-qemu-system-x86_64}" -machine q35,accel=tcg -m 128 -smp 2 -nodefaults -display none -S \
  -name demo-vm -qmp "unix:$work/qmp.sock,server=on,wait=off" \
  -drive "file=$work/disk.qcow2,if=none,id=drive0,format=qcow2" -device virtio-blk-pci,drive=drive0,id=disk0 \
  -drive "file=$work/media.raw,if=none,id=cd0,format=raw,media=cdrom,readonly=on" \
  -device ide-cd,drive=cd0,id=cddev0,bus=ide.1 -device virtio-balloon-pci,id=balloon0 \
  2>"$work/qemu.err" &
qemu_pid=$!

head -c 32 /dev/urandom | base64 | tr -d '\n=' > "$work/token"
chmod 600 "$work/token"
qo_log "starting the sidecar on 127.0.0.1:$port"
qmp-sidecar/bin/qmp-sidecar --qmp "$work/qmp.sock" --listen "127.0.0.1:$port" \
  --token-file "$work/token" 2>"$work/sidecar.log" &
sidecar_pid=$!

base="http://127.0.0.1:$port"
auth=(-H "Authorization: Bearer $(cat "$work/token")")
pretty() { if command -v python3 >/dev/null; then python3 -m json.tool --compact 2>/dev/null || cat; else cat; fi; }
qmp() { # qmp COMMAND [JSON-ARGS]
  qo_heading "\$ POST /v1/commands/$1 ${2:-}"
  curl -sS -D "$work/headers" "${auth[@]}" -X POST "$base/v1/commands/$1" -d "${2:-}" | pretty
  sent=$(sed -n 's/^[Qq]mp-[Ss]ent-[Aa]s: *//p' "$work/headers" | tr -d '\r')
  if [ -n "$sent" ] && [ "$sent" != "$1" ]; then printf '  (translated: QEMU received %s)\n' "$sent"; fi
  grep -m1 '^HTTP' "$work/headers" | tr -d '\r' | sed 's/^/  /'
}
state() {
  curl -sS "${auth[@]}" "$base/v1/state" | python3 -c '
import json, sys
s = json.load(sys.stdin)["return"]
disk = [b for b in s["block"] if b["device"] == "drive0"][0]["inserted"]["image"]
print("  runState=%s  qemu=%s  balloon=%s  cpus=%d  drive0=%d bytes  max-bandwidth=%s  eventSeq=%d" % (
  s["status"]["status"], s["qemu"]["version"], (s["balloon"] or {}).get("actual"), len(s["cpus"]),
  disk["virtual-size"], (s["migrateParameters"] or {}).get("max-bandwidth"), s["eventSeq"]))'
}

for _ in $(seq 1 200); do
  curl -fsS "$base/readyz" >/dev/null 2>&1 && break
  kill -0 "$sidecar_pid" 2>/dev/null || { cat "$work/sidecar.log"; exit 1; }
  sleep 0.05
done
curl -fsS "$base/readyz" | pretty

qo_heading "How this QEMU serves the 46 seed commands (GET /v1/dialect):"
curl -sS "${auth[@]}" "$base/v1/dialect" | python3 -c '
import json, sys, collections
d = json.load(sys.stdin)
by = collections.defaultdict(list)
for c, o in d["commands"].items(): by[o].append(c)
for o, cs in by.items(): print("  %-11s %2d  %s" % (o, len(cs), " ".join(cs)))'

qo_heading "State at start:"; state
qmp cont; state
qmp stop; state
qmp block_resize '{"device":"drive0","size":134217728}'
printf '  qemu-img info: virtual size %s bytes\n' \
  "$(qemu-img info -U --output=json "$work/disk.qcow2" | python3 -c 'import json,sys; print(json.load(sys.stdin)["virtual-size"])')"
qmp migrate_set_speed '{"value":33554432}'
qmp balloon '{"value":100663296}'
qmp query-cpus
qmp cont
qmp balloon '{"value":"96M"}'
qmp block_passwd '{"device":"drive0","password":"x"}'
qmp human-monitor-command '{"command-line":"info status"}'
qo_heading "\$ POST /v1/commands/query-status without a token"
curl -sS -X POST "$base/v1/commands/query-status" | pretty
qo_heading "Events (GET /v1/events?after=0):"
curl -sS "${auth[@]}" "$base/v1/events?after=0" | python3 -c '
import json, sys
d = json.load(sys.stdin)
for e in d["events"]: print("  #%d %s %s" % (e["seq"], e["event"], json.dumps(e["data"])))'
qo_heading "Final state:"; state
qo_log "done; stopping the sidecar and QEMU"
