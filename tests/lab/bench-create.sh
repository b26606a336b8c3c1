#!/usr/bin/env bash
# `make bench`, lab part: the time of `xl create -p` of one PV guest with and
# without the cpucompat plugin, on one lab host. Each round runs every
# variant once, back to back, so all see the same machine; the ratio to
# plain xl is taken per round and its median reported, with the spread
# (25th..75th percentile) beside it. The goal (issue 4) is a ratio of at
# most 1.05. A third variant, the plugin loaded with cpu_compat="off",
# splits the cost of loading the plugin into xl from the cost of its work.
# Under QEMU TCG one xl create takes about 3 s and single runs vary by
# +-10% (most of it is gunzipping the guest's kernel), hence RUNS rounds.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lab="$here/lab"
runs=${RUNS:-15}
host=bench
trap '"$lab" down >/dev/null 2>&1 || true' EXIT INT TERM
"$lab" down >/dev/null 2>&1 || true
"$lab" up "$host=EPYC" >&2

# The guest's config names a mode and its guest OS, so the plugin has its
# full work to do (the policy and the guest check, issue 12); bc-off.cfg is
# the same guest with cpu_compat="off".
base='name="bc"\ntype="pv"\nkernel="/guest/vmlinux.gz"\nramdisk="/guest/initrd.cpio.gz"\nmemory=128\n'
"$lab" exec "$host" "printf '${base}cpu_compat=\"level:x86-64-v2\"\ncpu_compat_guest=\"rhel-9\"\n' > /etc/xen/bc.cfg && printf '${base}cpu_compat=\"off\"\n' > /etc/xen/bc-off.cfg" 2>/dev/null
echo "bench: $runs rounds of xl create -p (plain, plugin, plugin with mode off) on $host" >&2
err=$(mktemp)
out=$("$lab" exec "$host" "
    ms() { awk '{printf \"%d\", \$1 * 1000}' /proc/uptime; }
    for i in \$(seq $runs); do
        for p in plain plugin loaded-off; do
            pre=/usr/lib/cpucompat/libxl-cpucompat.so cfg=/etc/xen/bc.cfg
            [ \$p = plain ] && pre=
            [ \$p = loaded-off ] && cfg=/etc/xen/bc-off.cfg
            s=\$(ms); LD_PRELOAD=\$pre xl create -p \$cfg >/tmp/bc.log 2>&1 || { cat /tmp/bc.log >&2; exit 1; }
            e=\$(ms); echo \"\$i \$p \$((e - s))\"; xl destroy bc
        done
        echo \"round \$i of $runs\" >&2
    done" 2>"$err") || { grep -v dbclient "$err" >&2; exit 1; }
rm -f "$err"

# quantiles Q...: the given quantiles (0..1) of the numbers on stdin.
quantiles() { sort -g | awk -v qs="$*" '{a[NR] = $1} END {n = split(qs, q, " "); for (i = 1; i <= n; i++) {
    k = q[i] * (NR - 1) + 1; lo = int(k); hi = lo < NR ? lo + 1 : lo; printf "%s%.3f", (i > 1 ? " " : ""), a[lo] + (k - lo) * (a[hi] - a[lo]) }
    print ""}'; }
times() { echo "$out" | awk -v v="$1" '$2 == v {print $3}'; }
ratios() { echo "$out" | awk -v v="$1" '$2 == "plain" {b[$1] = $3} $2 == v {r[$1] = $3} END {for (i in r) print r[i] / b[i]}'; }
row() {  # row LABEL VARIANT
    read -r p25 med p75 < <(times "$2" | quantiles 0.25 0.5 0.75)
    if [ "$2" = plain ]; then
        printf '%-42s %8.0f ms %6.0f..%-6.0f %s\n' "$1" "$med" "$p25" "$p75" "(baseline)"
    else
        read -r r25 rmed r75 < <(ratios "$2" | quantiles 0.25 0.5 0.75)
        printf '%-42s %8.0f ms %6.0f..%-6.0f %6.3f  (%.3f..%.3f)\n' "$1" "$med" "$p25" "$p75" "$rmed" "$r25" "$r75"
    fi
}
printf '\nlab benchmark: xl create -p, PV 128 MiB guest, QEMU TCG EPYC, %s rounds\n' "$runs"
printf '%-42s %11s %-14s %s\n' "variant" "median" " p25..p75" "ratio to plain xl: median of rounds (p25..p75)"
row "plain xl" plain
row "plugin, level:x86-64-v2 + guest rhel-9" plugin
row "plugin loaded, cpu_compat=off" loaded-off
echo "goal: ratio <= 1.05"
