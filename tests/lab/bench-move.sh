#!/usr/bin/env bash
# `make bench`, lab part 2: what the wrapper costs a move, each beside the
# plain xl way of the same move of the same guest, in the same run.
#   live:    `cpucompat migrate` of a 96 MiB PVH guest EPYC -> EPYC-Milan
#            beside plain `xl migrate` of it the same way (goal <= 1.10x;
#            the wrapper adds its checks' ssh round trips).
#   restart: the downtime of `cpucompat migrate` of a 128 MiB PV guest
#            EPYC -> Skylake-Server (its shutdown starting -> the guest's
#            first console line on the receiver) beside plain `xl shutdown`
#            here + `xl create` there (goal: at most +2 s).
# Both clocks are the sender's: its dom0 timestamps the wrapper's progress
# line and a line an ssh session to the receiver prints the moment the
# guest's console there shows GUEST-HELLO (polled there every 0.1 s), the
# same way for both variants. RUNS rounds (default 3), each variant once
# per round, back to back; medians and per-round ratios/differences.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lab="$here/lab"
runs=${RUNS:-3}
trap '"$lab" down >/dev/null 2>&1 || true' EXIT INT TERM
"$lab" down >/dev/null 2>&1 || true
"$lab" up a=EPYC c=EPYC-Milan b=Skylake-Server >&2
x() { "$lab" exec "$@" 2>/dev/null; }

# The guests, as the system tests make them (tests/lab/system/lab_client.cpp).
pvh='name="bl"\ntype="pvh"\nkernel="/guest/vmlinuz"\nramdisk="/guest/initrd.cpio.gz"\nextra="console=hvc0 quiet"\nmemory=96\nvcpus=1\ncpuid="host,rdtscp=0"\ncpu_compat="file:/etc/xen/no-nested.yaml"\n'
pv='name="br"\ntype="pv"\nkernel="/guest/vmlinux.gz"\nramdisk="/guest/initrd.cpio.gz"\nextra="console=hvc0 quiet"\nmemory=128\nvcpus=1\ncpu_compat="level:x86-64-v2"\n'
for h in a b c; do
    x "$h" "printf 'name: no-nested\nhide: [svm, vmx]\n' > /etc/xen/no-nested.yaml; printf '$pvh' > /etc/xen/bl.cfg; printf '$pv' > /etc/xen/br.cfg"
done
# ms: the sender's clock. waitlife HOST: an ssh session that prints "up"
# when guest br's console on HOST shows its first line.
common='ms() { awk "{printf \"%d\", \$1 * 1000}" /proc/uptime; }
waitlife() { ssh "$1" "i=0; until grep -q ^GUEST-HELLO /var/log/xen/console/guest-br.log 2>/dev/null; do [ \$i -lt 3000 ] || exit 1; sleep 0.1; i=\$((i + 1)); done; echo up" | while read -r l; do echo "up $(ms)"; done; }'
ready() { x "$1" "i=0; until grep -q ^GUEST-TICK /var/log/xen/console/guest-$2.log 2>/dev/null; do [ \$i -lt 300 ] || exit 1; sleep 1; i=\$((i + 1)); done"; }

x a "cpucompat create /etc/xen/bl.cfg >/dev/null" && ready a bl
x a "cpucompat create /etc/xen/br.cfg >/dev/null" && ready a br
out=""
for i in $(seq "$runs"); do
    echo "bench: round $i of $runs: live (wrapper a->c, plain a->c; each back with xl migrate)" >&2
    t=$(x a "$common
        s=\$(ms); cpucompat migrate bl c >/dev/null 2>/tmp/bl.log || { cat /tmp/bl.log >&2; exit 1; }; echo \$((\$(ms) - s))")
    out+="$i live-wrapper $t"$'\n'
    x c "xl migrate bl a >/dev/null 2>&1"
    t=$(x a "$common
        s=\$(ms); xl migrate bl c >/dev/null 2>&1 || exit 1; echo \$((\$(ms) - s))")
    out+="$i live-plain $t"$'\n'
    x c "xl migrate bl a >/dev/null 2>&1"

    echo "bench: round $i of $runs: restart downtime (wrapper a->b, plain xl shutdown + xl create a->b)" >&2
    x b "rm -f /var/log/xen/console/guest-br.log"
    t=$(x a "$common
        waitlife b > /tmp/up.t &
        w=\$!
        cpucompat migrate --shutdown-timeout 120 br b 2>&1 >/dev/null | while read -r l; do case \$l in *'...  shutdown') echo \"down \$(ms)\";; esac; done > /tmp/down.t
        wait \$w
        echo \$((\$(cut -d' ' -f2 /tmp/up.t) - \$(cut -d' ' -f2 /tmp/down.t)))")
    out+="$i restart-wrapper $t"$'\n'
    x b "xl destroy br"; x a "rm -f /var/log/xen/console/guest-br.log; cpucompat create /etc/xen/br.cfg >/dev/null" && ready a br
    x b "rm -f /var/log/xen/console/guest-br.log"
    t=$(x a "$common
        waitlife b > /tmp/up.t &
        w=\$!
        s=\$(ms); xl shutdown -w br >/dev/null 2>&1; ssh b xl create /etc/xen/br.cfg >/dev/null 2>&1
        wait \$w
        echo \$((\$(cut -d' ' -f2 /tmp/up.t) - s))")
    out+="$i restart-plain $t"$'\n'
    x b "xl destroy br"; x a "rm -f /var/log/xen/console/guest-br.log; cpucompat create /etc/xen/br.cfg >/dev/null" && ready a br
done

med() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
col() { echo "$out" | awk -v v="$1" '$2 == v {print $3}'; }
per_round() {  # per_round A B OP: A OP B for each round
    echo "$out" | awk -v a="$1" -v b="$2" -v op="$3" '$2 == a {x[$1] = $3} $2 == b {y[$1] = $3}
        END {for (i in x) print (op == "/" ? x[i] / y[i] : (x[i] - y[i]) / 1000)}'
}
printf '\nlab benchmark: moves under QEMU TCG, %s rounds (all times on the sender'"'"'s clock)\n' "$runs"
printf '%-58s %10s\n' "live move, 96 MiB PVH, EPYC -> EPYC-Milan" "median"
printf '  %-56s %8.2f s  (baseline)\n' "plain xl migrate" "$(col live-plain | med | awk '{print $1 / 1000}')"
printf '  %-56s %8.2f s  ratio %.3f (median of rounds; goal <= 1.10)\n' "cpucompat migrate (checks, then xl migrate)" \
    "$(col live-wrapper | med | awk '{print $1 / 1000}')" "$(per_round live-wrapper live-plain / | med)"
printf '%-58s %10s\n' "restart downtime, 128 MiB PV, EPYC -> Skylake-Server" "median"
printf '  %-56s %8.2f s  (baseline)\n' "plain xl shutdown here + xl create there" "$(col restart-plain | med | awk '{print $1 / 1000}')"
printf '  %-56s %8.2f s  %+.2f s (median of rounds; goal <= +2 s)\n' "cpucompat migrate (shutdown -> first line there)" \
    "$(col restart-wrapper | med | awk '{print $1 / 1000}')" "$(per_round restart-wrapper restart-plain - | med)"
echo "$out" | sed '/^$/d' | sed 's/^/  raw: round /' >&2
