#!/bin/bash
# Installs the project's Debian package into a lab dom0 root with dpkg, the
# way a Debian host gets it: dpkg --root unpacks it, records it in the
# root's dpkg database and runs its maintainer scripts chrooted there (the
# postinst enables the publish unit through deb-systemd-helper).
#
# What the root needs for that comes from this machine's own packages:
#   - copied whole (files but docs, plus their dpkg records): dpkg itself
#     with what it requires on PATH: GNU tar, ldconfig (libc-bin);
#     perl-base and init-system-helpers (deb-systemd-helper), bash and
#     bash-completion (the package's completion is tested in the lab);
#   - of the packages the .deb depends on (and theirs, recursively: dpkg
#     checks its whole database), the image already holds what the lab runs
#     (the libraries in its ldd closure, Xen's userspace, copied by
#     mk-dom0.sh); their dpkg records say they are installed, which is what
#     "dpkg -i with the dependencies already in the image" means.
# Libraries come as mk-dom0.sh's do (copy-libs.sh): the ldd closure of every
# program copied here and of the package's own binaries.
# Usage: install-deb.sh ROOT DEB
set -euo pipefail
root=${1:?} deb=${2:?}
here=$(cd "$(dirname "$0")" && pwd)
admin=$root/var/lib/dpkg
whole_packages="dpkg tar libc-bin perl-base init-system-helpers bash bash-completion"

mkdir -p "$admin"/{info,updates,triggers,alternatives} "$root/etc/dpkg/dpkg.cfg.d" "$root/var/log"
: > "$admin/status"
: > "$admin/available"

# record PKG: this machine's status stanza and file lists for PKG.
record() {
    local q ext
    dpkg-query -s "$1" >> "$admin/status"
    echo >> "$admin/status"
    q=$(dpkg-query -W -f='${binary:Package}' "$1")  # libc6:amd64 for Multi-Arch: same
    for ext in list md5sums conffiles; do
        if [ -e "/var/lib/dpkg/info/$q.$ext" ]; then cp "/var/lib/dpkg/info/$q.$ext" "$admin/info/"; fi
    done
}

# whole PKG: its files (documentation aside) and its record. Existing
# busybox links are replaced, never written through.
whole() {
    local f
    while read -r f; do
        case $f in */bin/* | */sbin/* | *.so | *.so.*) [ -L "$f" ] || elfs+=("$f") ;; esac
        case $f in /usr/share/doc/* | /usr/share/man/* | /usr/share/locale/* | /usr/share/info/* | /usr/share/lintian/*) continue ;; esac
        if [ -L "$f" ] || [ -f "$f" ]; then
            mkdir -p "$root$(dirname "$f")"
            cp -a --remove-destination "$f" "$root$f"
        fi
    done < <(dpkg-query -L "$1")
    record "$1"
}

elfs=()
for p in $whole_packages; do whole "$p"; done
cp -a /etc/dpkg/dpkg.cfg "$root/etc/dpkg/"
# util-linux's flock (busybox has none): the package's prerm uses it.
cp /usr/bin/flock "$root/usr/bin/flock"
unpacked=$(mktemp -d)
trap 'rm -rf "$unpacked"' EXIT
dpkg-deb -x "$deb" "$unpacked"
"$here/copy-libs.sh" "$root" "${elfs[@]}" /usr/bin/flock $(find "$unpacked" -type f -perm -u+x) $(find "$unpacked" -name '*.so')

# The .deb's dependencies and theirs, as this machine resolves them: for
# each dependency the first alternative installed here (dpkg checks the
# whole database, not only the package it installs). Virtual packages go by
# the installed package that provides them.
dep_names() {  # dep_names PKG|DEB-FIELDS: package names, one per line
    tr ',' '\n' | while read -r alt; do
        local a n
        for a in $(echo "$alt" | tr '|' ' ' | sed 's/([^)]*)//g'); do
            n=${a%%:*}
            [ -n "$n" ] || continue
            if dpkg-query -W -f='${db:Status-Abbrev}' "$n" 2>/dev/null | grep -q '^ii'; then echo "$n"; break; fi
            n=$(dpkg-query -W -f='${Package} ${Provides}\n' 2>/dev/null | awk -v v="$n" '{for (i = 2; i <= NF; i++) {p = $i; sub(/[(,].*/, "", p); if (p == v) {print $1; exit}}}')
            if [ -n "$n" ]; then echo "$n"; break; fi
        done
    done
}
declare -A seen=()
for p in $whole_packages; do seen[$p]=1; done
queue="$(dpkg-deb -f "$deb" Depends Pre-Depends | sed -n 's/^[A-Za-z-]*: //p' | dep_names)
$(for p in $whole_packages; do dpkg-query -W -f='${Depends}, ${Pre-Depends}\n' "$p"; done | dep_names)"
while [ -n "$(echo $queue)" ]; do
    next=
    for p in $queue; do
        [ -z "${seen[$p]:-}" ] || continue
        seen[$p]=1
        record "$p"
        next="$next $(dpkg-query -W -f='${Depends}, ${Pre-Depends}' "$p" | dep_names)"
    done
    queue=$next
done

# dpkg runs the maintainer scripts chrooted into ROOT (busybox's sh).
PATH=/usr/sbin:/usr/bin:/sbin:/bin dpkg --root="$root" --log="$root/var/log/dpkg.log" -i "$deb" >"$root/var/log/cpucompat-install.log" 2>&1 ||
    { cat "$root/var/log/cpucompat-install.log" >&2; exit 1; }
# (dpkg's answer taken whole: under pipefail a grep -q that stops reading
# early can kill the writer with SIGPIPE and fail the pipeline.)
grep -q '^Status: install ok installed' <<< "$(dpkg --root="$root" -s xen-cpucompat 2>&1)" ||
    { echo "install-deb.sh: xen-cpucompat is not installed in $root" >&2; exit 1; }
