#!/bin/sh
# /sbin/poweroff of the lab guest: Linux runs it when Xen asks the guest to
# shut down (xl shutdown). A guest booted with lab_ignore_shutdown on its
# command line ignores the request, as a hung or unwilling guest would.
grep -q lab_ignore_shutdown /proc/cmdline && exit 0
echo "GUEST-SHUTDOWN" > /dev/hvc0
exec /bin/busybox poweroff -f
