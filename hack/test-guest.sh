#!/usr/bin/env bash
# The tiny test guest, built here from Debian packages and cached: Debian's cloud kernel and a busybox
# initramfs that boots to a shell on ttyS0 in seconds under TCG. Prints the folder that holds
# `vmlinuz`, `initrd.img` and `cmdline` (the kernel arguments to boot it with).
#
#   dir=$(bash hack/test-guest.sh); qemu-system-x86_64 -kernel "$dir/vmlinuz" -initrd "$dir/initrd.img" \
#     -append "$(cat "$dir/cmdline")" ...
#
# What the guest does, in order: loads the virtio, CD-ROM, FAT/ISO and ACPI-button modules; starts
# acpid (the ACPI power button powers it off: system_powerdown works); brings eth0 up with DHCP
# (QEMU user networking); mounts a NoCloud seed (a filesystem labelled cidata or CIDATA) when one is
# attached, sets the hostname from meta-data's local-hostname and runs user-data when it is a shell
# script; serves HTTP on port 80 (/cgi-bin/cat?PATH answers a file under /proc or /sys, e.g.
# /cgi-bin/cat?/proc/meminfo); prints "qemu-operator test guest ready" on ttyS0; then a root shell on
# ttyS0. Packages come from the machine's apt sources (apt-get download, dpkg -x: nothing installed).
# Cached under ${QEMU_OPERATOR_CACHE:-~/.cache/qemu-operator}/test-guest/<kernel version>/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tools.sh
source "$here/tools.sh"
log() { qo_log_as test-guest "$@"; }

kernel_package=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)/\1/p' | head -1)
if [ -z "$kernel_package" ]; then # a fresh machine: no package lists yet
  log "apt-get update"
  qo_as_root apt-get update -qq
  kernel_package=$(apt-cache depends linux-image-cloud-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)/\1/p' | head -1)
fi
[ -n "$kernel_package" ] || { log "apt knows no linux-image-cloud-amd64"; exit 1; }
version=${kernel_package#linux-image-}
out=${QEMU_OPERATOR_CACHE:-$HOME/.cache/qemu-operator}/test-guest/$version
if [ -f "$out/initrd.img" ] && [ -f "$out/vmlinuz" ] && [ -f "$out/cmdline" ]; then
  echo "$out"
  exit 0
fi

work=$(mktemp -d /tmp/qemu-operator-test-guest.XXXXXX)
trap 'rm -rf "$work"' EXIT
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
net_failover virtio_net virtio_balloon virtio_console cdrom sr_mod isofs fat vfat nls_ascii nls_cp437
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
EOF
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
rm -rf "$out"
mv "$out.tmp" "$out"
log "test guest $version: $(du -h "$out/vmlinuz" | cut -f1) kernel, $(du -h "$out/initrd.img" | cut -f1) initramfs in $out"
echo "$out"
