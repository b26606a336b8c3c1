#!/bin/sh
# /init of the lab's guest (PV or PVH): shows what CPU it was given, then a
# heartbeat. Tests read these lines from the guest's console log in dom0.
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
echo "GUEST-HELLO uptime $(cut -d' ' -f1 /proc/uptime)"
echo "GUEST-VENDOR $(grep -m1 ^vendor_id /proc/cpuinfo | sed 's/.*: //')"
echo "GUEST-FLAGS $(grep -m1 ^flags /proc/cpuinfo | sed 's/.*: //')"
i=0
while true; do
    i=$((i + 1))
    echo "GUEST-TICK $i uptime $(cut -d' ' -f1 /proc/uptime)"
    sleep 2
done
