#!/bin/bash
# Builds the lab guest's initramfs (busybox, guest-init.sh, and
# guest-poweroff.sh as /sbin/poweroff for shutdown requests, xen-blkfront
# for a guest given a disk).
# Usage: mk-guest.sh OUT.cpio.gz KVER
set -euo pipefail
out=${1:?usage: mk-guest.sh OUT.cpio.gz KVER} kver=${2:?usage: mk-guest.sh OUT.cpio.gz KVER}
here=$(cd "$(dirname "$0")" && pwd)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,proc,sys,dev,lib/modules}
cp /bin/busybox "$root/bin/busybox"
for a in sh mount echo cat sleep grep sed cut tr dd insmod printf; do ln -s busybox "$root/bin/$a"; done
cp "/lib/modules/$kver/kernel/drivers/block/xen-blkfront.ko" "$root/lib/modules/"
install -m 0755 "$here/guest-init.sh" "$root/init"
install -m 0755 "$here/guest-poweroff.sh" "$root/sbin/poweroff"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$out.tmp"
mv "$out.tmp" "$out"
