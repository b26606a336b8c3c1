#!/bin/bash
# make demo: the main job on its embedded default. Boots a two-host Xen 4.17
# pool under QEMU (a = AMD EPYC, b = Intel Skylake-Server), shows each host's
# fingerprint, compares them, creates a guest with a normalized policy on each
# host and shows what it hides, then stops the pool. Every step is printed as
# it goes; the pool is stopped also when a step fails.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lab=$here/lab
export LAB_STATE=${LAB_STATE:-$here/../../build/lab/demo}

step() { printf '\n==> %s\n' "$*"; }
run() { printf '    $ %s\n' "$*"; }
in_host() {  # in_host HOST CMD: show and run CMD in HOST's dom0
    run "lab exec $1 '$2'"
    "$lab" exec "$1" "$2" 2> >(grep -v 'skipping hostkey check' | grep -v '^$' >&2) | sed 's/^/    /'
}
trap '"$lab" down' EXIT

step "Booting two Xen 4.17 hosts under QEMU (TCG): a = AMD EPYC, b = Intel Skylake-Server"
"$lab" up a=EPYC b=Skylake-Server

step "Each host's CPU, as Xen reports it (cpucompat host)"
for h in a b; do in_host "$h" "cpucompat host --policy pv-max"; done

step "Can a domain move between them? (cpucompat compare, Xen's PV Max policies)"
"$lab" exec a 'cpucompat --json host --policy pv-max' 2>/dev/null > "$LAB_STATE/a.json"
"$lab" exec b 'cpucompat --json host --policy pv-max' 2>/dev/null > "$LAB_STATE/b.json"
for pair in "a b" "b a"; do
    set -- $pair
    run "cpucompat compare $1.json $2.json"
    "$here/../../build/bin/cpucompat" compare "$LAB_STATE/$1.json" "$LAB_STATE/$2.json" | sed 's/^/    /' | head -12 || true
done

step "A guest on each host with the Hyper-V 2008 R2 compatibility policy"
for h in a b; do
    in_host "$h" "cpucompat --json host --policy pv-default > /tmp/host.json && cpucompat normalize --xl --guest-type pv --mode hyperv-r2 /tmp/host.json | tee /tmp/cpuid.line"
    "$lab" exec "$h" 'printf "name=\"demo\"\ntype=\"pv\"\nkernel=\"/guest/vmlinux\"\nramdisk=\"/guest/initrd.cpio.gz\"\nextra=\"console=hvc0 quiet\"\nmemory=128\n%s\n" "$(cat /tmp/cpuid.line)" > /etc/xen/demo.cfg' 2>/dev/null
    in_host "$h" "xl create /etc/xen/demo.cfg && xl list"
    printf '    waiting for the guest to boot'
    for _ in $(seq 90); do
        "$lab" exec "$h" 'grep -qa GUEST-FLAGS /var/log/xen/console/guest-demo.log' 2>/dev/null && break
        printf '.'
        sleep 2
    done
    echo
    step "What the guest on $h sees: the features the policy hides are gone from its /proc/cpuinfo"
    flags=$("$lab" exec "$h" 'grep -a -m1 GUEST-FLAGS /var/log/xen/console/guest-demo.log' 2>/dev/null)
    for f in sse2 sse3 ssse3 sse4_1 sse4_2 popcnt avx xsave sse4a abm; do
        if [[ " $flags " == *" $f "* ]]; then printf '    %-8s shown\n' "$f"; else printf '    %-8s hidden\n' "$f"; fi
    done
    in_host "$h" "xl destroy demo"
done

step "Done: stopping the pool"
