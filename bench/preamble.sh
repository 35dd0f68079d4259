# The benchmark scripts' shared start, sourced by each: from the repository's root, installs what is
# missing (QEMU, a JDK >= 21, Maven, curl, python3; `bench_preamble jdk` for the JDK and Maven only),
# builds without tests, and defines bench_java MAIN [ARGS...], which runs a benchmark class with plain
# java (no Maven JVM around the measurement) on bench/'s classes and runtime classpath.
# shellcheck shell=bash
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=../hack/tools.sh
source hack/tools.sh

bench_preamble() {
  if [ "${1:-all}" = jdk ]; then
    qo_ensure_jdk
    qo_ensure_maven
  else
    qo_ensure_all
  fi
  qo_log "building (mvn package, tests skipped)"
  mvn -B -ntp -q -DskipTests package
}

bench_java() {
  "$JAVA_HOME/bin/java" ${BENCH_JAVA_OPTS:-} -cp "bench/target/classes:$(cat bench/target/bench.classpath)" "$@"
}

# bench_start_qemu WORK [QEMU ARGS...]: QEMU (TCG, no guest OS, stopped before the first
# instruction) with two QMP monitors, WORK/qmp.sock (the sidecar's or front's) and WORK/direct.sock
# (the direct path the benchmark compares with), plus the extra arguments; sets qemu_pid and waits
# for both sockets (exits, with QEMU's stderr, if QEMU does).
bench_start_qemu() {
  local work=$1
  shift
  qo_log "starting QEMU (TCG, no guest OS) with two QMP monitors in $work"
  "${QEMU_SYSTEM:-qemu-system-x86_64}" -machine q35,accel=tcg -m 128 -smp 2 -nodefaults -display none -S \
    -name bench-vm \
    -qmp "unix:$work/qmp.sock,server=on,wait=off" \
    -chardev "socket,id=direct,path=$work/direct.sock,server=on,wait=off" -mon chardev=direct,mode=control \
    "$@" 2>"$work/qemu.err" &
  qemu_pid=$!
  for _ in $(seq 1 200); do
    [ -S "$work/qmp.sock" ] && [ -S "$work/direct.sock" ] && break
    kill -0 "$qemu_pid" 2>/dev/null || { cat "$work/qemu.err" >&2; exit 1; }
    sleep 0.05
  done
  head -c 32 /dev/urandom | base64 | tr -d '\n=' > "$work/token"
  chmod 600 "$work/token"
}

# bench_work: a work folder, $work, for one benchmark run; at exit (also on Ctrl-C) the benchmark
# ($bench_pid), the processes whose pid files the folder holds (a benchmark stops its sidecar or
# front itself; if it died first, the pid file is still there) and QEMU ($qemu_pid) are stopped,
# and the folder removed.
bench_work() {
  work=$(mktemp -d /tmp/qemu-operator-bench.XXXXXX)
  qemu_pid= bench_pid=
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
}

bench_cleanup() {
  set +e
  for pid in $bench_pid $(cat "$work"/*.pid 2>/dev/null) $qemu_pid; do
    kill "$pid" 2>/dev/null && timeout 10 tail --pid="$pid" -f /dev/null
  done
  rm -rf "$work"
}

# bench_run_java LOGS MAIN [ARGS...]: runs the benchmark class in the background (so that Ctrl-C
# reaches bench_cleanup) and waits for it; when it fails, shows the end of $work/LOGS (a glob).
bench_run_java() {
  local logs=$1 status=0
  shift
  bench_java "$@" &
  bench_pid=$!
  wait "$bench_pid" || status=$?
  bench_pid=
  if [ "$status" != 0 ]; then
    qo_log "benchmark failed ($status); the end of its logs:"
    # shellcheck disable=SC2086
    tail -n 30 "$work"/$logs >&2 2>/dev/null || true
  fi
  return "$status"
}
