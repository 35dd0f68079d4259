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
