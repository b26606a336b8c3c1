#!/bin/bash
# The README's "From two bare hosts", run as written on a fresh Debian 12.
#
#   walkthrough.sh README.md DEB WORKDIR
#
# A Debian 12 root is bootstrapped into WORKDIR (debootstrap, systemd as
# init, as on an installed host) and every block of the README marked
# <!-- walkthrough: NAME --> is taken from the README itself, so the text
# and this check cannot drift apart:
#
#   install    run in the root, with the project's package beside it
#   keys       run (the sbd LUN is a loop device at the README's path)
#   stop       run (Debian starts corosync and pacemaker when installed)
#   corosync   written to /etc/corosync/corosync.conf, then `corosync -t`
#   sbd        its KEY=VALUE lines set in /etc/default/sbd
#   services   run (the start of `enable --now` left out), then the units'
#              links checked
#   configure  run against an empty shadow CIB (CIB_shadow, no cluster
#              runs here), /etc/xen/web.cfg written first; then the CIB is
#              checked by crm_verify and for what each command added
#
# Not run, and said so at the end: `ssh-copy-id root@OTHER` (there is one
# host here), starting the services (a chroot has no systemd running as
# PID 1; `systemctl` there only links units), step 5 (a running cluster:
# the lab's pacemaker_pool suite does those steps on real Xen).
#
# Needs root (chroot, mount, losetup), debootstrap and the network to
# Debian's archive the machine's apt sources name. Prints one line per
# step and closes with "walkthrough: N passed, M failed".
set -euo pipefail

readme=$(realpath "$1")
deb=$(realpath "$2")
work=$3
root=$work/root

passed=0
failed=0
ok() { echo "walkthrough: ok   $*"; passed=$((passed + 1)); }
bad() { echo "walkthrough: FAIL $*" >&2; failed=$((failed + 1)); }

# The block after the marker <!-- walkthrough: NAME -->: its indented lines
# up to the first line that is neither blank nor indented as the first one,
# with that indentation removed.
block() {
    awk -v want="$1" '
        $0 ~ "<!-- walkthrough: " want " -->" { on = 1; next }
        on && !started && /^[[:space:]]*$/ { next }
        on && !started { match($0, /^ */); ind = RLENGTH; started = 1 }
        on && started {
            if ($0 ~ /^[[:space:]]*$/) { buf = buf "\n"; next }
            match($0, /^ */)
            if (RLENGTH < ind) exit
            out = out buf substr($0, ind + 1) "\n"; buf = ""
        }
        END { printf "%s", out }' "$readme"
}
for b in install keys stop corosync sbd services configure; do
    [ -n "$(block "$b")" ] || { echo "walkthrough: $readme has no block marked <!-- walkthrough: $b -->" >&2; exit 1; }
done

# Debian's archive as this machine's apt is set up to reach it.
mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $2 ~ /^http/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$mirror" ] || { echo "walkthrough: no Debian archive in this machine's apt sources" >&2; exit 1; }

# Everything mounted under the root (the machine's apt cache among them) is
# unmounted before the root is removed, also what a killed run left.
unmount_all() {
    local m
    [ -d "$root" ] || return 0
    for m in $(awk -v r="$(realpath "$root")" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/mounts | sort -r); do
        umount -l "$m"
    done
    ! awk -v r="$(realpath "$root")" '$2 == r || index($2, r "/") == 1 { f = 1 } END { exit !f }' /proc/mounts
}
loop=
cleanup() {
    unmount_all || echo "walkthrough: something is still mounted under $root" >&2
    [ -z "$loop" ] || losetup -d "$loop" 2>/dev/null || true
}
trap cleanup EXIT

# SYSTEMD_OFFLINE: systemctl links units and says it ignores start and stop
# (without it, it fails for want of a running systemd).
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
                DEBIAN_FRONTEND=noninteractive SYSTEMD_OFFLINE=1 "$@"; }

mkdir -p "$work"
unmount_all || { echo "walkthrough: cannot unmount what is mounted under $root" >&2; exit 1; }
rm -rf "$root"
t0=$SECONDS
# The packages already fetched on this machine (make deps) are reused.
debootstrap --variant=minbase --include=systemd-sysv --cache-dir=/var/cache/apt/archives \
    bookworm "$root" "$mirror" > "$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log" >&2; echo "walkthrough: debootstrap failed" >&2; exit 1; }
mount -t proc proc "$root/proc"
mount -t sysfs sys "$root/sys"
mount --bind /var/cache/apt/archives "$root/var/cache/apt/archives"
# The archive as this machine has it (with its security updates, as an
# installed host has them: the package was built against those); apt's
# question answered as the admin would.
rm -f "$root/etc/apt/sources.list"
[ ! -f /etc/apt/sources.list ] || cp /etc/apt/sources.list "$root/etc/apt/"
for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do [ ! -f "$f" ] || cp "$f" "$root/etc/apt/sources.list.d/"; done
echo 'APT::Get::Assume-Yes "true";' > "$root/etc/apt/apt.conf.d/90walkthrough"
in_root apt-get update -qq
echo "walkthrough: Debian 12 root in $root ($((SECONDS - t0)) s)"

# Step 1, with the package in the working directory. The line that needs the
# other host is left out here.
cp "$deb" "$root/root/"
t0=$SECONDS
rc=0
in_root bash -ec "cd /root; $(block install | grep -v 'ssh-copy-id root@OTHER')" > "$work/install.log" 2>&1 || rc=$?
# (Output is taken whole before it is tested: under pipefail, `... | grep -q`
# fails when grep stops reading early and the writer dies of SIGPIPE.)
missing=$(in_root sh -c 'for p in xen-cpucompat pacemaker pacemaker-cli-utils corosync crmsh resource-agents sbd fence-agents; do
                             s=$(dpkg-query -W -f="\${db:Status-Abbrev}" $p 2>/dev/null); case $s in ii*) ;; *) echo $p;; esac; done')
if [ "$rc" -ne 0 ] || [ -n "$missing" ]; then
    tail -30 "$work/install.log" >&2
    bad "install: exit $rc, or not installed:${missing:+ }$(echo $missing) ($((SECONDS - t0)) s)"
else
    ok "install: the package and the HA stack installed by apt ($((SECONDS - t0)) s)"
fi
[ -s "$root/root/.ssh/id_ed25519.pub" ] && ok "install: root's ssh key made" || bad "install: no /root/.ssh/id_ed25519.pub"
in_root sh -c 'command -v ssh-copy-id' > /dev/null && ok "install: ssh-copy-id is there (not run: one host)" ||
    bad "install: no ssh-copy-id"
[ -x "$root/usr/lib/ocf/resource.d/cpucompat/XenDomain" ] && [ -x "$root/usr/lib/ocf/resource.d/cpucompat/PoolLevel" ] &&
    ok "install: ocf:cpucompat:XenDomain and PoolLevel installed" || bad "install: the agents are not in /usr/lib/ocf/resource.d/cpucompat"

# Step 2. The LUN: a loop device, as a block device node at the README's path.
truncate -s 16M "$work/sbd-lun.img"
loop=$(losetup -f --show "$work/sbd-lun.img")
mkdir -p "$root/dev/disk/by-id"
rm -f "$root/dev/disk/by-id/SBD-LUN"
read -r major minor < <(stat -c '%Hr %Lr' "$loop")
mknod "$root/dev/disk/by-id/SBD-LUN" b "$major" "$minor"
if in_root bash -ec "$(block keys)" > "$work/keys.log" 2>&1; then
    [ "$(stat -c '%a %s' "$root/etc/corosync/authkey")" = "400 256" ] && ok "keys: corosync-keygen wrote a 256-byte authkey, mode 0400" ||
        bad "keys: authkey is $(stat -c '%a %s' "$root/etc/corosync/authkey")"
    dump=$(in_root sbd -d /dev/disk/by-id/SBD-LUN dump 2>&1 || true)
    grep -q 'Timeout (msgwait) *: 10' <<< "$dump" && ok "keys: the sbd LUN has its header (sbd's defaults: msgwait 10 s)" ||
        bad "keys: sbd dump: $dump"
else
    cat "$work/keys.log" >&2
    bad "keys: the block failed"
fi

# Step 3.
in_root bash -ec "$(block stop)" > "$work/stop.log" 2>&1 && ok "stop: runs (in a chroot systemctl only says it ignores the stop)" ||
    { cat "$work/stop.log" >&2; bad "stop: the block failed"; }
block corosync > "$root/etc/corosync/corosync.conf"
if in_root corosync -t > "$work/corosync-t.log" 2>&1; then
    ok "corosync: corosync -t accepts the README's corosync.conf"
else
    cat "$work/corosync-t.log" >&2
    bad "corosync: corosync -t refuses the README's corosync.conf"
fi
while IFS= read -r kv; do
    [ -n "$kv" ] || continue
    k=${kv%%=*}
    if grep -q "^#*${k}=" "$root/etc/default/sbd"; then
        sed -i "s|^#*${k}=.*|${kv}|" "$root/etc/default/sbd"
    else
        echo "$kv" >> "$root/etc/default/sbd"
    fi
done < <(block sbd)
# What sbd's unit reads: the README's values, and a device sbd can read.
dev=$(in_root bash -c '. /etc/default/sbd; echo "$SBD_DEVICE"')
in_root sbd -d "$dev" list > /dev/null 2>&1 && ok "sbd: /etc/default/sbd names the LUN ($dev), and sbd reads it" ||
    bad "sbd: SBD_DEVICE=$dev is not readable by sbd"
# `enable --now`: the enable is done, the start cannot be (no systemd runs).
if in_root bash -ec "$(block services | sed 's/ --now / /')" > "$work/services.log" 2>&1; then
    missing=
    for l in corosync.service.requires/sbd.service pacemaker.service.requires/sbd.service \
             multi-user.target.wants/corosync.service multi-user.target.wants/pacemaker.service; do
        [ -L "$root/etc/systemd/system/$l" ] || missing="$missing $l"
    done
    [ -z "$missing" ] && ok "services: sbd is required by corosync and pacemaker, both enabled (not started: no systemd runs here)" ||
        bad "services: missing links:$missing"
else
    cat "$work/services.log" >&2
    bad "services: the block failed"
fi

# Step 4, on an empty shadow CIB. web.cfg is a domain the admin has: a PVH
# domain in mode level:x86-64-v2 (a mode with a floor, so the constraint
# command has a rule to give).
mkdir -p "$root/etc/xen"
cat > "$root/etc/xen/web.cfg" <<'EOF'
name = "web"
type = "pvh"
kernel = "/boot/vmlinuz"
memory = 512
vcpus = 1
disk = [ "phy:/dev/disk/by-id/WEB-LUN,xvda,w" ]
cpu_compat = "level:x86-64-v2"
EOF
in_root crm_shadow --create-empty walkthrough --batch --force > /dev/null 2>&1
shadow=$root/var/lib/pacemaker/cib/shadow.walkthrough
if in_root env CIB_shadow=walkthrough bash -ec "$(block configure)" > "$work/configure.log" 2>&1; then
    ok "configure: every command of the block succeeds"
else
    cat "$work/configure.log" >&2
    bad "configure: the block failed"
fi
if in_root crm_verify -V -x /var/lib/pacemaker/cib/shadow.walkthrough > "$work/verify.log" 2>&1; then
    ok "configure: crm_verify accepts the resulting CIB"
else
    cat "$work/verify.log" >&2
    bad "configure: crm_verify refuses the resulting CIB"
fi
for want in 'name="stonith-enabled" value="true"' \
            'id="fence-sbd" class="stonith" type="fence_sbd"' \
            'id="pool-level" class="ocf" provider="cpucompat" type="PoolLevel"' \
            '<clone id="pool-level-clone"' \
            'id="web" class="ocf" provider="cpucompat" type="XenDomain"' \
            'name="allow-migrate" value="true"' \
            '<rsc_location id="cpucompat-floor-web" rsc="web"' \
            'attribute="cpucompat-floor-hvm-level-x86-64-v2" operation="ne" value="yes"'; do
    grep -qF "$want" "$shadow" && ok "configure: the CIB has $want" || bad "configure: the CIB lacks $want"
done

echo "walkthrough: not run here: ssh-copy-id root@OTHER (one host), starting sbd, corosync and pacemaker (no systemd as PID 1 in a chroot), step 5 (a running cluster: the lab's pacemaker_pool suite)"
echo "walkthrough: $passed passed, $failed failed"
[ "$failed" -eq 0 ] || exit 1
# The root (2 GB) goes; its logs stay in WORKDIR. WALKTHROUGH_KEEP=1 keeps it.
if [ -z "${WALKTHROUGH_KEEP:-}" ]; then
    cleanup
    loop=
    unmount_all && rm -rf "$root"
fi
