#!/usr/bin/env bash
# Builds qemu-operator's three container images without a container engine, as docker-archive tars
# that `ctr -n k8s.io images import` (and `docker load`) accept; prints their paths on stdout, one a
# line, in the order asked (default: operator qmp-sidecar qemu); logs, sizes and times on stderr.
#
#   bash hack/images.sh                      # all three
#   bash hack/images.sh qemu                 # only ghcr.io/qemu-operator/qemu:7.2
#
# One definition serves a registry build and this one:
# - operator, qmp-sidecar: Jib (jib-maven-plugin in operator/ and qmp-sidecar/sidecar-server/pom.xml:
#   entrypoint, user, ports, JVM flags). A registry build pushes them on eclipse-temurin:25-jre with
#   `mvn -pl operator,qmp-sidecar/sidecar-server -am package jib:build`; here their base is a local tar
#   (-Djib.from.image=tar://…): Debian bookworm minbase (mmdebstrap) plus a JRE linked with jlink from
#   the build's JDK (modules: images/jre-modules), at Temurin's paths (/opt/java/openjdk).
# - qemu: images/qemu/Dockerfile for a registry; here mmdebstrap from the same files (its FROM's
#   suite, images/qemu/packages, images/qemu/setup.sh as a customize hook) and its USER, packed with
#   umoci and skopeo (Debian's, offline).
#
# Cached under ${QEMU_OPERATOR_CACHE:-~/.cache/qemu-operator}/container-images, keyed by content: the
# Debian root file systems by their inputs and the month (QEMU_OPERATOR_IMAGES_STAMP overrides), the
# Java images by their base, the shaded jars (reproducible builds) and the poms. The jars are built
# when missing (mvn package through the reactor; never install).
set -euo pipefail
shopt -s inherit_errexit # a failed step inside $(…) stops the script too
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source=tools.sh
source "$here/tools.sh"
log() { qo_log_as images "$@"; }

images=("$@")
[ ${#images[@]} -gt 0 ] || images=(operator qmp-sidecar qemu)
for image in "${images[@]}"; do
  case $image in
    operator | qmp-sidecar | qemu) ;;
    *) log "unknown image '$image' (operator, qmp-sidecar or qemu)"; exit 2 ;;
  esac
done

cache=${QEMU_OPERATOR_CACHE:-$HOME/.cache/qemu-operator}/container-images
stamp=${QEMU_OPERATOR_IMAGES_STAMP:-$(date -u +%Y%m)}
mkdir -p "$cache"

tools=()
command -v mmdebstrap >/dev/null || tools+=(mmdebstrap)
command -v umoci >/dev/null || tools+=(umoci)
command -v skopeo >/dev/null || tools+=(skopeo)
command -v jq >/dev/null || tools+=(jq)
if [ ${#tools[@]} -gt 0 ]; then qo_apt_install "${tools[@]}"; fi

work=$(mktemp -d /tmp/qemu-operator-images.XXXXXX)
trap 'rm -rf "$work"' EXIT

key() { sha256sum | cut -c1-16; }
# keep KEPT, remove the other archives of the same kind (earlier inputs: nothing uses them again)
prune() {
  local kept=$1 old
  for old in "${kept%-*}"-*.tar; do [ "$old" = "$kept" ] || rm -f "$old"; done
}
mib() { echo $((($(stat -c %s "$1") + 524287) / 1048576)); }

# Without docs, man pages and translations (the copyright files stay), as Debian's slim images; and
# /usr merged by directory links as debootstrap (and so debian:bookworm-slim) does, not by the
# usrmerge package and the perl it needs (45 MiB).
slim=(--dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*'
  --dpkgopt='path-exclude=/usr/share/info/*' --dpkgopt='path-exclude=/usr/share/doc/*'
  --dpkgopt='path-include=/usr/share/doc/*/copyright'
  --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr)

# rootfs_image ROOTFS_TAR NAME OUT [umoci config flags...]: a one-layer image of ROOTFS_TAR, written
# to OUT as a docker-archive tagged NAME.
rootfs_image() {
  local rootfs=$1 name=$2 out=$3
  shift 3
  local layout=$work/oci-$RANDOM
  [ -s "$rootfs" ] || { log "no root file system in $rootfs"; return 1; }
  umoci init --layout "$layout"
  umoci new --image "$layout:image"
  umoci raw add-layer --image "$layout:image" "$rootfs"
  umoci config --image "$layout:image" --os linux --architecture amd64 "$@"
  rm -f "$out.part"
  skopeo copy --quiet "oci:$layout:image" "docker-archive:$out.part:$name"
  mv "$out.part" "$out"
  rm -rf "$layout"
}

# report NAME ARCHIVE HOW: the archive's size and how it came; for a new one also its size gzipped
# (what a registry would move) and its layers' files unpacked.
report() {
  local name=$1 archive=$2 how=$3 sizes
  sizes="$(mib "$archive") MiB archive"
  if [ "$how" != cached ]; then
    local unpacked gzipped
    unpacked=$(tar -xOf "$archive" manifest.json | jq -r '.[0].Layers[]' | while read -r layer; do
      tar -xOf "$archive" "$layer" | { [ "${layer%.gz}" != "$layer" ] && gzip -dc || cat; } |
        tar --warning=no-unknown-keyword -tvf - | awk '{s += $3} END {print s}'
    done | awk '{s += $1} END {printf "%d", (s + 524287) / 1048576}')
    gzipped=$(gzip -1c "$archive" | wc -c | awk '{printf "%d", ($1 + 524287) / 1048576}')
    sizes+=", $gzipped MiB gzipped, $unpacked MiB unpacked"
  fi
  log "$name: $archive ($sizes; $how)"
}

# The Java images' base: Debian minbase plus the jlink'ed JRE at /opt/java/openjdk, with Temurin's
# image environment (JAVA_HOME, PATH), so the Jib configuration runs unchanged on either base.
java_base() {
  local jdk=${JAVA_HOME:?JAVA_HOME: the JDK to link the JRE from}
  local modules
  modules=$(grep -v '^#' "$repo/images/jre-modules" | paste -sd, -)
  local jlink_flags=(--strip-debug --no-man-pages --no-header-files --generate-cds-archive)
  local k
  k=$({ echo "$stamp minbase ${slim[*]}"; echo "$modules ${jlink_flags[*]}"; cat "$jdk/release"; } | key)
  local base=$cache/bases/java-$k.tar
  if [ ! -f "$base" ]; then
    local started=$SECONDS
    mkdir -p "$cache/bases"
    log "JRE: jlink $modules from $jdk"
    "$jdk/bin/jlink" --add-modules "$modules" "${jlink_flags[@]}" --output "$work/openjdk" >&2
    log "Java base: mmdebstrap bookworm minbase + the JRE"
    mmdebstrap --quiet --variant=minbase "${slim[@]}" \
      --customize-hook='mkdir -p "$1/opt/java"' \
      --customize-hook="copy-in $work/openjdk /opt/java" \
      --format=tar bookworm "$work/java-rootfs.tar"
    rootfs_image "$work/java-rootfs.tar" qemu-operator/java-base:local "$base" >&2 \
      --config.env JAVA_HOME=/opt/java/openjdk \
      --config.env PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
    rm -rf "$work/openjdk" "$work/java-rootfs.tar"
    log "Java base built in $((SECONDS - started)) s: $(mib "$base") MiB"
    prune "$base"
  fi
  echo "$base"
}

# The Java images: Jib on the local base, through the reactor (which also builds missing jars).
declare -A jar=([operator]=operator/target/qemu-operator.jar [qmp-sidecar]=qmp-sidecar/sidecar-server/target/qmp-sidecar.jar)
declare -A module=([operator]=operator [qmp-sidecar]=qmp-sidecar/sidecar-server)
declare -A archive how

java_images=()
for image in "${images[@]}"; do [ "$image" = qemu ] || java_images+=("$image"); done
if [ ${#java_images[@]} -gt 0 ]; then
  qo_ensure_jdk
  qo_ensure_maven
  mvn=(mvn -B -ntp -q)
  [ "${QEMU_OPERATOR_MVN_OFFLINE:-0}" = 1 ] && mvn+=(-o)
  modules=operator,qmp-sidecar/sidecar-server
  missing=0
  for image in "${java_images[@]}"; do [ -f "$repo/${jar[$image]}" ] || missing=1; done
  if [ $missing = 1 ]; then
    started=$SECONDS
    log "building the jars: mvn -pl $modules -am package"
    (cd "$repo" && "${mvn[@]}" -pl "$modules" -am package -DskipTests >&2)
    log "jars built in $((SECONDS - started)) s"
  fi
  base=$(java_base)
  todo=()
  for image in "${java_images[@]}"; do
    k=$({ basename "$base"; sha256sum "$repo/${jar[$image]}" | cut -d' ' -f1; cat "$repo/pom.xml" "$repo/${module[$image]}/pom.xml"; } | key)
    archive[$image]=$cache/$image-$k.tar
    how[$image]=cached
    [ -f "${archive[$image]}" ] || todo+=("$image")
  done
  if [ ${#todo[@]} -gt 0 ]; then
    started=$SECONDS
    pl=$(for image in "${todo[@]}"; do echo "${module[$image]}"; done | paste -sd, -)
    log "Jib: ${todo[*]} on $base"
    # the reactor packages again (jars are reproducible: same content, same hash) and Jib writes
    # target/jib-image.tar; nothing is pulled (tar base) and Jib checks for no update
    (cd "$repo" && "${mvn[@]}" -pl "$pl" -am package jib:buildTar -DskipTests \
      -Djib.from.image="tar://$base" -Djib.disableUpdateChecks=true >&2)
    for image in "${todo[@]}"; do
      cp "$repo/${module[$image]}/target/jib-image.tar" "${archive[$image]}.part"
      mv "${archive[$image]}.part" "${archive[$image]}"
      prune "${archive[$image]}"
    done
    for image in "${todo[@]}"; do how[$image]="built with Jib in $((SECONDS - started)) s"; done
  fi
fi

# The qemu image's name: the chart's image.qemu and the operator's default QEMU_IMAGE (ImagesTest).
qemu_name=ghcr.io/qemu-operator/qemu:7.2

# The qemu image from images/qemu: the Dockerfile's suite and USER, its package list and setup script.
qemu_image() {
  local dir=$repo/images/qemu
  local suite user packages k
  suite=$(sed -n 's/^FROM debian:\([a-z]*\).*/\1/p' "$dir/Dockerfile")
  user=$(sed -n 's/^USER //p' "$dir/Dockerfile" | tail -1)
  packages=$(grep -v '^#' "$dir/packages" | paste -sd, -)
  k=$({ echo "$qemu_name $stamp $suite $user ${slim[*]}"; cat "$dir/packages" "$dir/setup.sh"; } | key)
  local out=$cache/qemu-$k.tar
  if [ ! -f "$out" ]; then
    log "qemu: mmdebstrap $suite minbase + $packages"
    mmdebstrap --quiet --variant=minbase "${slim[@]}" --include="$packages" \
      --customize-hook="upload $dir/setup.sh /tmp/setup.sh" \
      --customize-hook='chroot "$1" sh /tmp/setup.sh && rm "$1/tmp/setup.sh"' \
      --format=tar "$suite" "$work/qemu-rootfs.tar"
    rootfs_image "$work/qemu-rootfs.tar" "$qemu_name" "$out" >&2 \
      --config.user "$user" \
      --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
    rm -f "$work/qemu-rootfs.tar"
    prune "$out"
  fi
  echo "$out"
}

for image in "${images[@]}"; do
  if [ "$image" = qemu ]; then
    started=$SECONDS
    how[qemu]=cached
    archive[qemu]=$(qemu_image)
    [ $((SECONDS - started)) -lt 2 ] || how[qemu]="built in $((SECONDS - started)) s"
  fi
  report "$image" "${archive[$image]}" "${how[$image]}"
  echo "${archive[$image]}"
done
