#!/bin/bash
# Builds the lab's dom0 initramfs from Debian's packages and this project's
# freshly built artefacts: busybox, Xen 4.17 userspace (xl, xenstored,
# xenconsoled, xen-cpuid, libxl-save-helper...) with its library closure,
# the Xen and NIC kernel modules, dropbear (the runner's control channel)
# and OpenSSH's client and server (between dom0s: xl migrate's stream over
# dropbear's client died with "Bad buf_incrlen", over its server it stalled
# or arrived corrupted) with the lab-only keys, the guest kernel and initramfs, and the
# project's Debian package, installed with dpkg (install-deb.sh).
# Usage: mk-dom0.sh OUT.cpio.gz KVER GUEST.cpio.gz KEYDIR DEB
set -euo pipefail
out=${1:?} kver=${2:?} guest=${3:?} keys=${4:?} deb=${5:?}
here=$(cd "$(dirname "$0")" && pwd)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
chmod 755 "$root"  # the dom0's /: mktemp's 0700 kept every user but root out (ocf-tester runs as nobody)
xb=/usr/lib/xen-4.17/bin
mkdir -p "$root"/{bin,sbin,proc,sys,dev,etc/xen,etc/dropbear,etc/ssh,var/empty,tmp,root/.ssh,run,var/lib/xen,var/log/xen/console,var/lock,lib64,lib/x86_64-linux-gnu,lib/modules,usr/bin,usr/sbin,usr/local/bin,usr/local/sbin,$xb,guest}
ln -s ../run "$root/var/run"

cp /bin/busybox "$root/bin/busybox"
for a in $(/bin/busybox --list); do [ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"; done

xen_bins="xl xenstored xen-cpuid xenconsoled xenconsole libxl-save-helper xen-init-dom0 xenstore-control"
for b in $xen_bins; do cp -a "$xb/$b" "$root$xb/"; ln -sf "$xb/$b" "$root/usr/sbin/$b"; done
for b in xenstore xenstore-read xenstore-write xenstore-ls xenstore-list xenstore-rm xenstore-exists xenstore-chmod; do
    cp -a "/usr/bin/$b" "$root/usr/bin/"
done
cp /usr/sbin/dropbear "$root/usr/sbin/"
cp /usr/bin/ssh "$root/usr/bin/ssh"
cp /usr/sbin/sshd "$root/usr/sbin/sshd"
# libvirt with its libxl driver: another libxl client for the plugin
# (started by the tests that need it, not at boot).
libvirt_driver=/usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_libxl.so
mkdir -p "$root$(dirname "$libvirt_driver")" "$root/etc/libvirt" "$root/var/lib/libvirt/libxl" "$root/var/log/libvirt/libxl" \
         "$root/var/cache/libvirt"
cp /usr/sbin/libvirtd "$root/usr/sbin/"
cp /usr/bin/virsh "$root/usr/bin/"
cp "$libvirt_driver" "$root$libvirt_driver"
mkdir -p "$root/usr/share/libvirt" && cp -r /usr/share/libvirt/cpu_map "$root/usr/share/libvirt/"  # host CPU description

# Libraries: the ldd closure of everything above, plus the loader.
"$here/copy-libs.sh" "$root" $(for b in $xen_bins; do echo "$root$xb/$b"; done) /usr/bin/xenstore /usr/sbin/dropbear \
    /usr/bin/ssh /usr/sbin/sshd /usr/sbin/libvirtd /usr/bin/virsh "$libvirt_driver"
cp "$(readlink -f /lib/x86_64-linux-gnu/libgcc_s.so.1)" "$root/lib/x86_64-linux-gnu/libgcc_s.so.1"

# The resource agent's surroundings on a Pacemaker node (issue 11):
# resource-agents' shell library that OCF agents source, its ocf-tester and
# the OCF DTD it checks meta-data against (with xmllint), and Pacemaker's
# crm_resource, whose --validate runs an agent's validate-all without a
# cluster.
mkdir -p "$root/usr/lib/ocf/lib/heartbeat" "$root/usr/share/resource-agents"
for f in ocf-shellfuncs ocf-binaries ocf-directories ocf-returncodes ocf-rarun ocf-distro; do
    cp "/usr/lib/ocf/lib/heartbeat/$f" "$root/usr/lib/ocf/lib/heartbeat/"
done
cp /usr/share/resource-agents/ra-api-1.dtd "$root/usr/share/resource-agents/"
cp /usr/sbin/ocf-tester /usr/sbin/crm_resource "$root/usr/sbin/"
cp /usr/bin/xmllint "$root/usr/bin/"
"$here/copy-libs.sh" "$root" /usr/sbin/crm_resource /usr/bin/xmllint

# A Pacemaker node (issue 11): corosync 3 (knet, with its dlopened crypto
# and compression plugins) and Pacemaker 2.1's daemons, tools and schemas,
# started by lab-cluster when a test forms a cluster, not at boot; the
# accounts and directories its daemons run with.
pcmk_tools="corosync corosync-cfgtool corosync-quorumtool corosync-cmapctl pacemakerd crm_node crm_mon crm_attribute cibadmin
            crm_standby crm_verify crm_simulate crm_error crmadmin attrd_updater stonith_admin"
for b in $pcmk_tools; do cp "/usr/sbin/$b" "$root/usr/sbin/"; done
cp /usr/bin/getopt "$root/usr/bin/"  # crm_standby is a shell script around it
knet=/usr/lib/x86_64-linux-gnu/kronosnet
mkdir -p "$root/usr/lib/pacemaker" "$root/usr/share/pacemaker" "$root$knet" "$root/etc/corosync" "$root/var/lib/corosync" \
         "$root/var/log/corosync" "$root/var/lib/pacemaker/"{cib,pengine,blackbox,cores} "$root/var/log/pacemaker"
cp /usr/lib/pacemaker/pacemaker-* "$root/usr/lib/pacemaker/"
cp -r /usr/share/pacemaker/. "$root/usr/share/pacemaker/"
cp "$knet/crypto_openssl.so" "$knet/compress_zlib.so" "$root$knet/"
"$here/copy-libs.sh" "$root" $(for b in $pcmk_tools; do echo "/usr/sbin/$b"; done) /usr/lib/pacemaker/pacemaker-* \
    "$knet/crypto_openssl.so" "$knet/compress_zlib.so"
chown -R 90:90 "$root/var/lib/pacemaker" "$root/var/log/pacemaker"
install -m 0755 "$here/lab-cluster.sh" "$root/usr/sbin/lab-cluster"

# Fencing (issue 11): sbd, watching a small shared disk and the host's
# watchdog (QEMU's i6300esb), and the fence agent Pacemaker drives it with,
# fence_sbd (fence-agents). fence_sbd is Python: the interpreter goes in
# with just the modules the agent imports (found by loading it on the
# runner, not listed by hand), their bytecode, and the codecs.
cp /usr/sbin/sbd /usr/sbin/fence_sbd "$root/usr/sbin/"
cp /usr/bin/python3.11 "$root/usr/bin/" && ln -sf python3.11 "$root/usr/bin/python3"
mkdir -p "$root/usr/share/fence"
py_files=$(cd /tmp && /usr/bin/python3.11 -c '
import contextlib, importlib.util, io, os, runpy, sys
sys.path.insert(0, "/usr/share/fence")
sys.argv = ["fence_sbd", "-o", "metadata"]
try:
    with contextlib.redirect_stdout(io.StringIO()):
        runpy.run_path("/usr/sbin/fence_sbd", run_name="__main__")
except SystemExit:
    pass
for f in sorted({getattr(m, "__file__", None) or "" for m in list(sys.modules.values())} - {""}):
    print(f)
    if f.endswith(".py"):
        c = importlib.util.cache_from_source(f)
        if os.path.exists(c):
            print(c)
')
[ -n "$py_files" ] || { echo "mk-dom0: no Python module list for fence_sbd" >&2; exit 1; }
for f in $py_files; do mkdir -p "$root$(dirname "$f")" && cp "$f" "$root$f"; done
cp -r /usr/lib/python3.11/encodings "$root/usr/lib/python3.11/"
"$here/copy-libs.sh" "$root" /usr/sbin/sbd /usr/bin/python3.11 $(echo "$py_files" | grep '\.so$')

# The project, installed as an admin would: its .deb, with dpkg (the plugin
# is enabled per test: LD_PRELOAD, cpucompat create, or the xl shim on PATH).
"$here/install-deb.sh" "$root" "$deb"

# Xen's block hotplug script (xl runs it for phy: disks) and what it sources.
mkdir -p "$root/etc/xen/scripts"
for f in block block-common.sh xen-hotplug-common.sh xen-script-common.sh locking.sh logging.sh hotplugpath.sh; do
    cp -a "/etc/xen/scripts/$f" "$root/etc/xen/scripts/"
done

# Guests' NICs are attached to nothing: the lab checks who they are (their
# MACs, across moves), not their traffic. This hotplug script is all xl
# needs for a vif (script=vif-lab).
printf '#!/bin/sh\n# lab: a vif connected to nothing (see mk-dom0.sh)\nexit 0\n' > "$root/etc/xen/scripts/vif-lab"
chmod 755 "$root/etc/xen/scripts/vif-lab"

# Kernel modules, in load order: Xen's, then virtio-pci and virtio-net for
# the lab's NICs.
mods=/lib/modules/$kver/kernel/drivers
: > "$root/lib/modules/order"
for m in xen/xen-privcmd.ko xen/xenfs/xenfs.ko xen/xen-evtchn.ko xen/xen-gntdev.ko xen/xen-gntalloc.ko; do
    cp "$mods/$m" "$root/lib/modules/"
    basename "$m" >> "$root/lib/modules/order"
done
# virtio-blk for the shared disk, xen-blkback to hand it to guests, loop for
# a host-local image standing in for "another disk under the same name",
# ext4 (and the crc32c it asks for) for the host's own /var/lib disk,
# xen-netback for guests' NICs, i6300esb for the watchdog sbd arms.
for m in $(for mod in virtio_pci virtio_net virtio_blk xen-blkback loop crc32c_generic ext4 xen-netback i6300esb; do
               modprobe -S "$kver" --show-depends "$mod"; done |
           awk '/^insmod/ && !seen[$2]++ {print $2}'); do
    cp "$m" "$root/lib/modules/"
    basename "$m" >> "$root/lib/modules/order"
done

# Accounts and ssh: root logs in with the lab-only key; the runner through
# dropbear (port 22), dom0s to each other through OpenSSH (port 2222, which
# is what xl migrate and cpucompat migrate run). sshd wants its privilege
# separation user and /run/sshd.
# root's shell is bash, as on Debian: busybox's sh runs its own applets
# first, whatever PATH says, and its dpkg applet is not dpkg.
# nobody: ocf-tester runs an agent's meta-data as that user.
# hacluster/haclient: Pacemaker's daemons and their clients.
printf 'root:x:0:0:root:/root:/bin/bash\nsshd:x:100:65534::/run/sshd:/bin/false\nhacluster:x:90:90::/var/lib/pacemaker:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$root/etc/passwd"
printf 'root:*:19000:0:99999:7:::\nsshd:*:19000:0:99999:7:::\nhacluster:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n' > "$root/etc/shadow"
printf 'root:x:0:\nhaclient:x:90:root,hacluster\nnogroup:x:65534:\n' > "$root/etc/group"
printf '/bin/sh\n/bin/bash\n' > "$root/etc/shells"
cp "$keys/host_key" "$root/etc/dropbear/dropbear_ed25519_host_key"
dropbearconvert dropbear openssh "$keys/host_key" "$root/etc/ssh/ssh_host_ed25519_key" >/dev/null 2>&1
chmod 600 "$root/etc/ssh/ssh_host_ed25519_key"
printf 'Port 2222\nHostKey /etc/ssh/ssh_host_ed25519_key\nPermitRootLogin prohibit-password\nUsePAM no\nPrintMotd no\nSubsystem sftp internal-sftp\n' > "$root/etc/ssh/sshd_config"
cp "$keys/id_openssh" "$root/root/.ssh/id_lab"
cp "$keys/id.pub" "$root/root/.ssh/authorized_keys"
# Host keys are lab-only and shared by every dom0: nothing to check.
# KexAlgorithms: OpenSSH 9.2's first choice, sntrup761x25519 (post-quantum),
# costs a second of emulated CPU per connection under TCG (`ssh c true` 2.2-2.3 s
# against 1.2-1.3 s with curve25519 alone, measured a -> c); the lab's
# throwaway keys and loopback links need no post-quantum exchange.
printf 'Host *\n  Port 2222\n  IdentityFile /root/.ssh/id_lab\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n  KexAlgorithms curve25519-sha256\n' > "$root/root/.ssh/config"
chmod 700 "$root/root/.ssh"; chmod 600 "$root/root/.ssh/"*

cp /etc/xen/xl.conf "$root/etc/xen/xl.conf"
printf 'autoballoon="off"\nlockfile="/var/lock/xl"\n' >> "$root/etc/xen/xl.conf"

# Two guest kernels. PV guests boot the plain ELF inside Debian's bzImage,
# gzipped (libxenguest gunzips whole files): with a guest already running,
# xl's XZ decompression of the bzImage failed more often than not in the
# lab ("unable to XZ decompress kernel: Invalid kernel"). PVH guests keep
# the bzImage: with the ELF, a PVH guest's live migration failed ("Mapping
# of pfn ... failed -22"). Uncompressed, the ELF would take 66 MB of each
# dom0's RAM-backed root.
cp "/boot/vmlinuz-$kver" "$root/guest/vmlinuz"
off=$(LC_ALL=C grep -m1 -abo $'\xfd7zXZ\x00' "/boot/vmlinuz-$kver" | cut -d: -f1)
# (xz stops reading after the stream; tail's SIGPIPE is expected, hence no pipe.)
xz -dc --single-stream < <(tail -c +$((off + 1)) "/boot/vmlinuz-$kver") | gzip -6 > "$root/guest/vmlinux.gz"
cp "$guest" "$root/guest/initrd.cpio.gz"
install -m 0755 "$here/dom0-init.sh" "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$out.tmp"
mv "$out.tmp" "$out"
