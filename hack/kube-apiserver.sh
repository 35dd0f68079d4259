#!/usr/bin/env bash
# Provides a real Kubernetes API server (and controller manager) for the end-to-end tests, and the
# node's binaries for hack/local-node.sh (kubelet, kube-scheduler, kube-proxy, kubectl, the /dev/kvm
# device plugin in hack/kvm-device-plugin/, the pause program in hack/pause/), built offline from
# Debian's own source package:  KUBE_BIN=$(bash hack/kube-apiserver.sh)
#
# No ready kube-apiserver binary is reachable from Debian (it ships kubectl and etcd only), but
# bookworm's source package `kubernetes` (1.20.5+really1.20.2) is the full upstream v1.20.2 tree with
# vendor/. This script
#   - fetches it with apt's ordinary client (`apt-get source --download-only kubernetes`) through a
#     private apt configuration holding bookworm's deb-src line (the machine's own sources stay
#     untouched),
#   - installs golang-1.19-go and etcd-server with apt when missing,
#   - generates the one file upstream's `make` would add (pkg/generated/openapi, with openapi-gen
#     from vendor/; its API-rule report must equal upstream's checked-in list),
#   - builds ./cmd/kube-apiserver, ./cmd/kube-controller-manager, ./cmd/kubelet, ./cmd/kube-scheduler,
#     ./cmd/kube-proxy and ./cmd/kubectl offline (GOPATH layout, GO111MODULE=off, GOPROXY=off,
#     CGO_ENABLED=0), version stamped v1.20.2, and the project's own two small Go programs against
#     the same vendor/ (kvm-device-plugin, pause; rebuilt when their source changes),
#   - checks `--version` says v1.20.2 and caches the binaries, so each is built once per machine (only
#     the missing ones are built: the source is fetched again when one is missing),
#   - deletes the source tree and Go build cache afterwards (KEEP_BUILD=1 keeps them).
#
# Prints the bin directory on stdout; everything else goes to stderr. Idempotent: a second run only
# checks the cached binaries. Cache: ${QEMU_OPERATOR_CACHE:-~/.cache/qemu-operator}/kubernetes-1.20.2/
# The build takes about 7 min (API server and controller manager) + ~5 min (node binaries) on two idle
# cores, up to ~30 min on a loaded machine (peak ~1.3 GB RAM).
set -euo pipefail

version=1.20.2
src_package=kubernetes
src_version_re='^1\.20\.5\+really1\.20\.2-'
cache=${QEMU_OPERATOR_CACHE:-$HOME/.cache/qemu-operator}/kubernetes-$version
bin=$cache/bin
work=$cache/build
commands=(kube-apiserver kube-controller-manager kubelet kube-scheduler kube-proxy kubectl)
# The project's own Go programs, built against the same vendor/ tree: name -> source folder in hack/.
own_programs=(kvm-device-plugin pause)

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tools.sh
source "$here/tools.sh"
log() { qo_log_as kube-apiserver "$@"; }
# Interrupted or failed: end the background step (go build, openapi-gen) too.
trap 'jobs -p | xargs -r kill 2>/dev/null || true' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
die() { log "ERROR: $*"; exit 1; }

here_src() { echo "$here/$1/main.go"; }
binary_ok() {
  [ -x "$bin/$1" ] || return 1
  if [ -f "$(here_src "$1")" ]; then # one of ours: cached with the checksum of its source
    [ "$(cat "$bin/$1.sha256" 2>/dev/null)" = "$(sha256sum <"$(here_src "$1")" | cut -d' ' -f1)" ]
  elif [ "$1" = kubectl ]; then
    [ "$("$bin/$1" version --client --short 2>/dev/null)" = "Client Version: v$version" ]
  else
    "$bin/$1" --version 2>/dev/null | grep -q "Kubernetes v$version\$"
  fi
}
all_ok() {
  local c
  for c in "${commands[@]}" "${own_programs[@]}"; do binary_ok "$c" || return 1; done
}

# Packages from the machine's own apt sources; a clear error naming the package when apt cannot.
ensure_package() { # package command
  command -v "$2" >/dev/null && return 0
  dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null | grep -q '^installed$' && return 0
  apt-cache show "$1" >/dev/null 2>&1 || {
    qo_as_root apt-get update -qq >&2 || true
    apt-cache show "$1" >/dev/null 2>&1 || die "apt cannot provide package $1 (needed for $2)"
  }
  qo_apt_install "$1" || die "apt-get install $1 failed (needed for $2)"
}
ensure_package etcd-server etcd
ensure_package openssl openssl
ensure_package curl curl

if all_ok; then
  log "cached: $("$bin/kube-apiserver" --version) in $bin"
  echo "$bin"
  exit 0
fi

ensure_package golang-1.19-go /usr/lib/go-1.19/bin/go
go=/usr/lib/go-1.19/bin/go
[ -x "$go" ] || die "package golang-1.19-go installed no $go"

started=$SECONDS
mkdir -p "$work" "$bin"

# --- the source, through a private apt configuration with bookworm's deb-src line ---
src_dir=$work/gopath/src/k8s.io/kubernetes
if [ ! -f "$src_dir/cmd/kube-apiserver/apiserver.go" ]; then
  log "missing from the cache: $(for c in "${commands[@]}" "${own_programs[@]}"; do binary_ok "$c" || printf '%s ' "$c"; done)"
  # The Debian mirror this machine already uses (its own sources), else Debian's default one.
  mirror=$(sed -n 's/^URIs: *\(http[^ ]*\/debian\)\/*$/\1/p; s/^deb \(\[[^]]*\] \)\{0,1\}\(http[^ ]*\/debian\)\/* .*/\2/p' \
    /etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -1 || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  [ -r "$keyring" ] || die "missing $keyring (package debian-archive-keyring)"
  apt_dir=$work/apt
  mkdir -p "$apt_dir"/{lists/partial,cache/archives/partial} "$work/source"
  echo "deb-src [signed-by=$keyring] $mirror bookworm main" >"$apt_dir/sources.list"
  apt_opts=(
    -o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o "Dir::Etc::sourceparts=-"
    -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
    -o "APT::Sandbox::User=root" -q
  )
  log "apt-get update (private lists: deb-src $mirror bookworm main)"
  apt-get "${apt_opts[@]}" update >&2 || die "apt-get update failed for deb-src $mirror bookworm"
  found=$(apt-cache "${apt_opts[@]}" showsrc "$src_package" 2>/dev/null | sed -n 's/^Version: //p' | head -1)
  [[ "$found" =~ $src_version_re ]] ||
    die "apt cannot provide source package $src_package 1.20.5+really$version-* from $mirror bookworm (found: ${found:-none})"
  log "apt-get source --download-only $src_package=$found"
  (cd "$work/source" && apt-get "${apt_opts[@]}" source --download-only "$src_package=$found" >&2) ||
    die "apt-get source --download-only failed for source package $src_package=$found"
  # The upstream tree (the orig tarball, vendor/ included) without Debian's patches: plain v$version.
  orig=$(ls "$work/source/${src_package}_"*.orig.tar.* 2>/dev/null | head -1)
  [ -n "$orig" ] || die "source package $src_package=$found has no orig tarball: $(ls "$work/source")"
  rm -rf "$src_dir"
  mkdir -p "$src_dir"
  log "unpacking $(basename "$orig") ($(du -h "$orig" | cut -f1))"
  tar -xf "$orig" -C "$src_dir" --strip-components=1
  [ -f "$src_dir/cmd/kube-apiserver/apiserver.go" ] && [ -d "$src_dir/vendor/k8s.io/component-base/version" ] ||
    die "source package $src_package=$found does not hold cmd/kube-apiserver with vendor/"
  rm -rf "$apt_dir" "$work/source"
fi

# vendor/ holds github.com/modern-go/reflect2 1.0.1, which Go >= 1.18 breaks: json-iterator then
# panics (nil pointer in UnsafeMapType.UnsafeIterate) on every request body with a map, e.g. a CRD.
# Debian's golang-github-modern-go-reflect2-dev (1.0.2, same API, Go 1.18+ support) replaces it,
# as Kubernetes itself did in 1.23.
reflect2=/usr/share/gocode/src/github.com/modern-go/reflect2
ensure_package golang-github-modern-go-reflect2-dev "$reflect2/go_above_118.go"
[ -f "$reflect2/go_above_118.go" ] || die "package golang-github-modern-go-reflect2-dev has no $reflect2/go_above_118.go (need reflect2 >= 1.0.2)"
if [ ! -f "$src_dir/vendor/github.com/modern-go/reflect2/go_above_118.go" ]; then
  log "vendor/github.com/modern-go/reflect2: 1.0.1 replaced by Debian's $(dpkg-query -W -f='${Version}' golang-github-modern-go-reflect2-dev)"
  rm -rf "$src_dir/vendor/github.com/modern-go/reflect2"
  cp -r "$reflect2" "$src_dir/vendor/github.com/modern-go/reflect2"
fi

# --- the offline build ---
export GOPATH=$work/gopath GOCACHE=$work/gocache GO111MODULE=off GOPROXY=off GOFLAGS= CGO_ENABLED=0
export GOTOOLCHAIN=local
version_pkg=k8s.io/kubernetes/vendor/k8s.io/component-base/version
client_version_pkg=k8s.io/kubernetes/vendor/k8s.io/client-go/pkg/version
ldflags="-s -w"
for p in $version_pkg $client_version_pkg; do
  ldflags+=" -X $p.gitVersion=v$version -X $p.gitMajor=1 -X $p.gitMinor=20 -X $p.gitTreeState=clean"
  ldflags+=" -X $p.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
done
grep -Eq '^\s*gitVersion\s+(string\s*)?=' "$src_dir/vendor/k8s.io/component-base/version/base.go" ||
  die "no gitVersion variable in vendor/k8s.io/component-base/version (cannot stamp the version)"

# Runs a command in the background (output to a log) and prints a line every 30 s while it runs.
with_progress() { # label log dir command...
  local label=$1 logfile=$2 dir=$3 t0=$SECONDS pid
  shift 3
  (cd "$dir" && exec "$@") >"$logfile" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null && sleep 1; done
    if kill -0 "$pid" 2>/dev/null; then log "$label: $((SECONDS - t0)) s elapsed"; fi
  done
  wait "$pid" || { tail -30 "$logfile" >&2; die "$label failed (log: $logfile)"; }
  log "$label: done in $((SECONDS - t0)) s"
}

# The one generated file the source tree lacks (upstream's `make` writes it): the OpenAPI
# definitions of Kubernetes' own types, pkg/generated/openapi/zz_generated.openapi.go. Generated
# like build/root/Makefile.generated_files does, with openapi-gen from vendor/.
# Only the API server and the controller manager need it.
openapi_file=$src_dir/pkg/generated/openapi/zz_generated.openapi.go
if [ ! -s "$openapi_file" ] && ! { binary_ok kube-apiserver && binary_ok kube-controller-manager; }; then
  (cd "$src_dir" && "$go" build -o "$work/openapi-gen" ./vendor/k8s.io/kube-openapi/cmd/openapi-gen) ||
    die "go build of vendor/k8s.io/kube-openapi/cmd/openapi-gen failed"
  # Go packages of the tree (staging/src/k8s.io/X named vendor/k8s.io/X) that carry +k8s:openapi-gen=.
  openapi_dirs=$(cd "$src_dir" &&
    find -H . \( -path './_*' -o -path './.*' -o -path ./vendor \) -prune -o -type f -name '*.go' -print |
    sed 's|^\./staging/src|vendor|; s|^\./||' | xargs grep -l '^// *+k8s:' | xargs grep -l '+k8s:openapi-gen=' |
    xargs -n1 dirname | grep -v -e '^vendor/k8s.io/code-generator/' -e '^vendor/k8s.io/sample-apiserver/' |
    LC_ALL=C sort -u | sed 's|^|k8s.io/kubernetes/|' | paste -sd, -)
  [ -n "$openapi_dirs" ] || die "found no +k8s:openapi-gen packages in the source tree"
  with_progress "openapi-gen ($(echo "$openapi_dirs" | tr ',' '\n' | wc -l) packages)" \
    "$work/openapi-gen.log" "$src_dir" "$work/openapi-gen" --logtostderr -o "$GOPATH/src" -i "$openapi_dirs" \
    -p k8s.io/kubernetes/pkg/generated/openapi -O zz_generated.openapi \
    -h vendor/k8s.io/code-generator/hack/boilerplate.go.txt -r "$work/openapi-violations.report"
  [ -s "$openapi_file" ] || die "openapi-gen wrote no $openapi_file"
  # The API-rule report equals upstream's checked-in list when the inputs are the same as upstream's.
  if diff -q "$work/openapi-violations.report" "$src_dir/api/api-rules/violation_exceptions.list" >/dev/null; then
    log "openapi-gen: API-rule report equals upstream's api/api-rules/violation_exceptions.list"
  else
    die "openapi-gen's API-rule report differs from upstream's (the generated OpenAPI would differ): $work/openapi-violations.report"
  fi
fi

for c in "${commands[@]}"; do
  binary_ok "$c" && { log "$c already built"; continue; }
  log "go build ./cmd/$c ($($go version | cut -d' ' -f3), offline; a line every 30 s)"
  t0=$SECONDS
  with_progress "go build ./cmd/$c" "$work/$c.build.log" "$src_dir" \
    "$go" build -trimpath -ldflags "$ldflags" -o "$bin/$c.tmp" "./cmd/$c"
  mv "$bin/$c.tmp" "$bin/$c"
  binary_ok "$c" || die "$bin/$c is not Kubernetes v$version: $("$bin/$c" --version 2>&1 | head -1)"
  log "$c built in $((SECONDS - t0)) s: $(du -h "$bin/$c" | cut -f1)"
done

# The project's own programs: their source is copied into the tree (so vendor/ serves their imports).
for c in "${own_programs[@]}"; do
  binary_ok "$c" && { log "$c already built"; continue; }
  rm -rf "$src_dir/cmd/qemu-operator-$c"
  mkdir -p "$src_dir/cmd/qemu-operator-$c"
  cp "$(here_src "$c")" "$src_dir/cmd/qemu-operator-$c/main.go"
  t0=$SECONDS
  with_progress "go build hack/$c" "$work/$c.build.log" "$src_dir" \
    "$go" build -trimpath -ldflags "-s -w" -o "$bin/$c.tmp" "./cmd/qemu-operator-$c"
  mv "$bin/$c.tmp" "$bin/$c"
  sha256sum <"$(here_src "$c")" | cut -d' ' -f1 >"$bin/$c.sha256"
  log "$c built in $((SECONDS - t0)) s: $(du -h "$bin/$c" | cut -f1)"
done

if [ "${KEEP_BUILD:-0}" = 1 ]; then
  log "KEEP_BUILD=1: keeping $work ($(du -sh "$work" | cut -f1))"
else
  chmod -R u+w "$work" 2>/dev/null || true
  rm -rf "$work"
fi
log "ready in $((SECONDS - started)) s; cache $(du -sh "$cache" | cut -f1) in $cache"
echo "$bin"
