#!/bin/sh
# The qemu image's user, run as root inside the image's root file system once the packages are in
# (images/qemu/Dockerfile's RUN, hack/images.sh's mmdebstrap customize hook): uid/gid 65532 "qemu"
# (the VM pod's fsGroup, so it writes disk images on fresh claims), also in group kvm (for a node whose
# /dev/kvm only that group may open; without /dev/kvm QEMU uses TCG).
set -eu
groupadd --system --gid 65532 qemu
getent group kvm >/dev/null || groupadd --system kvm
useradd --system --uid 65532 --gid 65532 --groups kvm --home-dir /nonexistent --shell /usr/sbin/nologin qemu
