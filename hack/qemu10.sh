#!/usr/bin/env bash
# Provides QEMU 10.0 beside the machine's own QEMU, for running the tests against a second QEMU
# generation: QEMU_SYSTEM=$(bash hack/qemu10.sh) mvn verify
#
# Debian 12 ships QEMU 7.2; bookworm-backports has 10.0. This script fetches qemu-system-x86,
# qemu-system-common, qemu-system-data (and seabios) 10.0-era packages with apt's ordinary client
# through a private apt configuration (the machine's own sources and package state stay untouched),
# unpacks them with `dpkg -x` into a cache folder, and writes a wrapper that runs the unpacked binary
# with its own firmware and modules. Shared libraries the machine lacks are fetched the same way and
# put on LD_LIBRARY_PATH by the wrapper.
#
# Prints the wrapper's path on stdout (everything else goes to stderr). Idempotent: a second run
# only checks the cached wrapper. Cache: ${QEMU_OPERATOR_CACHE:-~/.cache/qemu-operator}/qemu-10.0/
set -euo pipefail

want=10.0
cache=${QEMU_OPERATOR_CACHE:-$HOME/.cache/qemu-operator}/qemu-$want
wrapper=$cache/bin/qemu-system-x86_64

# shellcheck source=tools.sh
source "$(dirname "$0")/tools.sh"
log() { qo_log_as qemu10 "$@"; }
die() { log "ERROR: $*"; exit 1; }

# The wrapper answers `--version` with QEMU $want.x, or the cache is rebuilt.
wrapper_ok() {
  [ -x "$wrapper" ] && "$wrapper" --version 2>/dev/null | head -1 | grep -q "version $want\."
}

if wrapper_ok; then
  log "cached: $("$wrapper" --version | head -1)"
  echo "$wrapper"
  exit 0
fi

command -v apt-get >/dev/null && command -v dpkg >/dev/null && command -v ldd >/dev/null ||
  die "needs apt-get and dpkg (a Debian machine) to fetch QEMU $want"

# shellcheck source=/dev/null
. /etc/os-release
codename=${VERSION_CODENAME:?/etc/os-release names no VERSION_CODENAME}
# The Debian mirror this machine already uses (its own sources), else Debian's default one.
mirror=$(sed -n 's/^URIs: *\(http[^ ]*\/debian\)\/*$/\1/p; s/^deb \(\[[^]]*\] \)\{0,1\}\(http[^ ]*\/debian\)\/* .*/\2/p' \
  /etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -1 || true)
mirror=${mirror:-http://deb.debian.org/debian}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$keyring" ] || die "missing $keyring (package debian-archive-keyring)"

rm -rf "$cache"
mkdir -p "$cache"/apt/{lists/partial,cache/archives/partial} "$cache/debs" "$cache/root" "$cache/bin"
cat >"$cache/apt/sources.list" <<EOF
deb [signed-by=$keyring] $mirror $codename main
deb [signed-by=$keyring] $mirror $codename-updates main
deb [signed-by=$keyring] $mirror $codename-backports main
EOF
apt_opts=(
  -o "Dir::Etc::sourcelist=$cache/apt/sources.list" -o "Dir::Etc::sourceparts=-"
  -o "Dir::State::Lists=$cache/apt/lists" -o "Dir::Cache=$cache/apt/cache"
  -o "APT::Sandbox::User=root" -q
)

started=$SECONDS
log "apt-get update (private lists: $codename, $codename-updates, $codename-backports from $mirror)"
apt-get "${apt_opts[@]}" update >&2 || die "apt-get update failed for $mirror $codename-backports"

# The newest $want.x version of a package in the private lists, e.g. 1:10.0.2+ds-2+deb13u1~bpo12+1.
version_of() {
  apt-cache "${apt_opts[@]}" madison "$1" 2>/dev/null | awk -F'|' '{gsub(/ /, "", $2); print $2}' |
    { grep -E "^([0-9]+:)?${want//./\\.}\." || true; } | head -1
}
qemu_version=$(version_of qemu-system-x86)
[ -n "$qemu_version" ] ||
  die "apt cannot provide package qemu-system-x86 $want.x from $mirror ($codename, $codename-backports); found: $(apt-cache "${apt_opts[@]}" madison qemu-system-x86 2>/dev/null | awk -F'|' '{print $2}' | tr -d ' ' | tr '\n' ' ')"
log "qemu-system-x86 $qemu_version"

# seabios: QEMU $want wants a newer one than bookworm's; take the newest one the lists have.
seabios_version=$(apt-cache "${apt_opts[@]}" madison seabios | awk -F'|' 'NR==1 {gsub(/ /, "", $2); print $2}')
[ -n "$seabios_version" ] || die "apt cannot provide package seabios"

packages=(qemu-system-x86="$qemu_version" qemu-system-common="$qemu_version"
  qemu-system-data="$qemu_version" seabios="$seabios_version")
log "apt-get download ${packages[*]}"
(cd "$cache/debs" && apt-get "${apt_opts[@]}" download "${packages[@]}" >&2) ||
  die "apt-get download failed for package(s): ${packages[*]}"
for deb in "$cache"/debs/*.deb; do dpkg -x "$deb" "$cache/root"; done

binary=$cache/root/usr/bin/qemu-system-x86_64
[ -x "$binary" ] || die "package qemu-system-x86 $qemu_version holds no usr/bin/qemu-system-x86_64"

# Shared libraries this machine lacks: fetch the packages that QEMU depends on and that are not
# installed, unpack them beside QEMU, and let the wrapper put them on LD_LIBRARY_PATH.
libdir=$cache/root/usr/lib/x86_64-linux-gnu
missing_libs() { LD_LIBRARY_PATH=$libdir ldd "$binary" | awk '/not found/ {print $1}'; }
if [ -n "$(missing_libs)" ]; then
  log "missing shared libraries: $(missing_libs | tr '\n' ' ')"
  deps=$(apt-cache "${apt_opts[@]}" depends "qemu-system-x86=$qemu_version" "qemu-system-common=$qemu_version" |
    awk '/^ *Depends: [^<]/ {print $2}' | grep '^lib' | sort -u)
  fetch=()
  for dep in $deps; do
    dpkg-query -W -f='${db:Status-Status}' "$dep" 2>/dev/null | grep -q '^installed$' || fetch+=("$dep")
  done
  [ ${#fetch[@]} -gt 0 ] || die "libraries missing but every library package QEMU depends on is installed"
  log "apt-get download ${fetch[*]}"
  (cd "$cache/debs" && apt-get "${apt_opts[@]}" download "${fetch[@]}" >&2) ||
    die "apt-get download failed for package(s): ${fetch[*]}"
  for dep in "${fetch[@]}"; do dpkg -x "$cache"/debs/"${dep}"_*.deb "$cache/root"; done
  still=$(missing_libs | tr '\n' ' ')
  [ -z "$still" ] || die "still missing after fetching ${fetch[*]}: $still"
  ld_path=$libdir
fi

cat >"$wrapper" <<EOF
#!/bin/sh
# QEMU $qemu_version unpacked from Debian's packages by hack/qemu10.sh: its own firmware and modules.
${ld_path:+export LD_LIBRARY_PATH="$ld_path\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"}
export QEMU_MODULE_DIR="$cache/root/usr/lib/x86_64-linux-gnu/qemu"
exec "$binary" -L "$cache/root/usr/share/qemu" -L "$cache/root/usr/share/seabios" "\$@"
EOF
chmod +x "$wrapper"
rm -rf "$cache/apt" "$cache/debs"

wrapper_ok || die "$wrapper does not report QEMU $want: $("$wrapper" --version 2>&1 | head -3)"
log "$("$wrapper" --version | head -1) ready in $((SECONDS - started)) s"
echo "$wrapper"
