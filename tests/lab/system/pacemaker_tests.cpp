// A Xen pool run by Pacemaker (issue 11), on real Xen 4.17: corosync 3
// (knet) and Pacemaker 2.1 in the dom0s of a, c (AMD) and b (Intel), on the
// lab's shared segment, with domains as ocf:cpucompat:XenDomain resources.
// Each node publishes its CPU facts (cpucompat pacemaker attributes --apply)
// and the domains get their floor rules (pacemaker constraints); the pool's
// level is kept in every node's xenstore by the ocf:cpucompat:PoolLevel
// clone, from the nodes the cluster configures. Every move
// here is asked of Pacemaker (crm_resource --move, node standby) and must
// end with the domain running on the node asked for, exactly once.
//
// This suite runs with the others in `make check` (one pool boot for all),
// after them (it is linked last). Boost.Test prints its time on its own
// ("Leaving test suite "pacemaker_pool"; testing time"). It forms the
// cluster once and stops it at the end, so a case after it would see plain
// hosts.
//
// Fencing is on, as a production pool needs it: every node runs sbd on the
// lab's fencing disk (/dev/lab-sbd, shared by every host like a SAN LUN)
// with QEMU's i6300esb as its watchdog, and the cluster's fence device is
// fence_sbd (fence-agents) on that disk. A node Pacemaker fences is told
// to reset through its slot, and one that hangs is reset by its watchdog;
// a reset ends the lab host's QEMU (-no-reboot), as a power-off would.
// The last case kills the Intel host's QEMU: the survivors fence it before
// its domain starts elsewhere. The suite boots it again at the end when a
// later case needs it (none does in a whole run: this suite is linked last).
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "../../../toolstack/core/compare.h"
#include "../../../toolstack/import/fingerprint.h"
#include "lab_client.h"
#include "lab_guest.h"

using namespace cpucompat;
using namespace lab;
namespace utf = boost::unit_test;

namespace {

const std::vector<std::string> kNodes = {"a", "b", "c"};

// sbd's timeouts on the fencing disk: a node's watchdog fires 30 s after
// its sbd stops feeding it, and a fencer waits msgwait (60 s) after
// writing "reset" into the victim's slot before it calls the node fenced.
// Under TCG a dom0 stalls for seconds; sbd's defaults (5/10 s) are too
// tight for that. fence_sbd's power_timeout and Pacemaker's fencing
// timeout must exceed msgwait.
constexpr const char *kSbdCreate = "sbd -d /dev/lab-sbd -1 30 -4 60 create";

// The message in `node`'s slot, from `sbd -d DEV list` (lines "SLOT\tNODE\t
// MESSAGE\tSENDER"); "" when the node has no slot.
std::string sbd_message(const std::string &list, const std::string &node) {
    std::istringstream in(list);
    for (std::string line; std::getline(in, line);) {
        std::istringstream f(line);
        std::string slot, name, message;
        if (f >> slot >> name >> message && name == node) return message;
    }
    return "";
}

// Where a domain runs, by asking Xen on each of `nodes` (not Pacemaker). A
// copy counts unless xl list shows it paused or suspended: a live move's
// incoming copy stays paused until the sender, suspended by then, lets go.
std::vector<std::string> hosts_running(const std::string &name, const std::vector<std::string> &nodes = kNodes) {
    std::vector<std::string> on;
    for (const auto &h : nodes) {
        const Result r = exec(h, "xl list " + name + " 2>/dev/null | awk 'NR == 2 {print $5}'");
        const std::string state = r.out.substr(0, r.out.find('\n'));
        if (r.status == 0 && !state.empty() && state.find_first_of("ps") == std::string::npos) on.push_back(h);
    }
    return on;
}

// hosts_running(), failing the test when the domain runs on two nodes. The
// nodes are asked one after another, so a live move's hand-over between
// two asks looks like two copies once; two copies that really run are
// still there when asked again at once.
std::vector<std::string> running_at_most_once(const std::string &name, const std::vector<std::string> &nodes = kNodes) {
    std::vector<std::string> on = hosts_running(name, nodes);
    if (on.size() > 1) on = hosts_running(name, nodes);
    std::string where;
    for (const auto &h : on) where += " " + h;
    BOOST_REQUIRE_MESSAGE(on.size() <= 1, name << " runs on" << where << " at once");
    return on;
}

// Pacemaker's word: the nodes it has `rsc` active on.
std::vector<std::string> located(const std::string &rsc) {
    std::istringstream in(exec("a", "crm_resource --resource " + rsc + " --locate --quiet").out);
    std::vector<std::string> on;
    for (std::string n; in >> n;) on.push_back(n);
    return on;
}

// Polls until Xen and Pacemaker both have `name` on `node` alone; fails the
// test if the domain ever runs on two nodes at once (running_at_most_once) or
// the time runs out. Returns the seconds it took.
double wait_only_on(const std::string &name, const std::string &node, int seconds) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
    while (elapsed() < seconds) {
        const auto xen = running_at_most_once(name);
        if (xen == std::vector<std::string>{node} && located(name) == std::vector<std::string>{node}) return elapsed();
        exec("a", "sleep 2");
    }
    BOOST_FAIL(name << " not running on " << node << " alone after " << seconds << " s; crm_mon:\n" << exec("a", "crm_mon -1 -r").out);
    return -1;
}

// The fingerprint (policy_hash) of the pool level `host`'s xenstore holds
// for `vendor` ("amd", "intel"); "" when there is none.
// The executor's call-id of the PoolLevel clone's last start on `node`
// (from the CIB's status section): a restart of the instance gives a new
// one. Fails the test when there is none.
std::string pool_level_start_call(const std::string &node) {
    const std::string id = must("a", "cibadmin --query --xpath \"//node_state[@uname='" + node + "']//lrm_resource[@id='pool-level']"
                                     "/lrm_rsc_op[@operation='start']\" | sed -n 's/.* call-id=\"\\([0-9]*\\)\".*/\\1/p' | head -1");
    BOOST_REQUIRE_MESSAGE(!id.empty() && id != "\n", "no start of PoolLevel on " << node << " in the CIB's status");
    return id;
}

std::string xenstore_level(const std::string &host, const std::string &vendor) {
    const Result r = exec(host, "xenstore-read /tool/cpucompat/pool/" + vendor);
    if (r.status != 0) return "";
    return policy_hash(parse_fingerprint_json(InputText{host + ":/tool/cpucompat/pool/" + vendor, r.out}));
}

// Polls until each of `hosts` holds `fingerprint` as `vendor`'s level;
// returns the seconds it took, fails the test after `seconds`.
double wait_level(const std::vector<std::string> &hosts, const std::string &vendor, const std::string &fingerprint, int seconds) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
    std::string seen;
    while (elapsed() < seconds) {
        seen.clear();
        bool all = true;
        for (const auto &h : hosts) {
            const std::string l = xenstore_level(h, vendor);
            seen += " " + h + "=" + (l.empty() ? "none" : l);
            all = all && l == fingerprint;
        }
        if (all) return elapsed();
        exec("c", "sleep 2");
    }
    BOOST_FAIL(vendor << " level is not " << fingerprint << " everywhere after " << seconds << " s:" << seen << "\ncrm_mon:\n"
                      << exec("c", "crm_mon -1 -r").out);
    return -1;
}

// The primitive for the domain NAME (its config /etc/xen/NAME.cfg on every
// node), live-movable in Pacemaker's sense (allow-migrate), preferring `home`;
// into the cluster's CIB, or with `env` "CIB_file=F " into the CIB file F.
void add_domain_resource(const std::string &name, const std::string &home, const std::string &env = "") {
    const std::string p = name + "-";
    must("a", env + "cibadmin --create -o resources --xml-text '"
              "<primitive id=\"" + name + "\" class=\"ocf\" provider=\"cpucompat\" type=\"XenDomain\">"
              "<instance_attributes id=\"" + p + "ia\">"
              "<nvpair id=\"" + p + "xmfile\" name=\"xmfile\" value=\"/etc/xen/" + name + ".cfg\"/>"
              "<nvpair id=\"" + p + "st\" name=\"shutdown_timeout\" value=\"120\"/></instance_attributes>"
              "<meta_attributes id=\"" + p + "meta\"><nvpair id=\"" + p + "am\" name=\"allow-migrate\" value=\"true\"/></meta_attributes>"
              "<operations>"
              "<op id=\"" + p + "monitor\" name=\"monitor\" interval=\"20s\" timeout=\"60s\"/>"
              "<op id=\"" + p + "start\" name=\"start\" interval=\"0\" timeout=\"300s\"/>"
              "<op id=\"" + p + "stop\" name=\"stop\" interval=\"0\" timeout=\"180s\"/>"
              "<op id=\"" + p + "mt\" name=\"migrate_to\" interval=\"0\" timeout=\"600s\"/>"
              "<op id=\"" + p + "mf\" name=\"migrate_from\" interval=\"0\" timeout=\"120s\"/>"
              "</operations></primitive>'");
    must("a", env + "cibadmin --create -o constraints --xml-text '<rsc_location id=\"home-" + name + "\" rsc=\"" + name +
                  "\" node=\"" + home + "\" score=\"50\"/>'");
}

// The last entry for `domain` in the audit log of `host`.
nlohmann::json last_move(const std::string &host, const std::string &domain) {
    const std::string line = must(host, "grep -a '\"domain\":\"" + domain + "\"' /var/log/cpucompat/migrations.log | tail -n 1");
    return nlohmann::json::parse(line);
}

// What cpucompat migrate itself took in that move: its check and phases,
// as its audit log entry has them (the rest is Pacemaker's).
double migrate_seconds(const nlohmann::json &move) {
    double s = move.value("check_seconds", 0.0);
    for (const auto &p : move.value("phases", nlohmann::json::array())) s += p.value("seconds", 0.0);
    return s;
}

// The figures the README reports (build/lab/records/pacemaker-moves.txt).
void record(const std::string &what, double seconds) {
    BOOST_TEST_MESSAGE(what << ": " << seconds << " s");
    std::ofstream(records_dir() + "/pacemaker-moves.txt", std::ios::app) << what << ": " << seconds << " s\n";
}

// A three-node cluster over a, b, c, formed once for the suite.
struct Cluster {
    Cluster() {
        // A fresh knet key for this pool, from the runner's urandom.
        const std::string key = records_dir() + "/corosync-authkey";
        {
            std::random_device rd;
            std::ofstream out(key, std::ios::binary);
            for (int i = 0; i < 256; ++i) out.put(static_cast<char>(rd() & 0xff));
        }
        for (const auto &h : kNodes) {
            copy_to(h, key, "/etc/corosync/authkey");
            must(h, "rm -f /var/lib/pacemaker/cib/* /var/log/cpucompat/migrations.log; ln -sf /dev/vda /dev/labdisk");
        }
        must("a", std::string(kSbdCreate) + " >/dev/null");
        for (const auto &h : kNodes) must(h, "lab-cluster start --sbd /dev/lab-sbd a@10.99.0.1 b@10.99.0.2 c@10.99.0.3");
        // Formed: one partition with quorum, every node online.
        const std::string formed = must("a", "i=0; until crm_mon -1 2>/dev/null | grep -q 'partition with quorum' && "
                                             "crm_mon -1 2>/dev/null | grep -q 'Online: \\[ a b c \\]'; do "
                                             "[ $i -lt 300 ] || { crm_mon -1; exit 1; }; sleep 2; i=$((i + 2)); done; echo $i");
        BOOST_TEST_MESSAGE("pacemaker_pool: cluster of a, b, c formed after " << formed);
        // Every node's sbd has taken a slot on the disk, with no message.
        const std::string slots = must("a", "sbd -d /dev/lab-sbd list");
        for (const auto &h : kNodes) BOOST_TEST(sbd_message(slots, h) == "clear", h << "'s slot:\n" << slots);
        // Fencing on, through fence_sbd on the same disk; a reboot takes
        // msgwait (60 s) and must not be cut short.
        must("a", "crm_attribute --type crm_config --name stonith-enabled --update true && "
                  "crm_attribute --type crm_config --name stonith-timeout --update 150s && "
                  "crm_attribute --type rsc_defaults --name resource-stickiness --update 100");
        must("a", "cibadmin --create -o resources --xml-text '"
                  "<primitive id=\"fence-sbd\" class=\"stonith\" type=\"fence_sbd\">"
                  "<instance_attributes id=\"fence-sbd-ia\">"
                  "<nvpair id=\"fence-sbd-devices\" name=\"devices\" value=\"/dev/lab-sbd\"/>"
                  "<nvpair id=\"fence-sbd-power-timeout\" name=\"power_timeout\" value=\"90\"/>"
                  "<nvpair id=\"fence-sbd-reboot-timeout\" name=\"pcmk_reboot_timeout\" value=\"150s\"/></instance_attributes>"
                  "<operations><op id=\"fence-sbd-monitor\" name=\"monitor\" interval=\"60s\" timeout=\"60s\"/></operations>"
                  "</primitive>'");
        must("a", "i=0; until crm_mon -1 2>/dev/null | grep -q 'fence-sbd.*Started'; do "
                  "[ $i -lt 300 ] || { crm_mon -1; exit 1; }; sleep 2; i=$((i + 2)); done");
        BOOST_TEST_MESSAGE("pacemaker_pool: fencing on (fence_sbd on /dev/lab-sbd, i6300esb watchdogs):\n" << slots);
        // Each node publishes its CPU facts (one CIB update each).
        for (const auto &h : kNodes) {
            const auto t0 = std::chrono::steady_clock::now();
            must(h, "cpucompat pacemaker attributes --apply >/dev/null");
            record("cpucompat pacemaker attributes --apply on " + h,
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        }
    }
    ~Cluster() {
        // In maintenance mode Pacemaker lets the domains be: none is moved
        // off a node whose pacemakerd stops; they are destroyed here.
        exec("a", "crm_attribute --type crm_config --name maintenance-mode --update true");
        for (const auto &h : kNodes) exec(h, "lab-cluster stop");
        // A node the suite powered off (or its watchdog reset) comes back
        // for the suites after this one, without the cluster. The build
        // links this suite last (tests/lab/Makefile.inc), so in a whole run
        // none follows and the pool's end powers every host off anyway.
        if (cases_run_after("pacemaker_pool"))
            for (const auto &h : kNodes)
                if (exec(h, "true").status != 0) boot_host(h);
        for (const auto &h : kNodes) exec(h, "for d in pk1 pk2 pk3; do xl destroy $d 2>/dev/null; rm -f /etc/xen/$d.cfg; done; "
                                             "rm -f /var/lib/pacemaker/cib/* /dev/labdisk");
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(pacemaker_pool, *utf::fixture<Cluster>())

// The pool's level from the cluster: ocf:cpucompat:PoolLevel as a clone
// keeps each vendor's level of the configured nodes in every node's
// xenstore, where mode pool creates from; the same level `cpucompat pool
// status` makes from the hosts' `xen-cpuid -p` files. a (EPYC, Zen 1) is
// the weaker AMD node. Removed from the configuration (cluster stopped
// there, corosync's node list reloaded, crm_node --remove), the AMD level
// rises on b and c; added again, it drops back on all three, to what `pool
// what-if --add a=FILE` on c had said before a joined.
BOOST_AUTO_TEST_CASE(pool_level_follows_the_cluster_configuration, *utf::timeout(900)) {
    must("a", "cibadmin --create -o resources --xml-text '"
              "<clone id=\"pool-level-clone\"><meta_attributes id=\"plc-meta\"><nvpair id=\"plc-il\" name=\"interleave\" value=\"true\"/>"
              "</meta_attributes><primitive id=\"pool-level\" class=\"ocf\" provider=\"cpucompat\" type=\"PoolLevel\"><operations>"
              "<op id=\"pool-level-start\" name=\"start\" interval=\"0\" timeout=\"120s\"/>"
              "<op id=\"pool-level-monitor\" name=\"monitor\" interval=\"60s\" timeout=\"60s\"/></operations></primitive></clone>'");
    for (const char *h : {"a", "b", "c"}) put_file("c", std::string("/tmp/fp-") + h + ".txt", must(h, "xen-cpuid -p"));
    const auto files = nlohmann::json::parse(must("c", "cpucompat pool status --json --pool a=/tmp/fp-a.txt --pool b=/tmp/fp-b.txt "
                                                       "--pool c=/tmp/fp-c.txt"));
    const auto cluster = nlohmann::json::parse(must("c", "cpucompat pool status --json"));
    BOOST_REQUIRE(cluster["levels"].size() == 2u);
    for (size_t i = 0; i < 2; ++i) {  // (hosts in the CIB's order, which is the order they first joined in)
        BOOST_TEST(cluster["levels"][i]["vendor"] == files["levels"][i]["vendor"]);
        BOOST_TEST(cluster["levels"][i]["fingerprint"] == files["levels"][i]["fingerprint"],
                   "cluster: " << cluster["levels"].dump() << "\nfiles: " << files["levels"].dump());
    }
    const std::string amd_all = cluster["levels"][0]["fingerprint"], intel = cluster["levels"][1]["fingerprint"];
    record("PoolLevel clone added -> every node's xenstore has the AMD level", wait_level(kNodes, "amd", amd_all, 300));
    wait_level(kNodes, "intel", intel, 60);
    // The agent as resource-agents checks one, on a node of the cluster.
    const Result tester = exec("c", "OCF_ROOT=/usr/lib/ocf ocf-tester -n pl-test /usr/lib/ocf/resource.d/cpucompat/PoolLevel");
    BOOST_TEST(tester.status == 0, tester.out << tester.err);
    BOOST_TEST(tester.out.find("passed all tests") != std::string::npos, tester.out);
    const Result validate = exec("c", "crm_resource --validate --class ocf --provider cpucompat --agent PoolLevel");
    BOOST_TEST(validate.status == 0, validate.out << validate.err);

    // c's CPU facts as if they changed after it published (a microcode
    // update loaded at run time): its published fingerprint made stale.
    // PoolLevel's monitor republishes what differs, without a restart of
    // the instance (the same start in c's status); checked at the end of
    // the case, several monitors later.
    const std::string c_start = pool_level_start_call("c");
    must("c", "crm_attribute --type nodes --node c --name cpucompat-fingerprint --update stale-since-microcode");

    // a leaves the configuration: what-if said the level would rise.
    const auto rm = nlohmann::json::parse(must("c", "cpucompat pool what-if --json --remove a"));
    BOOST_TEST(rm["levels"][0]["changed"] == true, rm.dump());
    BOOST_TEST(rm["levels"][0]["lost"].empty(), rm.dump());
    const std::string amd_c = rm["levels"][0]["fingerprint_after"];
    BOOST_REQUIRE(amd_c != amd_all);
    must("a", "lab-cluster stop");
    for (const char *h : {"b", "c"}) must(h, "lab-cluster reload b@10.99.0.2 c@10.99.0.3");
    must("c", "crm_node --force --remove a");
    record("a removed from the configuration -> AMD level risen on b and c", wait_level({"b", "c"}, "amd", amd_c, 180));
    BOOST_TEST(xenstore_level("a", "amd") == amd_all);  // a, out of the cluster, keeps what it had

    // a joins again: what-if, from the cluster as it is now (b, c), said
    // the level would drop back.
    const auto add = nlohmann::json::parse(must("c", "cpucompat pool what-if --json --add a=/tmp/fp-a.txt"));
    BOOST_TEST(add["levels"][0]["changed"] == true, add.dump());
    BOOST_TEST(!add["levels"][0]["lost"].empty(), add.dump());
    BOOST_TEST(add["levels"][0]["fingerprint_after"] == amd_all, add.dump());
    const auto t0 = std::chrono::steady_clock::now();
    for (const char *h : {"b", "c"}) must(h, "lab-cluster reload a@10.99.0.1 b@10.99.0.2 c@10.99.0.3");
    must("a", "lab-cluster start --sbd /dev/lab-sbd a@10.99.0.1 b@10.99.0.2 c@10.99.0.3");
    must("c", "i=0; until crm_mon -1 2>/dev/null | grep -q 'Online: \\[ a b c \\]'; do "
              "[ $i -lt 300 ] || { crm_mon -1; exit 1; }; sleep 2; i=$((i + 2)); done");
    wait_level(kNodes, "amd", amd_all, 300);
    record("a joined again -> AMD level dropped on a, b and c",
           std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    BOOST_TEST(xenstore_level("b", "intel") == intel);  // the other vendor's, untouched
    exec("c", "rm -f /tmp/fp-a.txt /tmp/fp-b.txt /tmp/fp-c.txt");
    // The rejoin's probes and starts done before the next case adds work.
    must("c", "crm_resource --wait --timeout 300s");

    // c's stale fingerprint: republished by a monitor (at most one interval
    // more), the instance not restarted.
    const Result republished = exec("c", "want=$(cpucompat pacemaker attributes | sed -n 's/^cpucompat-fingerprint=//p'); "
                                         "[ -n \"$want\" ] || exit 2; i=0; "
                                         "until [ \"$(crm_attribute --type nodes --node c --name cpucompat-fingerprint --query --quiet)\" = "
                                         "\"$want\" ]; do [ $i -lt 90 ] || exit 1; sleep 2; i=$((i + 2)); done");
    BOOST_TEST(republished.status == 0, "c's cpucompat-fingerprint still not republished: " << republished.out << republished.err);
    BOOST_TEST(pool_level_start_call("c") == c_start, "PoolLevel on c was restarted: its start's call-id changed");
}

// Two domains in mode level:x86-64-v2: pk1 (PVH) at home on a (AMD), pk2
// (PV, its disk on the shared LUN, counting on it) at home on b (Intel).
// Pacemaker starts each through the agent, so the plugin applies the mode:
// Xen has what the record says, and the guests' own /proc/cpuinfo lacks
// what the level hides though both hosts have it (avx2, aes).
BOOST_AUTO_TEST_CASE(resources_start_with_their_cpu_compat, *utf::timeout(900)) {
    const std::string level = "cpu_compat = \"level:x86-64-v2\"\n";
    const std::string pk1 = guest_config("pk1", "pvh", 96, "\"host,rdtscp=0\"") + level;
    const std::string pk2 = guest_config("pk2", "pv", 128, "") + level +
                            "disk = [ \"phy:/dev/labdisk,xvda,w\" ]\nvif = [ \"script=vif-lab\" ]\n";
    must("b", "dd if=/dev/zero of=/dev/vda bs=512 count=1 oflag=direct 2>/dev/null");
    for (const auto &h : kNodes) {
        put_file(h, "/etc/xen/pk1.cfg", pk1);
        put_file(h, "/etc/xen/pk2.cfg", pk2);
    }
    add_domain_resource("pk1", "a");
    add_domain_resource("pk2", "b");
    // The floors as node attributes, and the rules built from the configs:
    // b (Intel, no HVM guests under TCG) is below pk1's, and pk1 may never
    // run there; every node meets pk2's.
    for (const auto &[h, yes] : std::vector<std::pair<std::string, std::string>>{{"a", "yes"}, {"b", "no"}, {"c", "yes"}})
        BOOST_TEST(must("a", "crm_attribute --type nodes --node " + h + " --name cpucompat-floor-hvm-level-x86-64-v2 --query --quiet") ==
                       yes + "\n", h);
    must("a", "cibadmin --modify --allow-create --scope constraints --xml-text "
              "\"$(cpucompat pacemaker constraints pk1=/etc/xen/pk1.cfg pk2=/etc/xen/pk2.cfg)\"");
    BOOST_TEST(must("a", "cibadmin --query --scope constraints").find("cpucompat-floor-pk1") != std::string::npos);
    record("start of pk1 on a (resource added -> running)", wait_only_on("pk1", "a", 600));
    wait_only_on("pk2", "b", 600);
    BOOST_REQUIRE(!wait_console("b", "pk2", "GUEST-DISK 2", 240).empty());

    for (const auto &[host, name] : std::vector<std::pair<std::string, std::string>>{{"a", "pk1"}, {"b", "pk2"}}) {
        BOOST_TEST_CONTEXT(name << " on " << host) {
            const auto rec = record_of(host, name);
            BOOST_TEST(rec.mode == "level:x86-64-v2");
            BOOST_TEST(rec.host == host);
            BOOST_TEST(check_applied(rec.policy, domain_policy(host, name)).summary() == "as requested");
            const auto flags = guest_flags(host, name);
            for (const char *f : {"avx2", "aes"}) BOOST_TEST(!flags.count(f), f << " is in the guest's /proc/cpuinfo");
            for (const char *f : {"popcnt", "sse4_2", "cx16"}) BOOST_TEST(flags.count(f), f << " is missing from the guest's /proc/cpuinfo");
        }
    }

    // pool status on c, which runs none of them, shows every running domain
    // of the cluster, each as the node it runs on judges it (`pool domains`
    // there, over ssh): pk1 live only to c (the other AMD node), pk2 on no
    // node live (the other vendor) and by restart on both AMD nodes.
    const auto status = nlohmann::json::parse(must("c", "cpucompat pool status --json"));
    BOOST_TEST(status["unjudged"].empty(), status.dump());
    std::map<std::string, nlohmann::json> seen;
    for (const auto &d : status["domains"]) BOOST_TEST(seen.emplace(d["domain"].get<std::string>(), d).second, "twice: " << d.dump());
    BOOST_REQUIRE_MESSAGE(seen.size() == 2u && seen.count("pk1") && seen.count("pk2"), status.dump());
    const auto sorted = [](const nlohmann::json &a) {
        std::vector<std::string> v = a.get<std::vector<std::string>>();
        std::sort(v.begin(), v.end());
        return v;
    };
    BOOST_TEST(seen["pk1"]["host"] == "a");
    BOOST_TEST(sorted(seen["pk1"]["live"]) == std::vector<std::string>{"c"}, seen["pk1"].dump());
    BOOST_TEST(seen["pk2"]["host"] == "b");
    BOOST_TEST(seen["pk2"]["live"].empty(), seen["pk2"].dump());
    BOOST_TEST(sorted(seen["pk2"]["restart"]) == (std::vector<std::string>{"a", "c"}), seen["pk2"].dump());
    // What a said for its own is what status shows.
    const auto on_a = nlohmann::json::parse(must("a", "cpucompat pool domains --json --node a"));
    BOOST_REQUIRE(on_a["domains"].size() == 1u);
    for (const char *k : {"live", "restart", "refused"}) BOOST_TEST(on_a["domains"][0][k] == seen["pk1"][k], k);

    // Placement by guest OS, from what the nodes published: pk4, a PV domain
    // in mode pool whose guest is rhel-10 (x86-64-v3), prefers b. The Intel
    // level (b alone: its PV max under TCG) lacks what rhel-10 needs, the AMD
    // level (a and c) has it, so `pacemaker constraints` bans b and says why.
    // Pacemaker's scheduler, on a copy of this cluster's CIB with pk4 added
    // (crm_simulate: nothing is started), puts pk4 on b without the rule and
    // on an AMD node with it.
    const auto g0 = std::chrono::steady_clock::now();
    const std::string pk4 = guest_config("pk4", "pv", 96, "") + "cpu_compat = \"pool\"\ncpu_compat_guest = \"rhel-10\"\n";
    put_file("a", "/etc/xen/pk4.cfg", pk4);
    const auto cons = nlohmann::json::parse(must("a", "cpucompat pacemaker constraints --json pk4=/etc/xen/pk4.cfg"));
    BOOST_REQUIRE_MESSAGE(cons["resources"].size() == 1u, cons.dump());
    const auto &banned = cons["resources"][0]["banned"];
    BOOST_TEST(banned.size() == 1u, banned.dump());
    BOOST_TEST(banned.contains("b"), banned.dump());
    if (banned.contains("b")) {
        const std::string why = banned["b"].get<std::string>();
        for (const char *f : {"rhel-10", "avx2", "fma"}) BOOST_TEST(why.find(f) != std::string::npos, f << " not in: " << why);
    }
    const std::string cib = "/tmp/guest-cib.xml", env = "CIB_file=" + cib + " ";
    must("a", "cibadmin --query > " + cib);
    add_domain_resource("pk4", "b", env);
    const auto placed = [&] {
        must("a", "crm_simulate -x " + cib + " --simulate --save-output /tmp/guest-placed.xml >/dev/null");
        return must("a", "CIB_file=/tmp/guest-placed.xml crm_mon -1 | sed -n 's/.* pk4[[:space:]].*Started \\([a-z]*\\).*/\\1/p'");
    };
    BOOST_TEST(placed() == "b\n");
    must("a", env + "cibadmin --modify --allow-create --scope constraints --xml-text "
                     "\"$(cpucompat pacemaker constraints pk4=/etc/xen/pk4.cfg)\"");
    BOOST_TEST(must("a", env + "cibadmin --query --scope constraints").find("cpucompat-guest-pk4") != std::string::npos);
    const std::string there = placed();
    BOOST_TEST((there == "a\n" || there == "c\n"), "pk4 placed on: " << there);
    exec("a", "rm -f " + cib + " /tmp/guest-placed.xml /etc/xen/pk4.cfg");
    record("guest placement: constraints judged on a, two crm_simulate runs",
           std::chrono::duration<double>(std::chrono::steady_clock::now() - g0).count());
}

// crm_resource --move of the PVH domain to the other AMD node: migrate_to
// runs cpucompat migrate, which finds c able to run pk1's policy and moves
// it live (the record made at its creation on a came along).
BOOST_AUTO_TEST_CASE(move_between_amd_nodes_is_live, *utf::timeout(900)) {
    BOOST_REQUIRE(hosts_running("pk1") == std::vector<std::string>{"a"});
    must("a", "crm_resource --resource pk1 --move --node c");
    record("crm_resource --move pk1 a -> c (live) -> running on c", wait_only_on("pk1", "c", 600));
    BOOST_TEST(record_of("c", "pk1").host == "a");
    const auto move = last_move("a", "pk1");
    BOOST_TEST(move["decision"] == "live", move.dump());
    BOOST_TEST(move["outcome"] == "moved", move.dump());
    record("  of which cpucompat migrate (check + phases, audit log)", migrate_seconds(move));
    must("a", "crm_resource --resource pk1 --clear");
}

// Standby of the Intel node: Pacemaker migrates pk2 away (allow-migrate),
// cpucompat decides a restart (another vendor), so pk2 is shut down on b
// and started on an AMD node: once, from the disk its last writer left.
BOOST_AUTO_TEST_CASE(standby_of_the_intel_node_restarts_its_domain_on_amd, *utf::timeout(900)) {
    BOOST_REQUIRE(hosts_running("pk2") == std::vector<std::string>{"b"});
    exec("a", "rm -f /var/log/xen/console/guest-pk2.log");
    exec("c", "rm -f /var/log/xen/console/guest-pk2.log");
    const auto t0 = std::chrono::steady_clock::now();
    must("a", "crm_attribute --node b --name standby --update on");
    std::string to;
    for (int i = 0; i < 300 && to.empty(); ++i) {
        const auto xen = running_at_most_once("pk2");
        if (xen.size() == 1 && xen[0] != "b") to = xen[0];
        else exec("a", "sleep 2");
    }
    BOOST_REQUIRE_MESSAGE(!to.empty(), "pk2 never left b; crm_mon:\n" << exec("a", "crm_mon -1 -r").out);
    wait_only_on("pk2", to, 600);
    record("standby of b -> pk2 restarted on " + to + " (Intel -> AMD)",
           std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    BOOST_TEST(record_of(to, "pk2").host == to);  // created afresh there, by its mode
    const auto move = last_move("b", "pk2");
    BOOST_TEST(move["decision"] == "restart", move.dump());
    BOOST_TEST(move["outcome"] == "moved", move.dump());
    record("  of which cpucompat migrate (check + phases, audit log)", migrate_seconds(move));
    continues_counting("b", to, "pk2");
    must("a", "crm_attribute --node b --name standby --update off");
}

// A migrate_to that fails mid-way: pk1 moved back c -> a, and on c the
// `xl migrate` under cpucompat migrate is killed (SIGKILL) once its save
// helper streams memory. cpucompat leaves the domain on c, the agent
// answers a soft error, and Pacemaker's recovery (stop on both, start where
// the move asked) ends with pk1 running once, on a. Never two copies on
// the way (polled), and the failure is on record in the cluster.
BOOST_AUTO_TEST_CASE(failed_migrate_to_recovers_to_one_copy, *utf::timeout(1200)) {
    BOOST_REQUIRE(hosts_running("pk1") == std::vector<std::string>{"c"});
    put_file("c", "/tmp/inject.sh", R"SH(i=0
until ps -o args | grep -q '^[^ ]*libxl-save-helper'; do
    sleep 0.2; i=$((i + 1)); [ $i -lt 3000 ] || exit 1
done
sleep 2
ps -o pid,args | awk '$2 ~ /(^|\/)xl$/ && / migrate / {print $1}' | while read -r p; do
    kill -9 "$p" && echo "killed xl migrate $p"
done
)SH");
    must("c", "setsid sh /tmp/inject.sh </dev/null >/tmp/inject.log 2>&1 &");
    must("a", "crm_resource --resource pk1 --move --node a");
    record("failed migrate_to c -> a: until pk1 runs once on a", wait_only_on("pk1", "a", 900));
    BOOST_TEST(must("c", "cat /tmp/inject.log").find("killed xl migrate") != std::string::npos, exec("c", "cat /tmp/inject.log").out);
    const std::string failures = must("a", "crm_mon -1 --output-as=xml");
    BOOST_TEST(failures.find("task=\"migrate_to\"") != std::string::npos, failures);
    const auto move = last_move("c", "pk1");
    BOOST_TEST(move["outcome"] != "moved", move.dump());
    BOOST_TEST(!wait_console("a", "pk1", "GUEST-TICK", 180).empty());
    must("a", "crm_resource --resource pk1 --clear && crm_resource --resource pk1 --cleanup");
}

// Power loss of the Intel node: pk3 (PV, mode level:x86-64-v2) runs on b,
// and b's QEMU is killed (`lab kill`: no shutdown, nothing flushed). The
// survivors lose b after corosync's token, fence it (fence_sbd writes
// "reset" into b's slot and waits msgwait), and only then start pk3 on an
// AMD node, where the plugin makes its policy for that host. Polled all
// along: pk3 never runs on a or c before b's fencing has succeeded.
BOOST_AUTO_TEST_CASE(power_loss_of_the_intel_node_is_fenced_then_its_domain_restarts_on_amd, *utf::timeout(1200)) {
    const std::string pk3 = guest_config("pk3", "pv", 96, "") + "cpu_compat = \"level:x86-64-v2\"\n";
    for (const auto &h : kNodes) put_file(h, "/etc/xen/pk3.cfg", pk3);
    add_domain_resource("pk3", "b");
    wait_only_on("pk3", "b", 600);
    BOOST_REQUIRE(!wait_console("b", "pk3", "GUEST-TICK", 180).empty());

    const std::vector<std::string> survivors = {"a", "c"};
    const auto fenced = [] {
        const std::string h = exec("a", "stonith_admin --history b --output-as=xml").out;
        return h.find("target=\"b\"") != std::string::npos && h.find("status=\"success\"") != std::string::npos;
    };
    BOOST_REQUIRE(!fenced());
    const auto t0 = std::chrono::steady_clock::now();
    const auto since = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
    kill_host("b");
    double fenced_at = -1;
    std::string to;
    while (to.empty() && since() < 900) {
        if (fenced_at < 0 && fenced()) fenced_at = since();
        const auto xen = running_at_most_once("pk3", survivors);
        if (xen.size() == 1) {
            // Fencing is confirmed before the restart (a poll may see both
            // in one round: then the history must already say so).
            BOOST_REQUIRE_MESSAGE(fenced_at >= 0 || fenced(), "pk3 started on " << xen[0] << " before b was fenced:\n"
                                                                  << exec("a", "stonith_admin --history b").out);
            if (fenced_at < 0) fenced_at = since();
            to = xen[0];
        } else {
            exec("a", "sleep 2");
        }
    }
    BOOST_REQUIRE_MESSAGE(!to.empty(), "pk3 not restarted after b's power loss; crm_mon:\n" << exec("a", "crm_mon -1 -r").out);
    wait_only_on("pk3", to, 600);
    record("power loss of b -> b fenced (stonith history)", fenced_at);
    record("power loss of b -> pk3 running alone on " + to, since());
    BOOST_TEST_MESSAGE(exec("a", "stonith_admin --history b").out);
    // The poison pill is on the disk: b's sbd would act on it if b rejoined
    // before an admin cleared it (`sbd -d DEV message b clear`). The suite
    // boots b again without the cluster; the next run makes a new disk.
    const std::string slots = must("a", "sbd -d /dev/lab-sbd list");
    BOOST_TEST(sbd_message(slots, "b") == "reset", slots);
    const auto rec = record_of(to, "pk3");
    BOOST_TEST(rec.host == to);
    BOOST_TEST(check_applied(rec.policy, domain_policy(to, "pk3")).summary() == "as requested");
    BOOST_TEST(!wait_console(to, "pk3", "GUEST-TICK", 180).empty());
    // b is still configured but down: pool status says its domains are not
    // known (exit 1), never that it has none; pk3 is listed once, on `to`.
    const Result st = exec("a", "cpucompat pool status --json");
    BOOST_TEST(st.status == 1, st.out << st.err);
    const auto status = nlohmann::json::parse(st.out);
    BOOST_REQUIRE_MESSAGE(status["unjudged"].size() == 1u, status.dump());
    BOOST_TEST(status["unjudged"][0]["node"] == "b");
    int listed = 0;
    for (const auto &d : status["domains"]) {
        if (d["domain"] != "pk3") continue;
        ++listed;
        BOOST_TEST(d["host"] == to);
    }
    BOOST_TEST(listed == 1, status.dump());
}

BOOST_AUTO_TEST_SUITE_END()
