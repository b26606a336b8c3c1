#!/bin/bash
# make demo: the main job on its embedded default. Boots a two-host Xen 4.17
# pool under QEMU (a = AMD EPYC, b = Intel Skylake-Server), shows each host's
# fingerprint, compares them, creates a guest through the plugin with a
# normalized policy and shows what it hides, moves it across vendors with
# cpucompat migrate (shutdown on a, restart on b), then stops the pool. Every step is printed as
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

wait_line() {  # wait_line HOST GUEST PREFIX: wait for a line of the guest's console, print it
    printf '    waiting for %s on %s' "$3" "$1"
    for _ in $(seq 120); do
        if line=$("$lab" exec "$1" "grep -a '^$3' /var/log/xen/console/guest-$2.log | tail -n 1" 2>/dev/null) && [ -n "$line" ]; then
            printf '\n    %s\n' "${line:0:160}"
            return 0
        fi
        printf '.'
        sleep 2
    done
    echo; echo "    (no $3 line after 240 s)"; return 1
}
shown_hidden() {  # shown_hidden HOST GUEST: which features the guest's kernel sees (Linux names: pni = SSE3)
    flags=$("$lab" exec "$1" "grep -a -m1 GUEST-FLAGS /var/log/xen/console/guest-$2.log" 2>/dev/null)
    for f in sse2 pni ssse3 sse4_1 sse4_2 popcnt avx xsave sse4a abm; do
        if [[ " $flags " == *" $f "* ]]; then printf '    %-8s shown\n' "$f"; else printf '    %-8s hidden\n' "$f"; fi
    done
}

step "A guest on a, created by the plugin with cpu_compat = \"hyperv-r2\" (the Hyper-V 2008 R2 masks)"
"$lab" exec a 'printf "name=\"demo\"\ntype=\"pv\"\nkernel=\"/guest/vmlinux.gz\"\nramdisk=\"/guest/initrd.cpio.gz\"\nextra=\"console=hvc0 quiet\"\nmemory=128\ncpu_compat=\"hyperv-r2\"\n" > /etc/xen/demo.cfg' 2>/dev/null
in_host a "cat /etc/xen/demo.cfg"
in_host a "cpucompat create /etc/xen/demo.cfg && xl list"
wait_line a demo GUEST-FLAGS
step "What the guest on a sees: the features the mode hides are gone from its /proc/cpuinfo"
shown_hidden a demo
in_host a 'xenstore-read /local/domain/$(xl domid demo)/cpucompat | cut -c1-150'

step "Moving it to the Intel host: cpucompat decides before anything moves"
in_host a "cpucompat migrate --dry-run demo b"
step "Across vendors a live move is impossible: clean shutdown on a, fresh start on b"
in_host a "cpucompat migrate demo b"
in_host b "xl list"
wait_line b demo GUEST-VENDOR
wait_line b demo GUEST-FLAGS
step "What the guest on b sees: the same mode, normalized for Intel"
shown_hidden b demo
in_host a "tail -n 1 /var/log/cpucompat/migrations.log | cut -c1-300"

step "Done: stopping the pool"
