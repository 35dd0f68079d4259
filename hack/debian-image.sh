#!/usr/bin/env bash
# A real Debian 12 (bookworm) cloud image for the demo and for users trying qemu-operator without
# internet access beyond Debian's mirrors: systemd, cloud-init (NoCloud only), OpenSSH, the QEMU guest
# agent, DHCP on the first NIC, a serial console on ttyS0. Built from Debian packages with mmdebstrap
# (no container engine, no loop devices, no mounts) and cached; prints the path of the qcow2 image.
#
#   image=$(bash hack/debian-image.sh)   # ~/.cache/qemu-operator/debian-12/<date>/debian-12.qcow2
#
# Layout: an MBR with two partitions — 1: FAT, SYSLINUX with the kernel and initramfs (the boot
# loader is installed with an offset, so no loop device is needed); 2: ext4 root (label debian-root)
# written by mke2fs -d from the mmdebstrap tree. The image's virtual size is 2 GiB; the operator grows
# it to the disk's size on import and cloud-init's growpart and resize_rootfs grow the root partition
# and file system to the whole disk at boot.
#
# Kernel upgrades inside the guest do not reach the FAT partition: SYSLINUX keeps booting the kernel
# the image was built with. Rebuild the image (delete the cache folder) to move to a newer kernel.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tools.sh
source "$here/tools.sh"
log() { qo_log_as debian-image "$@"; }

suite=bookworm
# Packages on top of minbase: what a cloud image needs to boot, take cloud-init and be reached.
packages=linux-image-cloud-amd64,systemd-sysv,udev,dbus,cloud-init,openssh-server,qemu-guest-agent
packages+=,ifupdown,isc-dhcp-client,netbase,iproute2,sudo,ca-certificates,procps
# growpart (cloud-guest-utils, with sfdisk from fdisk): cloud-init grows partition 2 and the root file
# system to the disk's size at boot, so a disk grown by the operator is usable space in the guest.
packages+=,cloud-guest-utils,fdisk
# One image per day at most: the mirror's packages move on, the cache folder name says when.
stamp=${QEMU_OPERATOR_DEBIAN_STAMP:-$(date -u +%Y%m)}
out=${QEMU_OPERATOR_CACHE:-$HOME/.cache/qemu-operator}/debian-12/$stamp
image=$out/debian-12.qcow2
if [ -f "$image" ]; then
  echo "$image"
  exit 0
fi
# QEMU_OPERATOR_DEBIAN_CACHED_ONLY=1: only say where a built image is (the local cluster's launcher)
if [ "${QEMU_OPERATOR_DEBIAN_CACHED_ONLY:-0}" = 1 ]; then
  found=$(ls -1d "${QEMU_OPERATOR_CACHE:-$HOME/.cache/qemu-operator}"/debian-12/*/debian-12.qcow2 2>/dev/null | tail -1)
  [ -n "$found" ] || exit 1
  echo "$found"
  exit 0
fi

tools=()
command -v mmdebstrap >/dev/null || tools+=(mmdebstrap)
command -v mkfs.vfat >/dev/null || tools+=(dosfstools)
command -v mcopy >/dev/null || tools+=(mtools)
command -v syslinux >/dev/null || tools+=(syslinux)
[ -f /usr/lib/syslinux/mbr/mbr.bin ] || tools+=(syslinux-common)
command -v sfdisk >/dev/null || tools+=(fdisk)
command -v qemu-img >/dev/null || tools+=(qemu-utils)
if [ ${#tools[@]} -gt 0 ]; then qo_apt_install "${tools[@]}"; fi

work=$(mktemp -d /tmp/qemu-operator-debian.XXXXXX)
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs
started=$(date +%s)
log "mmdebstrap $suite (minbase + $packages) into $rootfs"
# --customize-hook runs with the tree finished, before it is handed over: the image's own settings.
mmdebstrap --quiet --variant=minbase --include="$packages" \
  --customize-hook='echo "LABEL=debian-root / ext4 defaults,errors=remount-ro 0 1" > "$1/etc/fstab"' \
  --customize-hook='rm -f "$1"/etc/ssh/ssh_host_*' \
  --customize-hook=': > "$1/etc/machine-id"; rm -f "$1/var/lib/dbus/machine-id"' \
  --customize-hook='echo debian > "$1/etc/hostname"' \
  --customize-hook='printf "auto lo\niface lo inet loopback\nsource /etc/network/interfaces.d/*\n" > "$1/etc/network/interfaces"' \
  --customize-hook='mkdir -p "$1/etc/cloud/cloud.cfg.d"; printf "%s\n" "datasource_list: [NoCloud, None]" "locale: false" > "$1/etc/cloud/cloud.cfg.d/90-qemu-operator.cfg"' \
  --customize-hook='cp "$1"/boot/vmlinuz-* "$1/../vmlinuz"; cp "$1"/boot/initrd.img-* "$1/../initrd.img"' \
  "$suite" "$rootfs"
log "root file system: $(du -sm "$rootfs" | cut -f1) MiB in $(($(date +%s) - started)) s"

mib=$((1024 * 1024))
boot_start=1 boot_size=64 disk_size=2048
root_start=$((boot_start + boot_size)) root_size=$((disk_size - boot_start - boot_size))
raw=$work/disk.raw
truncate -s "${disk_size}M" "$raw"
printf 'label: dos\nstart=%sMiB, size=%sMiB, type=c, bootable\nstart=%sMiB, size=%sMiB, type=83\n' \
  "$boot_start" "$boot_size" "$root_start" "$root_size" | sfdisk --quiet "$raw"
dd if=/usr/lib/syslinux/mbr/mbr.bin of="$raw" bs=440 count=1 conv=notrunc status=none

# partition 1: FAT with SYSLINUX, the kernel and the initramfs
# (mkfs.vfat warns that the file is larger than the partition: the size given is the partition's)
mkfs.vfat -F 16 -n DEBIAN-BOOT --offset=$((boot_start * mib / 512)) "$raw" $((boot_size * 1024)) >/dev/null 2>&1
cat > "$work/syslinux.cfg" <<'EOF'
DEFAULT debian
TIMEOUT 0
PROMPT 0
LABEL debian
  KERNEL vmlinuz
  APPEND initrd=initrd.img root=LABEL=debian-root ro console=ttyS0 console=tty0 quiet
EOF
mcopy -i "$raw@@${boot_start}M" "$work/vmlinuz" "$work/initrd.img" "$work/syslinux.cfg" ::/
syslinux --install --offset $((boot_start * mib)) "$raw"

# partition 2: ext4 from the tree, written in place (no loop device)
mke2fs -q -t ext4 -L debian-root -d "$rootfs" -E offset=$((root_start * mib)) "$raw" $((root_size * 1024))k

mkdir -p "$out"
qemu-img convert -q -c -f raw -O qcow2 "$raw" "$image.part"
mv "$image.part" "$image"
log "built $image: $(du -m "$image" | cut -f1) MiB (virtual ${disk_size} MiB) in $(($(date +%s) - started)) s"
echo "$image"
