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
# A guest given a disk (xvda) keeps a counter on its first sector: read at
# boot (GUEST-DISK-START, what the last writer left), then one more written
# and synced before each GUEST-DISK line. A move that loses writes shows a
# start below the last count printed elsewhere; two copies writing show it
# going backwards.
insmod /lib/modules/xen-blkfront.ko 2>/dev/null
n=
i=0
vbd=
for d in /sys/bus/xen/devices/vbd-*; do [ -e "$d" ] && vbd=1; done
while [ -n "$vbd" ] && [ $i -lt 20 ] && [ ! -b /dev/xvda ]; do sleep 0.5; i=$((i + 1)); done
if [ -b /dev/xvda ]; then
    n=$(dd if=/dev/xvda bs=512 count=1 iflag=direct 2>/dev/null | tr -dc '0-9')
    n=${n:-0}
    echo "GUEST-DISK-START $n"
fi
i=0
while true; do
    i=$((i + 1))
    echo "GUEST-TICK $i uptime $(cut -d' ' -f1 /proc/uptime)"
    if [ -n "$n" ]; then
        n=$((n + 1))
        printf '%-511s\n' "$n" | dd of=/dev/xvda bs=512 count=1 conv=notrunc,fsync oflag=direct 2>/dev/null && echo "GUEST-DISK $n"
    fi
    sleep 2
done
