#!/bin/sh
# /init of the lab's guest (PV or PVH): shows what CPU it was given, then a
# heartbeat. Tests read these lines from the guest's console log in dom0.
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
echo "GUEST-HELLO uptime $(cut -d' ' -f1 /proc/uptime)"
# One copy of /proc/cpuinfo, read whole: piping the live file through
# several tools gave empty lines now and then.
cat /proc/cpuinfo > /cpuinfo
while IFS= read -r line; do
    case $line in
    vendor_id*) echo "GUEST-VENDOR ${line#*: }" ;;
    flags*) echo "GUEST-FLAGS ${line#*: }"; break ;;
    esac
done < /cpuinfo
i=0
while true; do
    i=$((i + 1))
    echo "GUEST-TICK $i uptime $(cut -d' ' -f1 /proc/uptime)"
    sleep 2
done
