#!/usr/bin/env bash
# `make bench`, lab part: the time of `xl create -p` of one PV guest with and
# without the cpucompat plugin, on one lab host, runs interleaved so both see
# the same machine; medians side by side. The goal (issue 4) is a ratio of
# at most 1.05. A third row, the plugin loaded with cpu_compat="off", splits
# the cost of loading the plugin into xl from the cost of its work. Under QEMU TCG single runs vary by several seconds, hence
# RUNS runs of each.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lab="$here/lab"
runs=${RUNS:-5}
host=bench
trap '"$lab" down >/dev/null 2>&1 || true' EXIT INT TERM
"$lab" down >/dev/null 2>&1 || true
"$lab" up "$host=EPYC" >&2

# The guest's config names a mode, so the plugin has its full work to do;
# bc-off.cfg is the same guest with cpu_compat="off".
base='name="bc"\ntype="pv"\nkernel="/guest/vmlinux.gz"\nramdisk="/guest/initrd.cpio.gz"\nmemory=128\n'
"$lab" exec "$host" "printf '${base}cpu_compat=\"level:x86-64-v2\"\n' > /etc/xen/bc.cfg && printf '${base}cpu_compat=\"off\"\n' > /etc/xen/bc-off.cfg" 2>/dev/null
err=$(mktemp)
out=$("$lab" exec "$host" "
    ms() { awk '{printf \"%d\", \$1 * 1000}' /proc/uptime; }
    for i in \$(seq $runs); do
        for p in plain plugin loaded-off; do
            pre=/usr/local/lib/cpucompat/libxl-cpucompat.so cfg=/etc/xen/bc.cfg
            [ \$p = plain ] && pre=
            [ \$p = loaded-off ] && cfg=/etc/xen/bc-off.cfg
            s=\$(ms); LD_PRELOAD=\$pre xl create -p \$cfg >/tmp/bc.log 2>&1 || { cat /tmp/bc.log >&2; exit 1; }
            e=\$(ms); echo \"\$p \$((e - s))\"; xl destroy bc
        done
    done" 2>"$err") || { grep -v dbclient "$err" >&2; exit 1; }
rm -f "$err"
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2] + a[NR/2+1]) / 2)}'; }
plain=$(echo "$out" | awk '$1 == "plain" {print $2}' | median)
plugin=$(echo "$out" | awk '$1 == "plugin" {print $2}' | median)
off=$(echo "$out" | awk '$1 == "loaded-off" {print $2}' | median)
printf '\n%-44s %12s %12s %8s\n' "lab benchmark ($runs runs each, median)" "baseline" "cpucompat" "ratio"
printf '%-44s %10s ms %10s ms %8s\n' "xl create -p, PV 128 MiB (QEMU TCG EPYC)" "$plain" "$plugin" \
    "$(awk -v a="$plugin" -v b="$plain" 'BEGIN {printf "%.3f", a / b}')"
printf '%-44s %10s ms %10s ms %8s\n' "  the same, plugin loaded, cpu_compat=off" "$plain" "$off" \
    "$(awk -v a="$off" -v b="$plain" 'BEGIN {printf "%.3f", a / b}')"
echo "goal: ratio <= 1.05 (baseline: plain xl; cpucompat: the same xl with the plugin, mode level:x86-64-v2)"
