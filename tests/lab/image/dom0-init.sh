#!/bin/sh
# /init of a lab dom0. Kernel command line:
#   labname=NAME           this host's name
#   labhosts=n1@ip1,...    names of the peers, for /etc/hosts
#   lablinks=mac@ip/len,.. addresses of the host-to-host links, by NIC MAC
# The control NIC (user-mode, MAC 52:54:00:00:00:xx) gets 10.0.2.15; the
# runner reaches dropbear on it through QEMU's loopback port forward.
# Prints "LAB-READY" on the console once xl and ssh work.
export PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/xen-4.17/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm && mount -t devpts devpts /dev/pts && mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run
# /tmp gets its own tmpfs: the root filesystem (the unpacked image, ~160 MB
# with libvirt) may grow to only half of dom0's memory, too little left for a
# guest's 128 MiB save image.
mount -t tmpfs -o size=384M tmpfs /tmp
mkdir -p /run/xen /run/xenstored /run/sshd /run/libvirt /var/log/xen/console
say() { echo "LAB: $*"; }

name=dom0; hosts=; links=
for a in $(cat /proc/cmdline); do
    case $a in
    labname=*) name=${a#labname=} ;;
    labhosts=*) hosts=${a#labhosts=} ;;
    lablinks=*) links=${a#lablinks=} ;;
    esac
done
hostname "$name"

for m in $(cat /lib/modules/order); do insmod "/lib/modules/$m" || say "insmod $m failed"; done
mount -t xenfs xenfs /proc/xen || say "mount xenfs failed"
# /var/lib is this host's own disk (serial cpucompat-var, ext4), as on a
# real host: the move journal and dpkg's database survive a crash or a
# reboot. A fresh disk gets the image's /var/lib first.
for b in /sys/block/vd*; do
    [ "$(cat "$b/serial" 2>/dev/null)" = cpucompat-var ] || continue
    dev=/dev/${b##*/}
    mkdir -p /mnt/var
    if mount -t ext4 "$dev" /mnt/var; then
        [ -e /mnt/var/.lab-var ] || { cp -a /var/lib/. /mnt/var/ && touch /mnt/var/.lab-var; } || say "populating $dev failed"
        umount /mnt/var && mount -t ext4 "$dev" /var/lib && say "/var/lib on $dev ($(ls /var/lib/cpucompat/moves 2>/dev/null | wc -l) entries in moves/)"
    else
        say "mount $dev failed: /var/lib stays in RAM"
    fi
done
# The fencing disk, under the name every node's sbd is given.
for b in /sys/block/vd*; do
    [ "$(cat "$b/serial" 2>/dev/null)" = cpucompat-sbd ] && ln -sf "/dev/${b##*/}" /dev/lab-sbd
done
# What udev would link: Xen's block hotplug script locks through /dev/stdin.
ln -sf /proc/self/fd /dev/fd; ln -sf /proc/self/fd/0 /dev/stdin; ln -sf /proc/self/fd/1 /dev/stdout; ln -sf /proc/self/fd/2 /dev/stderr

XENSTORED_ROOTDIR=/run/xenstored xenstored --pid-file /run/xen/xenstored.pid || say "xenstored failed"
i=0; while [ ! -f /run/xen/xenstored.pid ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
xen-init-dom0 || say "xen-init-dom0 failed"
cpucompat publish >/dev/null || say "cpucompat publish failed"  # what cpucompat-publish.service does
xenconsoled --pid-file=/run/xenconsoled.pid --log=guest --log-dir=/var/log/xen/console || say "xenconsoled failed"

# Networking: NICs are found by MAC, not by probe order.
ifconfig lo 127.0.0.1 up
printf '127.0.0.1 localhost\n127.0.1.1 %s\n' "$name" > /etc/hosts
for ifc in /sys/class/net/*; do
    dev=${ifc##*/}
    mac=$(cat "$ifc/address")
    case $mac in 52:54:00:00:00:*) ifconfig "$dev" 10.0.2.15 netmask 255.255.255.0 up ;; esac
    for l in $(echo "$links" | tr ',' ' '); do
        [ "${l%@*}" = "$mac" ] || continue
        addr=${l#*@}
        ip addr add "$addr" dev "$dev" && ip link set "$dev" up
    done
done
for h in $(echo "$hosts" | tr ',' ' '); do echo "${h#*@} ${h%@*}" >> /etc/hosts; done
say "addresses: $(ip -o -4 addr show | awk '{printf "%s=%s ", $2, $4}')"

dropbear -r /etc/dropbear/dropbear_ed25519_host_key -p 22 -s -E 2>/var/log/dropbear.log || say "dropbear failed"
/usr/sbin/sshd -E /var/log/sshd.log || say "sshd failed: $(tail -n 3 /var/log/sshd.log)"
cpucompat recover --all >/var/log/cpucompat-recover.log 2>&1 || say "cpucompat recover failed: $(tail -n 3 /var/log/cpucompat-recover.log)"  # what cpucompat-recover.service does
if xl info >/dev/null 2>&1; then say "xl info ok"; else say "xl info failed"; fi
echo "LAB-READY $name"
# Stay up: the lab stops this host by killing QEMU (or `lab exec NAME poweroff -f`).
while true; do sleep 3600; done
