#!/usr/bin/env bash
# The VM pod's network backends side by side, on the test guest under TCG: QEMU's user networking
# with hostfwd vs passt (Debian package `passt`), each forwarding the guest's port 80 on a loopback
# address of its own, as a pod of the local cluster has. Prints, per backend and run: start → the
# guest's ready line, connect+request latency (p50/p90 over 40 requests of a small file),
# throughput (a 32 MiB file the guest's user-data wrote), and the RSS of QEMU (+ passt).
#   bash bench/net-backends.sh [runs]      # QEMU_SYSTEM picks the QEMU binary
set -euo pipefail
runs=${1:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
guest=${QEMU_OPERATOR_TEST_GUEST:-$(bash "$here/hack/test-guest.sh")}
qemu=${QEMU_SYSTEM:-qemu-system-x86_64}
command -v passt >/dev/null || { echo "passt is not installed (apt-get install passt)" >&2; exit 3; }
work=$(mktemp -d /tmp/qemu-operator-net.XXXXXX)
chmod 0755 "$work"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work/seed"
printf 'instance-id: bench\nlocal-hostname: bench\n' >"$work/seed/meta-data"
printf '#!/bin/sh\ndd if=/dev/urandom of=/run/big bs=1M count=32 2>/dev/null\n' >"$work/seed/user-data"
addr=127.0.77.$((RANDOM % 200 + 20))
port=18080

rss_kib() { awk '/VmRSS/{print $2}' "/proc/$1/status"; }
now_ms() { date +%s%3N; }

measure() { # backend run
  local backend=$1 run=$2 serial=$work/serial-$1-$2.log start qpid ppid=""
  local net
  start=$(now_ms)
  if [ "$backend" = hostfwd ]; then
    net=(-netdev "user,id=n0,hostfwd=tcp:$addr:$port-:80")
  else
    passt -f -q -s "$work/passt.sock" -t "$addr/$port:80" >"$work/passt.log" 2>&1 &
    ppid=$!; pids+=("$ppid")
    for _ in $(seq 1 100); do [ -S "$work/passt.sock" ] && break; sleep 0.02; done
    net=(-netdev "stream,id=n0,server=off,addr.type=unix,addr.path=$work/passt.sock")
  fi
  "$qemu" -machine q35,accel=tcg -m 256 -nodefaults -display none \
    -kernel "$guest/vmlinuz" -initrd "$guest/initrd.img" -append "$(cat "$guest/cmdline")" \
    -chardev "file,id=s,path=$serial" -serial chardev:s \
    -blockdev "driver=vvfat,node-name=cidata_seed,dir=$work/seed,label=CIDATA,read-only=on" \
    -device virtio-blk-pci,drive=cidata_seed \
    "${net[@]}" -device virtio-net-pci,netdev=n0,romfile= >"$work/qemu.log" 2>&1 &
  qpid=$!; pids+=("$qpid")
  for _ in $(seq 1 1800); do grep -q 'guest ready' "$serial" 2>/dev/null && break; sleep 0.05; done
  local ready=$(( $(now_ms) - start ))
  # first request through the forward (the guest may still be bringing eth0 up for passt's DHCP)
  local first="" deadline=$(( $(now_ms) + 60000 ))
  while [ "$(now_ms)" -lt "$deadline" ]; do
    if curl -sf -m 2 -o /dev/null "http://$addr:$port/cgi-bin/cat?/proc/uptime"; then first=$(( $(now_ms) - start )); break; fi
    sleep 0.1
  done
  if [ -z "$first" ]; then
    printf '%-8s run %d: ready line after %d ms; no answer through the forward within 60 s (guest: %s; %s)\n' \
      "$backend" "$run" "$ready" "$(grep -a 'guest ready' "$serial" | head -1 | tr -d '\r')" \
      "$([ -z "$ppid" ] || kill -0 "$ppid" 2>/dev/null && echo "passt alive" || echo "passt ended: $(tail -1 "$work/passt.log")")"
    kill "$qpid" ${ppid:+"$ppid"} 2>/dev/null || true
    wait "$qpid" 2>/dev/null || true
    rm -f "$work/passt.sock"
    return
  fi
  local lat=()
  for _ in $(seq 1 40); do
    lat+=("$(curl -s -m 5 -o /dev/null -w '%{time_total}' "http://$addr:$port/cgi-bin/cat?/proc/loadavg")")
  done
  local sorted; sorted=$(printf '%s\n' "${lat[@]}" | sort -n)
  local p50 p90; p50=$(sed -n 20p <<<"$sorted"); p90=$(sed -n 36p <<<"$sorted")
  local speed; speed=$(curl -s -m 60 -o /dev/null -w '%{speed_download}' "http://$addr:$port/cgi-bin/cat?/run/big")
  local rq rp=0; rq=$(rss_kib "$qpid"); [ -z "$ppid" ] || rp=$(rss_kib "$ppid")
  printf '%-8s run %d: ready %5d ms, first answer %5d ms, request p50 %4.0f ms p90 %4.0f ms, %5.2f MB/s, RSS qemu %d MiB + passt %d MiB\n' \
    "$backend" "$run" "$ready" "$first" "$(echo "$p50*1000" | bc)" "$(echo "$p90*1000" | bc)" \
    "$(echo "$speed/1000000" | bc -l)" $((rq / 1024)) $((rp / 1024))
  kill "$qpid" ${ppid:+"$ppid"} 2>/dev/null || true
  wait "$qpid" 2>/dev/null || true
  [ -z "$ppid" ] || wait "$ppid" 2>/dev/null || true
  rm -f "$work/passt.sock"
}

echo "$("$qemu" --version | head -1); passt $(dpkg-query -W -f '${Version}' passt 2>/dev/null); address $addr"
for run in $(seq 1 "$runs"); do
  measure hostfwd "$run"
  measure passt "$run"
done
