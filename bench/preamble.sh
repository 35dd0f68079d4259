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
