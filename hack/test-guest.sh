#!/usr/bin/env bash
# The tiny test guest, built here from Debian packages and cached: Debian's cloud kernel and a busybox
# initramfs that boots to a shell on ttyS0 in seconds under TCG. Prints the folder that holds
# `vmlinuz`, `initrd.img` and `cmdline` (the kernel arguments to boot it with), and `disk.qcow2`: the
# same guest as a bootable disk (MBR, one FAT partition at 1 MiB holding the kernel and initramfs,
# SYSLINUX booting them with `cmdline`), built without root, loop devices or mounts.
#
#   dir=$(bash hack/test-guest.sh); qemu-system-x86_64 -kernel "$dir/vmlinuz" -initrd "$dir/initrd.img" \
#     -append "$(cat "$dir/cmdline")" ...
#   qemu-system-x86_64 -drive file="$dir/disk.qcow2",if=virtio,snapshot=on ...   # BIOS boot from the disk
#
# What the guest does, in order: loads the virtio (virtio-scsi too), CD-ROM, FAT/ISO and ACPI-button
# modules (the cloud kernel has no AHCI: a CD-ROM is a scsi-cd on virtio-scsi); starts
# acpid (the ACPI power button powers it off: system_powerdown works); brings eth0 up with DHCP
# (QEMU user networking); mounts a NoCloud seed (a filesystem labelled cidata or CIDATA) when one is
# attached, sets the hostname from meta-data's local-hostname and runs user-data when it is a shell
# script; serves HTTP on port 80 (/cgi-bin/cat?PATH answers a file under /proc or /sys, e.g.
# /cgi-bin/cat?/proc/meminfo); prints "qemu-operator test guest ready" on ttyS0; then a root shell on
# ttyS0; with `qo.memcheck=MIB` on the kernel command line, also a memory-integrity checker (/bin/memcheck:
# MIB MiB of random blocks in a tmpfs, re-verified and partly rewritten in a loop, one line per round on
# ttyS0: "memcheck round=R blocks=B errors=E"). Packages come from the machine's apt sources
# (apt-get download, dpkg -x: nothing installed).
# Cached under ${QEMU_OPERATOR_CACHE:-~/.cache/qemu-operator}/test-guest/<kernel version>-<script hash>/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tools.sh
source "$here/tools.sh"
log() { qo_log_as test-guest "$@"; }
scratch=() # removed on exit, also when a step fails
trap 'rm -rf "${scratch[@]}"' EXIT

# build_disk DIR: DIR/disk.qcow2 from DIR's vmlinuz, initrd.img and cmdline (written under a temporary
# name, renamed when complete).
build_disk() {
  local dir=$1 raw size_mib
  qo_ensure_disk_image_tools
  raw=$(mktemp /tmp/qemu-operator-test-guest-disk.XXXXXX)
  scratch+=("$raw" "$raw.cfg" "$dir/disk.qcow2.$$.tmp")
  # room for the kernel and initramfs plus 8 MiB, at least 32 MiB (FAT16), the partition from 1 MiB
  size_mib=$((($(stat -c %s "$dir/vmlinuz") + $(stat -c %s "$dir/initrd.img")) / 1048576 + 9))
  [ "$size_mib" -ge 32 ] || size_mib=32
  truncate -s "${size_mib}M" "$raw"
  mkfs.vfat -F 16 -n TESTGUEST --offset 2048 "$raw" $(((size_mib - 1) * 1024)) >/dev/null
  printf 'SERIAL 0 115200\nDEFAULT guest\nPROMPT 0\nTIMEOUT 0\nLABEL guest\n  KERNEL vmlinuz\n  INITRD initrd.img\n  APPEND %s\n' \
    "$(cat "$dir/cmdline")" > "$raw.cfg"
  MTOOLS_SKIP_CHECK=1 mcopy -i "$raw@@1M" "$dir/vmlinuz" "$dir/initrd.img" ::/
  MTOOLS_SKIP_CHECK=1 mcopy -i "$raw@@1M" "$raw.cfg" ::/syslinux.cfg
  syslinux --install --offset 1048576 "$raw"
  # the MBR: SYSLINUX's boot code and one active partition (type 0x0e, FAT16 LBA) from sector 2048 to the end
  python3 - "$raw" /usr/lib/syslinux/mbr/mbr.bin <<'PY'
import os, struct, sys
image, code = sys.argv[1], open(sys.argv[2], "rb").read()
assert len(code) <= 440, "mbr.bin larger than the MBR's boot code area"
sectors = os.path.getsize(image) // 512
entry = struct.pack("<B3sB3sII", 0x80, b"\xfe\xff\xff", 0x0E, b"\xfe\xff\xff", 2048, sectors - 2048)
with open(image, "r+b") as f:
    f.write(code.ljust(446, b"\0") + entry + b"\0" * 48 + b"\x55\xaa")
PY
  qemu-img convert -f raw -O qcow2 "$raw" "$dir/disk.qcow2.$$.tmp"
  mv "$dir/disk.qcow2.$$.tmp" "$dir/disk.qcow2"
  log "bootable disk: $(du -h "$dir/disk.qcow2" | cut -f1) qcow2 (${size_mib} MiB virtual) in $dir"
}

kernel_package=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)/\1/p' | head -1)
if [ -z "$kernel_package" ]; then # a fresh machine: no package lists yet
  log "apt-get update"
  qo_as_root apt-get update -qq
  kernel_package=$(apt-cache depends linux-image-cloud-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)/\1/p' | head -1)
fi
[ -n "$kernel_package" ] || { log "apt knows no linux-image-cloud-amd64"; exit 1; }
version=${kernel_package#linux-image-}
# the folder names this script's content too: an edited guest is built anew, never served stale
out=${QEMU_OPERATOR_CACHE:-$HOME/.cache/qemu-operator}/test-guest/$version-$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-12)
if [ -f "$out/initrd.img" ] && [ -f "$out/vmlinuz" ] && [ -f "$out/cmdline" ]; then
  [ -f "$out/disk.qcow2" ] || build_disk "$out"
  echo "$out"
  exit 0
fi

work=$(mktemp -d /tmp/qemu-operator-test-guest.XXXXXX)
scratch+=("$work")
log "building the test guest ($kernel_package, busybox-static) in $work"
(cd "$work" && apt-get download -q "$kernel_package" busybox-static >/dev/null 2>&1) || {
  log "apt-get download $kernel_package busybox-static failed"
  exit 1
}
dpkg -x "$work"/linux-image-*.deb "$work/kernel"
dpkg -x "$work"/busybox-static_*.deb "$work/busybox"

root=$work/root
mkdir -p "$root"/{bin,dev,proc,sys,run,tmp,var/run,var/log,mnt/seed,etc/acpi/PWRF,www/cgi-bin,lib/modules}
cp "$work/busybox/bin/busybox" "$root/bin/busybox"
ln -s bin/busybox "$root/init"
ln -s busybox "$root/bin/sh"
# load order matters: virtio_ring first, or /dev/vda never appears
modules="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk failover
net_failover virtio_net virtio_balloon virtio_console scsi_common scsi_mod virtio_scsi cdrom sr_mod isofs
fat vfat nls_ascii nls_cp437
button evdev"
for m in $modules; do
  found=$(find "$work/kernel/lib/modules/$version" -name "$m.ko" | head -1)
  [ -n "$found" ] || { log "module $m.ko not in $kernel_package"; exit 1; }
  cp "$found" "$root/lib/modules/"
done
echo "$modules" | tr '\n' ' ' > "$root/lib/modules/order"

cat > "$root/etc/inittab" <<'EOF'
::sysinit:/etc/boot
ttyS0::respawn:-/bin/sh
::ctrlaltdel:/bin/poweroff
::shutdown:/bin/sync
EOF
cat > "$root/etc/boot" <<'EOF'
#!/bin/sh
export PATH=/bin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /lib/modules/order); do insmod /lib/modules/$m.ko 2>/dev/null; done
# acpid exits when it finds no input device: wait for the power button's (devtmpfs adds it a moment
# after evdev loads)
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
  ls /dev/input/event* >/dev/null 2>&1 && break
  sleep 0.1
done
acpid  # its pid file and log go to /var/run and /var/log (without them it exits at once)
ip link set lo up
if ip link set eth0 up 2>/dev/null; then
  udhcpc -i eth0 -q -n -t 5 -s /etc/udhcpc.script >/dev/null 2>&1
fi
mdev -s
seed=$(findfs LABEL=cidata 2>/dev/null || findfs LABEL=CIDATA 2>/dev/null || true)
[ -z "$seed" ] || mount -o ro "$seed" /mnt/seed
if [ -f /mnt/seed/meta-data ]; then
  name=$(sed -n 's/^local-hostname: *//p' /mnt/seed/meta-data | tr -d '"\r')
  [ -z "$name" ] || hostname "$name"
fi
if [ -f /mnt/seed/user-data ] && head -1 /mnt/seed/user-data | grep -q '^#!'; then
  cp /mnt/seed/user-data /run/user-data && chmod +x /run/user-data && /run/user-data > /run/user-data.log 2>&1
fi
httpd -p 80 -h /www
echo "qemu-operator test guest ready: $(hostname) $(cat /proc/uptime)" > /dev/ttyS0
# qo.memcheck=MIB on the kernel command line: the memory-integrity checker (off by default)
memcheck=$(sed -n 's/.*qo\.memcheck=\([0-9][0-9]*\).*/\1/p' /proc/cmdline)
[ -z "$memcheck" ] || /bin/memcheck "$memcheck" > /dev/ttyS0 2>&1 &
EOF
cat > "$root/bin/memcheck" <<'EOF'
#!/bin/sh
# memcheck MIB: fills MIB MiB of a tmpfs (guest RAM) with 1 MiB blocks of /dev/urandom, keeping each
# block's md5sum as computed from the stream it wrote, then loops for ever: re-verifies every block
# and rewrites a quarter of them (so memory keeps being dirtied, e.g. during a live migration),
# printing one line per round: "memcheck round=R blocks=B errors=E" (E counts every failed block
# since the start; it never resets).
n=$1
d=/run/memcheck
mkdir -p $d
mount -t tmpfs -o size=$((n + 2))m memcheck $d && mkdir -p $d/sums
write() { # write BLOCK: new random content and its sum
  dd if=/dev/urandom bs=1048576 count=1 2>/dev/null | tee $d/b$1 | md5sum | sed "s|-|$d/b$1|" > $d/sums/$1
}
i=0
while [ $i -lt $n ]; do write $i; i=$((i + 1)); done
echo "memcheck start blocks=$n"
round=0 errors=0 next=0 step=$(((n + 3) / 4))
while true; do
  round=$((round + 1))
  failed=$((n - $(cat $d/sums/* | md5sum -c 2>/dev/null | grep -c ': OK$')))
  errors=$((errors + failed))
  k=0
  while [ $k -lt $step ]; do write $next; next=$(((next + 1) % n)); k=$((k + 1)); done
  echo "memcheck round=$round blocks=$n errors=$errors"
done
EOF
chmod 0755 "$root/bin/memcheck"
cat > "$root/etc/udhcpc.script" <<'EOF'
#!/bin/sh
case "$1" in
  bound | renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    [ -z "$router" ] || ip route add default via "${router%% *}" dev "$interface"
    ;;
esac
EOF
cat > "$root/etc/acpi/PWRF/00000080" <<'EOF'
#!/bin/sh
echo "qemu-operator test guest: power button, powering off" > /dev/ttyS0
poweroff
EOF
cat > "$root/www/cgi-bin/cat" <<'EOF'
#!/bin/sh
case "$QUERY_STRING" in
  /proc/* | /sys/* | /run/*) ;;
  *) printf 'Status: 403 Forbidden\r\n\r\nonly /proc, /sys and /run\n'; exit 0 ;;
esac
case "$QUERY_STRING" in *..*) printf 'Status: 403 Forbidden\r\n\r\n'; exit 0 ;; esac
printf 'Content-Type: text/plain\r\n\r\n'
cat "$QUERY_STRING"
EOF
chmod 0755 "$root/etc/boot" "$root/etc/udhcpc.script" "$root/etc/acpi/PWRF/00000080" "$root/www/cgi-bin/cat"
echo "root:x:0:0:root:/:/bin/sh" > "$root/etc/passwd"

mkdir -p "$out.tmp"
cp "$work/kernel/boot/vmlinuz-$version" "$out.tmp/vmlinuz"
# a newc cpio with /dev/console (the kernel opens it for init), written without a cpio binary
python3 - "$root" "$out.tmp/initrd.img" <<'PY'
import gzip, os, stat, sys
root, target = sys.argv[1], sys.argv[2]
entries = []
for base, dirs, files in os.walk(root):
    dirs.sort()
    for name in sorted(dirs) + sorted(files):
        entries.append(os.path.join(base, name))
ino = 1
def header(name, mode, size, rdev=(0, 0)):
    global ino
    ino += 1
    fields = [ino, mode, 0, 0, 1, 0, size, 0, 0, rdev[0], rdev[1], len(name) + 1, 0]
    h = b"070701" + b"".join(b"%08X" % f for f in fields) + name.encode() + b"\0"
    return h + b"\0" * (-len(h) % 4)
with gzip.open(target, "wb", compresslevel=6) as out:
    out.write(header("dev/console", stat.S_IFCHR | 0o600, 0, (5, 1)))
    for path in entries:
        rel = os.path.relpath(path, root)
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            data = os.readlink(path).encode()
        elif stat.S_ISREG(st.st_mode):
            data = open(path, "rb").read()
        else:
            data = b""
        out.write(header(rel, st.st_mode, len(data)))
        out.write(data + b"\0" * (-len(data) % 4))
    out.write(header("TRAILER!!!", 0, 0))
PY
echo "console=ttyS0 panic=-1 quiet" > "$out.tmp/cmdline"
build_disk "$out.tmp"
rm -rf "$out"
mv "$out.tmp" "$out"
log "test guest $version: $(du -h "$out/vmlinuz" | cut -f1) kernel, $(du -h "$out/initrd.img" | cut -f1) initramfs in $out"
echo "$out"
