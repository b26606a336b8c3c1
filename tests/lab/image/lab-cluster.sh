#!/bin/bash
# lab-cluster: this dom0 as a node of a Pacemaker cluster on the lab's
# shared segment (issue 11): corosync 3 with knet, encrypted with the key
# the runner put in /etc/corosync/authkey, and Pacemaker's daemons.
#
#   lab-cluster start NAME@ADDR...   write corosync.conf (every node of the
#                                    cluster, this one included) and start
#                                    corosync, then pacemakerd; returns once
#                                    corosync has formed a membership
#   lab-cluster stop                 pacemakerd --shutdown, then corosync
#
# Under QEMU's TCG a dom0 can stall for seconds (a guest's kernel being
# gunzipped), so the token timeout is 10 s rather than corosync's 3 s: a
# stall must not read as a lost node. A node that is really lost (its QEMU
# killed) is noticed after it, and fenced.
set -euo pipefail
log() { echo "lab-cluster: $*" >&2; }

start() {
    [ $# -ge 1 ] || { log "usage: lab-cluster start NAME@ADDR..."; exit 2; }
    [ -s /etc/corosync/authkey ] || { log "no /etc/corosync/authkey"; exit 1; }
    local id=0 spec nodes=""
    for spec in "$@"; do
        id=$((id + 1))
        nodes+="    node {
        ring0_addr: ${spec#*@}
        name: ${spec%@*}
        nodeid: $id
    }
"
    done
    cat > /etc/corosync/corosync.conf <<EOF
totem {
    version: 2
    cluster_name: lab
    transport: knet
    crypto_model: openssl
    crypto_cipher: aes256
    crypto_hash: sha256
    token: 10000
}
nodelist {
$nodes}
quorum {
    provider: corosync_votequorum
}
logging {
    to_logfile: yes
    logfile: /var/log/corosync/corosync.log
    to_syslog: no
    to_stderr: no
    timestamp: on
}
EOF
    chmod 0400 /etc/corosync/authkey
    corosync
    local _
    for _ in $(seq 60); do
        corosync-cfgtool -s >/dev/null 2>&1 && break
        sleep 1
    done
    corosync-cfgtool -s >/dev/null 2>&1 || { log "corosync did not come up (see /var/log/corosync/corosync.log)"; exit 1; }
    setsid pacemakerd </dev/null >>/var/log/pacemaker/pacemakerd.out 2>&1 &
    log "corosync up; pacemakerd started (pid $!)"
}

stop() {
    pacemakerd --shutdown >/dev/null 2>&1 || true
    local _
    for _ in $(seq 120); do
        pidof pacemakerd >/dev/null || break
        sleep 1
    done
    corosync-cfgtool -H >/dev/null 2>&1 || killall corosync 2>/dev/null || true
}

case "${1:-}" in
start) shift; start "$@" ;;
stop) stop ;;
*) log "usage: lab-cluster start NAME@ADDR... | stop"; exit 2 ;;
esac
