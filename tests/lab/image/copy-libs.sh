#!/bin/bash
# Copies the shared libraries ELF... need (their ldd closure, symlinks
# resolved) into ROOT/lib/x86_64-linux-gnu, the lab dom0's one library
# directory, and the loader into ROOT/lib64. Files that are not dynamic
# ELFs are skipped. Usage: copy-libs.sh ROOT ELF...
set -euo pipefail
root=${1:?}
shift
mkdir -p "$root/lib/x86_64-linux-gnu" "$root/lib64"
for l in $(for e in "$@"; do ldd "$e" 2>/dev/null || true; done | awk '/=>/ && $3 ~ /^\// {print $3}' | sort -u); do
    [ -e "$root/lib/x86_64-linux-gnu/$(basename "$l")" ] || cp "$(readlink -f "$l")" "$root/lib/x86_64-linux-gnu/$(basename "$l")"
done
[ -e "$root/lib64/ld-linux-x86-64.so.2" ] || cp "$(readlink -f /lib64/ld-linux-x86-64.so.2)" "$root/lib64/ld-linux-x86-64.so.2"
