#!/bin/bash
# lab-cluster: this dom0 as a node of a Pacemaker cluster on the lab's
# shared segment (issue 11): corosync 3 with knet, encrypted with the key
# the runner put in /etc/corosync/authkey, and Pacemaker's daemons.
#
#   lab-cluster start [--sbd DEV] NAME@ADDR...
#                                    write corosync.conf (every node of the
#                                    cluster, this one included) and start
#                                    corosync, then pacemakerd; returns once
#                                    corosync has formed a membership. With
#                                    --sbd, sbd starts first (as sbd.service
#                                    is ordered before corosync): it watches
#                                    this node's slot on DEV (made by `sbd -d
#                                    DEV create`) and arms /dev/watchdog, so
#                                    a node told to reset, or hung past the
#                                    watchdog, is reset; its log goes to
#                                    /var/log/messages
#   lab-cluster reload NAME@ADDR...  rewrite corosync.conf with these nodes
#                                    and have the running corosync read it
#                                    (corosync-cfgtool -R): how a node is
#                                    added to or removed from the cluster
#   lab-cluster stop                 pacemakerd --shutdown, then corosync,
#                                    then sbd (which disarms the watchdog)
#
# A node's id is the last number of its address (10.99.0.3 is node 3), so
# it stays the same whichever nodes a configuration lists.
#
# Under QEMU's TCG a dom0 can stall for seconds (a guest's kernel being
# gunzipped), so the token timeout is 10 s rather than corosync's 3 s: a
# stall must not read as a lost node. A node that is really lost (its QEMU
# killed) is noticed after it, and fenced.
set -euo pipefail
log() { echo "lab-cluster: $*" >&2; }

write_conf() {
    local spec nodes="" addr
    for spec in "$@"; do
        addr=${spec#*@}
        case "$spec" in
        *@*.*.*.[0-9]*) ;;
        *) log "bad node \"$spec\" (NAME@IPv4)"; exit 2 ;;
        esac
        nodes+="    node {
        ring0_addr: $addr
        name: ${spec%@*}
        nodeid: ${addr##*.}
    }
"
    done
    cat > /etc/corosync/corosync.conf.new <<CONF
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
CONF
    mv /etc/corosync/corosync.conf.new /etc/corosync/corosync.conf
}

start() {
    local sbd_dev=""
    if [ "${1:-}" = --sbd ]; then sbd_dev=${2:?}; shift 2; fi
    [ $# -ge 1 ] || { log "usage: lab-cluster start [--sbd DEV] NAME@ADDR..."; exit 2; }
    [ -s /etc/corosync/authkey ] || { log "no /etc/corosync/authkey"; exit 1; }
    if [ -n "$sbd_dev" ]; then
        [ -c /dev/watchdog ] || { log "no /dev/watchdog (is QEMU's i6300esb there and its module loaded?)"; exit 1; }
        sbd -d "$sbd_dev" dump >/dev/null 2>&1 || { log "$sbd_dev holds no sbd header (sbd -d $sbd_dev create)"; exit 1; }
        pidof syslogd >/dev/null || syslogd -O /var/log/messages
        # -I: a read of the disk may take longer than 3 s under TCG; the
        # watchdog timeout (30 s, in the header) is what bounds a hang.
        sbd -d "$sbd_dev" -W -w /dev/watchdog -n "$(hostname)" -P -I 10 -p /run/sbd.pid watch
        local _
        for _ in $(seq 30); do [ -s /run/sbd.pid ] && break; sleep 1; done
        [ -s /run/sbd.pid ] || { log "sbd did not start (see /var/log/messages)"; exit 1; }
        log "sbd watching $sbd_dev (pid $(cat /run/sbd.pid))"
    fi
    write_conf "$@"
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

reload() {
    [ $# -ge 1 ] || { log "usage: lab-cluster reload NAME@ADDR..."; exit 2; }
    write_conf "$@"
    corosync-cfgtool -R >/dev/null || { log "corosync-cfgtool -R failed"; exit 1; }
}

stop() {
    pacemakerd --shutdown >/dev/null 2>&1 || true
    local _
    for _ in $(seq 120); do
        pidof pacemakerd >/dev/null || break
        sleep 1
    done
    corosync-cfgtool -H >/dev/null 2>&1 || killall corosync 2>/dev/null || true
    if [ -s /run/sbd.pid ]; then
        local pid
        pid=$(cat /run/sbd.pid)
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
        rm -f /run/sbd.pid
    fi
}

case "${1:-}" in
start) shift; start "$@" ;;
reload) shift; reload "$@" ;;
stop) stop ;;
*) log "usage: lab-cluster start [--sbd DEV] NAME@ADDR... | reload NAME@ADDR... | stop"; exit 2 ;;
esac
