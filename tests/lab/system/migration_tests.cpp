// cpucompat migrate on real Xen (issue 5): decisions before anything moves,
// the cross-vendor restart (EPYC -> Skylake-Server), and its faults: a guest
// that ignores the shutdown, a receiver whose create fails after the
// shutdown, the link to the receiver dropping mid-way; and a live move
// through the wrapper between the AMD hosts, timed beside plain `xl
// migrate` in the same run.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "../../../toolstack/core/compare.h"
#include "../../../toolstack/import/domain_record.h"
#include "lab_client.h"
#include "lab_guest.h"

using namespace cpucompat;
using namespace lab;
namespace utf = boost::unit_test;

namespace {

// A PV guest made with the plugin at x86-64-v2, which both vendors can give.
void create_movable(const std::string &host, const std::string &name, const std::string &extra = "") {
    std::string cfg = guest_config(name, "pv", 128, "") + "cpu_compat = \"level:x86-64-v2\"\n";
    if (!extra.empty()) cfg.replace(cfg.find("quiet\""), 6, "quiet " + extra + "\"");
    put_file(host, "/etc/xen/" + name + ".cfg", cfg);
    must(host, "cpucompat create /etc/xen/" + name + ".cfg");
    BOOST_REQUIRE_MESSAGE(!wait_console(host, name, "GUEST-TICK", 180).empty(), name << " never ticked on " << host);
}

// A guest under a custom template that hides only nested virtualisation
// (no x86-64 level: the PVH guests here keep what the host gives), booted.
void create_no_nested(const std::string &host, const std::string &name, const std::string &type, int mem, const std::string &cpuid) {
    put_file(host, "/etc/xen/no-nested.yaml", "name: no-nested\nhide: [svm, vmx]\n");
    put_file(host, "/etc/xen/" + name + ".cfg", guest_config(name, type, mem, cpuid) + "cpu_compat = \"file:/etc/xen/no-nested.yaml\"\n");
    must(host, "cpucompat create /etc/xen/" + name + ".cfg");
    BOOST_REQUIRE_MESSAGE(!wait_console(host, name, "GUEST-TICK", 180).empty(), name << " never ticked on " << host);
}

nlohmann::json migrate_json(const std::string &from, const std::string &args, int want_status) {
    const Result r = exec(from, "cpucompat --json migrate " + args);
    BOOST_TEST(r.status == want_status, "cpucompat migrate " << args << ": exit " << r.status << "\n" << r.err << r.out);
    try {
        return nlohmann::json::parse(r.out);
    } catch (const nlohmann::json::exception &) {
        BOOST_FAIL("cpucompat migrate " << args << " printed no JSON: " << r.out << r.err);
    }
    return {};
}

}  // namespace

BOOST_AUTO_TEST_CASE(migrate_decides_before_anything_moves, *utf::timeout(600)) {
    const GuestGuard guard{"a", "dec"};
    create_movable("a", "dec");
    // Compatible with c, but Debian's Xen (no shadow paging) cannot move a
    // PV guest live: refused up front rather than failing in xl migrate.
    const auto pv_live = migrate_json("a", "--dry-run dec c", 1);
    BOOST_TEST(pv_live["decision"] == "refuse");
    BOOST_TEST(pv_live["reason"].get<std::string>().find("cannot migrate PV guests live (it is built without shadow paging)") !=
                   std::string::npos, pv_live["reason"]);
    BOOST_TEST(pv_live["diff"]["compatible"] == true);
    BOOST_TEST(migrate_json("a", "--dry-run --allow-restart dec c", 0)["decision"] == "restart");
    const auto cross = migrate_json("a", "--dry-run dec b", 0);
    BOOST_TEST(cross["decision"] == "restart");
    BOOST_TEST(cross["diff"]["vendor_mismatch"] == true);
    BOOST_TEST(migrate_json("a", "--dry-run --live-only dec b", 1)["decision"] == "refuse");
    BOOST_TEST(must("a", "xl list dec").find("dec") != std::string::npos);  // nothing moved
    BOOST_TEST(exec("b", "xl domid dec").status != 0);
}

// EPYC-Milan -> EPYC, same vendor, but the domain uses ERMS, which Zen 1
// lacks: refused with the per-feature diff before anything moves, the
// domain untouched on the sender. (Plain xl would move it and clamp ERMS.)
BOOST_AUTO_TEST_CASE(migrate_refuses_a_poorer_host_with_the_diff, *utf::timeout(600)) {
    const GuestGuard on_c{"c", "rich2"}, on_a{"a", "rich2"};
    create_no_nested("c", "rich2", "pv", 128, "");
    const Result human = exec("c", "cpucompat migrate rich2 a");
    BOOST_TEST(human.status == 1);
    BOOST_TEST(human.err.find("rich2 -> a: refuse (the receiver lacks what the domain uses: missing: erms)") != std::string::npos, human.err);
    BOOST_TEST(human.out.find("missing feature erms (word ") != std::string::npos, human.out);  // with its CPUID location
    const auto j = migrate_json("c", "rich2 a", 1);
    BOOST_TEST(j["decision"] == "refuse");
    BOOST_TEST(j["diff"]["missing"] == nlohmann::json::array({"erms"}));
    BOOST_TEST(j["diff"]["vendor_mismatch"] == false);
    BOOST_TEST(exec("a", "xl domid rich2").status != 0);  // nothing on the receiver
    const int t = last_tick("c", "rich2");
    BOOST_TEST(!wait_console("c", "rich2", "GUEST-TICK " + std::to_string(t + 2), 60).empty(), "rich2 keeps ticking on c");
    BOOST_TEST(must("c", "tail -n 1 /var/log/cpucompat/migrations.log").find("\"decision\":\"refuse\"") != std::string::npos);
}

// EPYC -> EPYC-Milan, compatible: a live move through the wrapper (PVH:
// Debian's Xen cannot live-migrate PV guests). The guest's heartbeat goes on
// and its policy on the receiver is the one it had. Then plain xl migrate
// brings it back, so the wrapper's overhead is measured beside it.
BOOST_AUTO_TEST_CASE(migrate_live_when_compatible, *utf::timeout(900)) {
    const GuestGuard on_a{"a", "lv"}, on_c{"c", "lv"};
    // A custom template: under TCG the AMD hosts' HVM policies lack vme, below every x86-64 level.
    put_file("a", "/etc/xen/no-nested.yaml", "name: no-nested\nhide: [svm, vmx]\n");
    put_file("a", "/etc/xen/lv.cfg",
             guest_config("lv", "pvh", 96, "\"host,rdtscp=0\"") + "cpu_compat = \"file:/etc/xen/no-nested.yaml\"\n");
    must("a", "cpucompat create /etc/xen/lv.cfg");
    BOOST_REQUIRE(!wait_console("a", "lv", "GUEST-TICK", 180).empty());
    const auto policy_of = [](const std::string &host) { return controllable(domain_policy(host, "lv").features); };
    const Featureset before = policy_of("a");
    const int on_sender = last_tick("a", "lv");

    using clock = std::chrono::steady_clock;
    auto t0 = clock::now();
    const Result wrapped = exec("a", "cpucompat --json migrate lv c");
    const double wrapper_s = std::chrono::duration<double>(clock::now() - t0).count();
    BOOST_REQUIRE_MESSAGE(wrapped.status == 0, "cpucompat migrate lv c: exit " << wrapped.status << "\n" << wrapped.err << wrapped.out);
    const auto j = nlohmann::json::parse(wrapped.out);
    BOOST_TEST(j["decision"] == "live");
    BOOST_TEST(exec("a", "xl domid lv").status != 0);  // gone from the sender
    const std::string tick = wait_console("c", "lv--incoming", "GUEST-TICK", 60);
    int n = 0;
    std::sscanf(tick.c_str(), "GUEST-TICK %d", &n);
    BOOST_TEST(n > on_sender, "heartbeat on c (" << n << ") continues a's (" << on_sender << ")");
    BOOST_TEST(names(policy_of("c")) == names(before));
    BOOST_TEST(must("a", "tail -n 1 /var/log/cpucompat/migrations.log").find("\"decision\":\"live\"") != std::string::npos);

    t0 = clock::now();
    const Result plain = exec("c", "xl migrate lv a");
    const double plain_s = std::chrono::duration<double>(clock::now() - t0).count();
    BOOST_REQUIRE_MESSAGE(plain.status == 0, "xl migrate lv a:\n" << plain.err);
    BOOST_TEST(names(policy_of("a")) == names(before));
    const nlohmann::json m{{"wrapper_seconds", wrapper_s}, {"plain_xl_migrate_seconds", plain_s},
                           {"note", "one PVH 96 MiB guest, EPYC <-> EPYC-Milan under QEMU TCG"}};
    std::ofstream(records_dir() + "/migrate-live-overhead.json") << m.dump(2) << "\n";
    BOOST_TEST_MESSAGE("live move, 96 MiB PVH: cpucompat migrate " << wrapper_s << " s, plain xl migrate " << plain_s << " s");
}

BOOST_AUTO_TEST_CASE(migrate_restarts_across_vendors, *utf::timeout(900)) {
    const GuestGuard on_a{"a", "xv"}, on_b{"b", "xv"};
    create_movable("a", "xv");
    const auto j = migrate_json("a", "--shutdown-timeout 120 xv b", 0);
    BOOST_TEST(j["decision"] == "restart");
    BOOST_TEST(j["outcome"] == "moved");
    std::string phases;
    for (const auto &p : j["phases"]) phases += p["phase"].get<std::string>() + "=" + std::to_string(p["seconds"].get<double>()) + "s ";
    BOOST_TEST_MESSAGE("restart downtime by phase: " << phases);
    std::ofstream(records_dir() + "/migrate-restart-phases.json") << j.dump(2) << "\n";
    BOOST_TEST(exec("a", "xl domid xv").status != 0);  // nothing left on the sender
    BOOST_REQUIRE(!wait_console("b", "xv", "GUEST-TICK", 180).empty());
    BOOST_TEST(wait_console("b", "xv", "GUEST-VENDOR", 10) == "GUEST-VENDOR GenuineIntel");
    const DomainRecord rec = record_of("b", "xv");
    BOOST_TEST(rec.mode == "level:x86-64-v2");
    BOOST_TEST(rec.policy.vendor_id == "GenuineIntel");
    BOOST_TEST(must("a", "tail -n 1 /var/log/cpucompat/migrations.log").find("\"outcome\":\"moved\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(migrate_faults_leave_the_domain_running_once, *utf::timeout(1200)) {
    // 1. The guest ignores the shutdown: without --force-shutdown it keeps
    //    running on the sender, with a clear error.
    {
        const GuestGuard guard{"a", "deaf"};
        create_movable("a", "deaf", "lab_ignore_shutdown");
        const auto j = migrate_json("a", "--shutdown-timeout 20 deaf b", 1);
        BOOST_TEST(j["outcome"] == "still-running");
        BOOST_TEST(j["failure"].get<std::string>().find("did not shut down in time") != std::string::npos);
        const int t = last_tick("a", "deaf");
        BOOST_TEST(!wait_console("a", "deaf", "GUEST-TICK " + std::to_string(t + 2), 60).empty(), "deaf keeps ticking on a");
        BOOST_TEST(exec("b", "xl domid deaf").status != 0);
    }
    // 2. The receiver's create fails after the shutdown (a domain of the same
    //    name is already there): the domain comes back on the sender.
    {
        const GuestGuard on_a{"a", "clash"}, on_b{"b", "clash"};
        create_movable("a", "clash");
        put_file("b", "/etc/xen/clash.cfg", guest_config("clash", "pv", 128, ""));
        must("b", "xl create -p /etc/xen/clash.cfg");  // occupies the name on b
        const std::string b_id = must("b", "xl domid clash");
        const auto j = migrate_json("a", "--shutdown-timeout 120 clash b", 1);
        BOOST_TEST(j["outcome"] == "recovered");
        BOOST_TEST(j["failure"].get<std::string>().find("create-on-receiver") == 0);
        BOOST_TEST(must("b", "xl domid clash") == b_id);  // b's own domain untouched
        must("a", "xl domid clash");                       // running on a again
        BOOST_TEST(!wait_console("a", "clash", "GUEST-HELLO", 120).empty());
    }
}

// A vendor-mode domain between the Intel hosts (both meet the floor; PV,
// so a restart: Debian's Xen moves no PV guest live), its guest carried in
// its record; towards an AMD host (below the AMD floor under TCG) refused
// before anything moves, naming what that host lacks.
BOOST_AUTO_TEST_CASE(migrate_vendor_mode_between_intel_hosts, *utf::timeout(900)) {
    const GuestGuard on_b{"b", "vm"}, on_d{"d", "vm"}, on_a{"a", "vm"};
    for (const std::string host : {"b", "d"})
        put_file(host, "/etc/xen/vm.cfg", guest_config("vm", "pv", 128, "") + "cpu_compat = \"vendor\"\ncpu_compat_guest = \"rhel-9\"\n");
    must("b", "cpucompat create /etc/xen/vm.cfg");
    BOOST_REQUIRE_MESSAGE(!wait_console("b", "vm", "GUEST-TICK", 180).empty(), "vm never ticked on b");
    const Policy on_sender = domain_policy("b", "vm");

    const auto to_amd = migrate_json("b", "--shutdown-timeout 120 vm a", 1);
    BOOST_TEST(to_amd["decision"] == "refuse");
    // (A PV domain's floor there: ffxsr too, which Xen gives no PV guest on those hosts.)
    const std::string why = to_amd["reason"];
    BOOST_TEST(why.find("but a restart there would not do: mode vendor there: host is below the floor of \"vendor-amd\": it lacks ") !=
                   std::string::npos, why);
    BOOST_TEST(why.find("misalignsse 3dnowprefetch") != std::string::npos, why);
    BOOST_TEST(!to_amd.contains("phases"));  // nothing was even started
    must("b", "xl domid vm");
    BOOST_TEST(exec("a", "xl domid vm").status != 0);

    const auto moved = migrate_json("b", "--allow-restart --shutdown-timeout 120 vm d", 0);
    BOOST_TEST(moved["decision"] == "restart");
    BOOST_TEST(moved["outcome"] == "moved");
    BOOST_TEST(exec("b", "xl domid vm").status != 0);
    BOOST_REQUIRE_MESSAGE(!wait_console("d", "vm", "GUEST-TICK", 180).empty(), "vm never ticked on d");
    const DomainRecord rec = record_of("d", "vm");
    BOOST_TEST(rec.mode == "vendor");
    BOOST_TEST(rec.template_name == "vendor-intel");
    BOOST_TEST(rec.guest_os == "rhel-9");  // from b's record, through the restart's create
    // Skylake and Cascade Lake: one vendor-mode policy for the guest.
    BOOST_TEST(names(controllable(domain_policy("d", "vm").features)) == names(controllable(on_sender.features)));
    BOOST_TEST(check_applied(rec.policy, domain_policy("d", "vm")).summary() == "as requested");
}

namespace {

// Fault injection the way an admin could cause it: an `xl` first on PATH
// in `host`'s dom0 takes its link to `peer` down for `seconds` the first
// time it is asked to `subcommand`, then runs the real xl. Removed again
// when the test leaves the scope.
struct LinkDropOnXl {
    std::string host;
    LinkDropOnXl(std::string h, const std::string &peer, const std::string &subcommand, int seconds) : host(std::move(h)) {
        must(host, "rm -f /tmp/drop-link.log");
        put_file(host, "/usr/local/bin/xl",
                 "#!/bin/sh\n"
                 "if [ \"$1\" = " + subcommand + " ] && [ ! -e /tmp/drop-link.log ]; then\n"
                 "  dev=$(ip route get $(awk '$2 == \"" + peer + "\" {print $1}' /etc/hosts) | sed -n 's/.* dev \\([^ ]*\\).*/\\1/p')\n"
                 "  ip link set \"$dev\" down && echo down >> /tmp/drop-link.log\n"
                 "  setsid sh -c \"sleep " + std::to_string(seconds) + "; ip link set $dev up; echo up >> /tmp/drop-link.log\" "
                 "</dev/null >/dev/null 2>&1 &\n"
                 "fi\n"
                 "exec /usr/sbin/xl \"$@\"\n");
        must(host, "chmod +x /usr/local/bin/xl");
    }
    ~LinkDropOnXl() { exec(host, "rm -f /usr/local/bin/xl; while [ -e /tmp/drop-link.log ] && ! grep -q up /tmp/drop-link.log; do sleep 1; done"); }
};

bool has_phase(const nlohmann::json &j, const std::string &name) {
    for (const auto &p : j["phases"])
        if (p["phase"] == name) return true;
    return false;
}

}  // namespace

// The link to the receiver drops mid-way; the domain ends up running on one
// host only. (1) As the receiver starts building its paused copy: the
// sender's ssh gives up (keepalive), the receiver destroys the copy nobody
// told it to run, and the domain starts here again at once. (2) As the
// receiver unpauses it: the sender never hears back, asks again until the
// link is back, finds it running there, and starts nothing here.
BOOST_AUTO_TEST_CASE(migrate_link_drop_leaves_the_domain_running_once, *utf::timeout(1200)) {
    {
        const GuestGuard on_a{"a", "ld"}, on_b{"b", "ld"};
        create_movable("a", "ld");
        const LinkDropOnXl drop{"b", "a", "create", 90};
        const auto j = migrate_json("a", "--shutdown-timeout 120 ld b", 1);
        BOOST_TEST(j["outcome"] == "recovered");
        BOOST_TEST(j["failure"].get<std::string>().find("create-on-receiver: b: cpucompat create: the link failed") == 0, j["failure"]);
        must("a", "xl domid ld");  // running here again
        BOOST_TEST(!wait_console("a", "ld", "GUEST-HELLO", 120).empty());
        // b, reached over the lab's control channel while its link is still
        // down, destroys the copy it was never told to run.
        BOOST_TEST(must("b", "i=0; while xl domid ld >/dev/null 2>&1 && [ $i -lt 60 ]; do sleep 1; i=$((i + 1)); done; "
                             "xl domid ld >/dev/null 2>&1 && echo still there || echo gone; cat /tmp/drop-link.log") == "gone\ndown\n");
    }
    {
        const GuestGuard on_a{"a", "ld2"}, on_b{"b", "ld2"};
        create_movable("a", "ld2");
        const LinkDropOnXl drop{"b", "a", "unpause", 45};
        const auto j = migrate_json("a", "--shutdown-timeout 120 --link-timeout 180 ld2 b", 0);
        BOOST_TEST(j["outcome"] == "moved");
        BOOST_TEST(j["failure"].get<std::string>().find("commit-on-receiver: b: no answer") == 0, j["failure"]);
        BOOST_TEST(has_phase(j, "locate-on-receiver"), j["phases"].dump());
        BOOST_TEST(exec("a", "xl domid ld2").status != 0);  // not here
        must("b", "xl domid ld2");
        BOOST_TEST(!wait_console("b", "ld2", "GUEST-TICK", 120).empty());
        BOOST_TEST_MESSAGE("link dropped as b unpaused ld2; phases: " << j["phases"].dump());
    }
}

// cpucompat evacuate empties a: its PVH guest goes live to the other AMD
// host, its PV guest (no live move for PV on Debian's Xen, and the Intel
// host runs no HVM guests under TCG) is restarted on the Intel host.
BOOST_AUTO_TEST_CASE(evacuate_moves_every_domain_where_it_can_go, *utf::timeout(1200)) {
    const GuestGuard evh_a{"a", "evh"}, evh_c{"c", "evh"}, evp_a{"a", "evp"}, evp_b{"b", "evp"};
    put_file("a", "/etc/xen/no-nested.yaml", "name: no-nested\nhide: [svm, vmx]\n");
    put_file("a", "/etc/xen/evh.cfg", guest_config("evh", "pvh", 96, "\"host,rdtscp=0\"") + "cpu_compat = \"file:/etc/xen/no-nested.yaml\"\n");
    must("a", "cpucompat create /etc/xen/evh.cfg");
    create_movable("a", "evp");
    BOOST_REQUIRE(!wait_console("a", "evh", "GUEST-TICK", 180).empty());

    const Result dry = exec("a", "cpucompat evacuate --dry-run b c");
    BOOST_TEST(dry.status == 0, dry.err);
    BOOST_TEST(dry.out.find("evh -> c: live (compatible: live migration)") != std::string::npos, dry.out);
    BOOST_TEST(dry.out.find("evp -> b: restart (vendors differ") != std::string::npos, dry.out);
    BOOST_TEST(must("a", "xl list | grep -c '^ev'") == "2\n");  // nothing moved

    const Result r = exec("a", "cpucompat --json evacuate --shutdown-timeout 120 b c");
    BOOST_TEST(r.status == 0, r.err << r.out);
    const auto j = nlohmann::json::parse(r.out);
    std::map<std::string, std::string> where, outcome, rejected;
    for (const auto &p : j["placements"]) {
        where[p["domain"]] = p["host"].is_null() ? "" : p["host"].get<std::string>();
        rejected[p["domain"]] = p["rejected"].dump();
    }
    for (const auto &m : j["moves"]) outcome[m["domain"]] = m["outcome"];
    BOOST_TEST(where["evh"] == "c");
    BOOST_TEST(where["evp"] == "b");
    BOOST_TEST(rejected["evh"] == "{\"b\":\"runs no HVM guests\"}");
    BOOST_TEST(rejected["evp"].find("\"c\":\"compatible, but this host's Xen cannot migrate PV guests live") != std::string::npos, rejected["evp"]);
    BOOST_TEST(outcome["evh"] == "moved");
    BOOST_TEST(outcome["evp"] == "moved");
    BOOST_TEST(must("a", "xl list | grep -c '^ev' || true") == "0\n");  // a is empty
    BOOST_TEST(!wait_console("c", "evh--incoming", "GUEST-TICK", 60).empty());
    BOOST_TEST(wait_console("b", "evp", "GUEST-VENDOR", 180) == "GUEST-VENDOR GenuineIntel");
    BOOST_TEST(must("a", "grep -c '\"evacuation\":true' /var/log/cpucompat/migrations.log") == "2\n");
}

namespace {

// Runs `cpucompat migrate ARGS` in the background in `host`'s dom0 and, once
// its progress shows the line `line`, sends it `signal`. Returns what it
// printed, its exit status last ("exit=137": killed by SIGKILL).
std::string migrate_until(const std::string &host, const std::string &args, const std::string &line, const std::string &signal) {
    return must(host, "rm -f /tmp/mv.log; cpucompat migrate " + args + " 2>/tmp/mv.log & pid=$!; i=0; "
                      "while ! grep -q '" + line + "' /tmp/mv.log && [ $i -lt 1500 ]; do sleep 0.2; i=$((i + 1)); done; "
                      "kill -" + signal + " $pid; wait $pid; echo \"exit=$?\" >> /tmp/mv.log; cat /tmp/mv.log");
}

std::string uuid_on(const std::string &host, const std::string &dom) {
    const auto j = nlohmann::json::parse(must(host, "xl list -l " + dom));
    return j.at(0).at("config").at("c_info").at("uuid").get<std::string>();
}

// Waits until `host` runs no domain `dom` (a held copy destroying itself).
bool gone_from(const std::string &host, const std::string &dom) {
    return must(host, "i=0; while xl domid " + dom + " >/dev/null 2>&1 && [ $i -lt 90 ]; do sleep 1; i=$((i + 1)); done; "
                      "xl domid " + dom + " >/dev/null 2>&1 && echo there || echo gone") == "gone\n";
}

}  // namespace

// The wrapper dies mid-move (issue 10's fault matrix, the cells that need no
// reboot): the move journal has what it did, a new migrate of the domain is
// refused with a pointer to recover, and `cpucompat recover` ends it on
// exactly one host, with the uuid it had. A signal it can catch rolls the
// move back by itself.
BOOST_AUTO_TEST_CASE(killed_mid_move_is_recovered_on_one_host, *utf::timeout(1800)) {
    // 1. SIGKILL right after confirm-gone: down here, nothing running there.
    {
        const GuestGuard on_a{"a", "k1"}, on_b{"b", "k1"};
        create_movable("a", "k1");
        const std::string uuid = uuid_on("a", "k1");
        const std::string log = migrate_until("a", "--shutdown-timeout 120 k1 b", "ok   confirm-gone", "KILL");
        BOOST_TEST(log.find("exit=137") != std::string::npos, "the wrapper was to be killed:\n" << log);
        BOOST_TEST(exec("a", "xl domid k1").status != 0);
        const auto entry = nlohmann::json::parse(must("a", "cat /var/lib/cpucompat/moves/" + uuid + ".json"));
        BOOST_TEST(entry["step"] == "gone-here");
        BOOST_TEST(must("a", "stat -c %a /var/lib/cpucompat/moves/" + uuid + ".json") == "600\n");
        const Result again = exec("a", "cpucompat migrate k1 b");
        BOOST_TEST(again.status == 2);
        BOOST_TEST(again.err.find("k1 has an unfinished move to b (step gone-here") != std::string::npos, again.err);
        BOOST_TEST(again.err.find("run `cpucompat recover k1` first") != std::string::npos, again.err);
        const Result rec = exec("a", "cpucompat --json recover k1");
        BOOST_TEST(rec.status == 0, rec.err << rec.out);
        const auto r = nlohmann::json::parse(rec.out)["moves"].at(0);
        BOOST_TEST(r["here"] == "absent");
        BOOST_TEST((r["action"] == "start-here" || r["action"] == "destroy-there-then-start-here"), r.dump());
        BOOST_TEST(r["outcome"] == "recovered");
        BOOST_TEST(uuid_on("a", "k1") == uuid);  // the same domain, not a new one
        BOOST_TEST(!wait_console("a", "k1", "GUEST-HELLO", 120).empty());
        BOOST_TEST(gone_from("b", "k1"));
        BOOST_TEST(must("a", "ls /var/lib/cpucompat/moves/ | grep -c json || true") == "0\n");
        BOOST_TEST(must("a", "ls /var/lib/cpucompat/moves/done/ | grep -c " + uuid) != "0\n");
        BOOST_TEST(must("a", "cpucompat recover --all") == "no unfinished moves in /var/lib/cpucompat/moves\n");
    }
    // 2. SIGKILL right after "go": it runs there; recover closes the move
    //    and keeps xendomains from starting it here again at boot.
    {
        const GuestGuard on_a{"a", "k2"}, on_b{"b", "k2"};
        create_movable("a", "k2");
        must("a", "mkdir -p /etc/xen/auto && ln -sf /etc/xen/k2.cfg /etc/xen/auto/k2.cfg");
        const std::string log = migrate_until("a", "--shutdown-timeout 120 k2 b", "ok   commit-on-receiver", "KILL");
        BOOST_TEST(log.find("exit=137") != std::string::npos, log);
        const Result rec = exec("a", "cpucompat --json recover --all");
        BOOST_TEST(rec.status == 0, rec.err << rec.out);
        const auto r = nlohmann::json::parse(rec.out)["moves"].at(0);
        BOOST_TEST(r["there"] == "running");
        BOOST_TEST(r["outcome"] == "moved");
        BOOST_TEST(r["autostart_disabled"].at(0) == "/etc/xen/auto/.k2.cfg.moved-to-b");
        BOOST_TEST(exec("a", "xl domid k2").status != 0);
        BOOST_TEST(!wait_console("b", "k2", "GUEST-TICK", 120).empty());
        BOOST_TEST(must("a", "ls -A /etc/xen/auto") == ".k2.cfg.moved-to-b\n");
        must("a", "rm -rf /etc/xen/auto");
    }
    // 4. SIGKILL as the shutdown begins: the guest goes down by itself a
    //    little later (xl shutdown was asked). recover, run at once, finds it
    //    still up, waits for it to go (its shutdown timeout), then starts it.
    {
        const GuestGuard on_a{"a", "k5"}, on_b{"b", "k5"};
        create_movable("a", "k5");
        const std::string uuid = uuid_on("a", "k5");
        // Killed once its `xl shutdown` runs (its own process group: it goes on and asks the guest).
        const std::string log = must("a", "rm -f /tmp/mv.log; cpucompat migrate --shutdown-timeout 60 k5 b 2>/tmp/mv.log & pid=$!; i=0; "
                                          "while ! ps -o args | grep -q '^xl shutdown -F -w k5' && [ $i -lt 3000 ]; do sleep 0.05; i=$((i + 1)); done; "
                                          "kill -KILL $pid; wait $pid; echo \"exit=$?\" >> /tmp/mv.log; cat /tmp/mv.log");
        BOOST_TEST(log.find("exit=137") != std::string::npos, log);
        const Result rec = exec("a", "cpucompat --json recover k5");
        BOOST_TEST(rec.status == 0, rec.err << rec.out);
        const auto r = nlohmann::json::parse(rec.out)["moves"].at(0);
        BOOST_TEST(r["step"] == "shutdown-requested", r.dump());
        BOOST_TEST(r["here"] == "absent", r.dump());
        BOOST_TEST(r["outcome"] == "recovered", r.dump());
        BOOST_TEST(uuid_on("a", "k5") == uuid);
        BOOST_TEST(!wait_console("a", "k5", "GUEST-HELLO", 120).empty());
        BOOST_TEST(exec("b", "xl domid k5").status != 0);
    }
    // 3. SIGTERM after confirm-gone: caught; rolled back before "go".
    {
        const GuestGuard on_a{"a", "k3"}, on_b{"b", "k3"};
        create_movable("a", "k3");
        const std::string uuid = uuid_on("a", "k3");
        const std::string log = migrate_until("a", "--shutdown-timeout 120 k3 b", "ok   confirm-gone", "TERM");
        BOOST_TEST(log.find("signal received: stopping the move where it can be stopped safely") != std::string::npos, log);
        BOOST_TEST(log.find("exit=1") != std::string::npos, log);
        BOOST_TEST(log.find(": recovered") != std::string::npos, log);
        must("a", "xl domid k3");
        BOOST_TEST(!wait_console("a", "k3", "GUEST-HELLO", 120).empty());
        BOOST_TEST(gone_from("b", "k3"));
        BOOST_TEST(must("a", "tail -n 1 /var/log/cpucompat/migrations.log").find("\"failure\":\"interrupted: a signal asked the move to stop\"") !=
                   std::string::npos);
        // The receiver's held entry is closed too, also when the sender's
        // roll-back destroyed the copy before the held process could (seen in CI).
        BOOST_TEST(must("b", "i=0; while [ -e /var/lib/cpucompat/moves/" + uuid + ".held.json ] && [ $i -lt 60 ]; do sleep 1; i=$((i + 1)); done; "
                             "ls /var/lib/cpucompat/moves/ | grep -c " + uuid + " || true") == "0\n");
    }
}

namespace {

// A guest whose disk is the lab's shared LUN (/dev/vda in every dom0, as
// /dev/labdisk), counting on it.
void create_on_shared_disk(const std::string &host, const std::string &name) {
    must(host, "ln -sf /dev/vda /dev/labdisk && dd if=/dev/zero of=/dev/vda bs=512 count=1 oflag=direct 2>/dev/null");
    put_file(host, "/etc/xen/" + name + ".cfg",
             guest_config(name, "pv", 128, "") + "cpu_compat = \"level:x86-64-v2\"\ndisk = [ \"phy:/dev/labdisk,xvda,w\" ]\n"
                                                 "vif = [ \"script=vif-lab\" ]\n");  // no mac=: libxl picks one
    must(host, "cpucompat create /etc/xen/" + name + ".cfg");
    BOOST_REQUIRE_MESSAGE(!wait_console(host, name, "GUEST-DISK 3", 240).empty(),
                          name << " never counted on its disk on " << host << ":\n"
                               << exec(host, "tail -c 1500 /var/log/xen/console/guest-" + name + ".log; xl list").out);
}

// The uuid and NIC MACs of `dom` on `host`, from libxl's stored config.
std::string identity_on(const std::string &host, const std::string &dom) {
    const auto c = nlohmann::json::parse(must(host, "xl list -l " + dom)).at(0).at("config");
    std::string id = c.at("c_info").at("uuid").get<std::string>();
    for (const auto &nic : c.value("nics", nlohmann::json::array())) id += " " + nic.value("mac", std::string("?"));
    return id;
}

}  // namespace

// Shared storage, real: the lab's LUN is one raw image attached to every
// host's QEMU (share-rw), the guest's disk on it. A restart AMD -> Intel and
// back loses no write (its counter goes on from the last one written) and
// never has two writers. A receiver whose disk under the same name is
// another one is found out before the domain is created there: it runs
// here again, and its disk never saw another writer.
BOOST_AUTO_TEST_CASE(restart_on_shared_storage_keeps_every_write, *utf::timeout(1500)) {
    const GuestGuard on_a{"a", "sd"}, on_b{"b", "sd"};
    create_on_shared_disk("a", "sd");
    must("b", "ln -sf /dev/vda /dev/labdisk");
    const auto fresh_console = [](const std::string &host) { exec(host, "rm -f /var/log/xen/console/guest-sd.log"); };
    fresh_console("b");
    // The MAC libxl picked (none in the file) and the uuid go with it.
    const std::string identity = identity_on("a", "sd");
    BOOST_TEST_MESSAGE("sd on a: uuid and MAC " << identity);
    BOOST_TEST(identity.find(" 00:16:3e:") != std::string::npos, identity);
    const auto there = migrate_json("a", "--shutdown-timeout 120 sd b", 0);
    BOOST_TEST(there["outcome"] == "moved");
    BOOST_TEST(has_phase(there, "storage-check"), there["phases"].dump());
    BOOST_TEST(exec("a", "xl domid sd").status != 0);
    continues_counting("a", "b", "sd");
    BOOST_TEST(identity_on("b", "sd") == identity);
    // Back from b, where only the config kept for its uuid exists (no /etc/xen/sd.cfg).
    BOOST_TEST(exec("b", "test -e /etc/xen/sd.cfg").status != 0);
    fresh_console("a");
    const auto back = migrate_json("b", "--shutdown-timeout 120 sd a", 0);
    BOOST_TEST(back["outcome"] == "moved");
    continues_counting("b", "a", "sd");
    BOOST_TEST(identity_on("a", "sd") == identity);

    // b's /dev/labdisk is now a local image of the same size: not the LUN.
    must("b", "dd if=/dev/urandom of=/tmp/other.img bs=1M count=64 2>/dev/null && dev=$(losetup -f) && "
              "losetup $dev /tmp/other.img && ln -sf $dev /dev/labdisk && echo $dev > /tmp/other.dev");
    const auto refused = migrate_json("a", "--shutdown-timeout 120 sd b", 1);
    BOOST_TEST(refused["outcome"] == "recovered");
    BOOST_TEST(refused.value("failure", "").find("storage-check: not the same disk on both hosts: /dev/labdisk: its first MiB differs on b") == 0,
               refused.dump());
    BOOST_TEST(exec("b", "xl domid sd").status != 0);
    must("a", "xl domid sd");
    BOOST_TEST(!wait_console("a", "sd", "GUEST-HELLO", 120).empty());
    const auto none = migrate_json("a", "--dry-run --storage-check=none sd b", 0);
    BOOST_TEST(none["decision"] == "restart");
    exec("b", "rm -f /dev/labdisk; losetup -d $(cat /tmp/other.dev); rm -f /tmp/other.img /tmp/other.dev");
}

// The receiver's paused copy never runs unless told to, even when the
// process holding it is killed (SIGKILL: no clean-up of its own) and the
// sender's wrapper with it. The wrapper is stopped (SIGSTOP) once its ssh
// session to the receiver runs the create (stopped at the phase's start
// line, it had not spawned ssh yet), so the copy is built and never told to
// run; then both are killed. The copy stays paused past its hold time;
// `recover` on the receiver destroys it (its held entry says it was never told to run), and
// `recover` on the sender starts the domain there again, with its uuid.
BOOST_AUTO_TEST_CASE(held_copy_never_runs_without_go, *utf::timeout(1200)) {
    const GuestGuard on_a{"a", "k4"}, on_b{"b", "k4"};
    create_movable("a", "k4");
    const std::string uuid = uuid_on("a", "k4");
    const std::string log = must(
        "a", "rm -f /tmp/mv.log; cpucompat migrate --shutdown-timeout 120 k4 b 2>/tmp/mv.log & pid=$!; i=0; "
             // Stopped once its ssh session to b runs `create --hold`: the
             // copy there is then built, and READY (which "go" answers)
             // cannot come back before the stop (ssh's handshake alone takes longer).
             "while ! ps -o args | grep -q '^ssh.*[c]reate --hold' && [ $i -lt 3000 ]; do sleep 0.1; i=$((i + 1)); done; "
             "kill -STOP $pid; "
             // On b: once the copy is built (paused), SIGKILL whoever holds it.
             "ssh b 'i=0; until xl list k4 2>/dev/null | grep -q \"k4 .* --p\"; do [ $i -lt 600 ] || exit 1; sleep 0.2; i=$((i + 1)); done; "
             "sleep 2; ps -o pid,args | grep \"[c]reate --hold\" | while read p rest; do kill -9 $p && echo killed-held $p; done' >> /tmp/mv.log 2>&1; "
             "kill -9 $pid; kill -CONT $pid; wait $pid; echo \"exit=$?\" >> /tmp/mv.log; cat /tmp/mv.log");
    BOOST_TEST(log.find("killed-held") != std::string::npos, "the held process was to be killed:\n" << log);
    BOOST_TEST(log.find("exit=137") != std::string::npos, log);
    // Past the hold time (30 s) with nobody left to destroy it: still paused.
    must("b", "sleep 40");
    const std::string state = must("b", "xl list k4 | tail -n 1");
    BOOST_TEST(state.find("--p") != std::string::npos, "the copy on b must stay paused: " << state);
    BOOST_TEST(exec("b", "test -e /var/lib/cpucompat/moves/" + uuid + ".held.json").status == 0);

    const Result there = exec("b", "cpucompat --json recover --all");
    BOOST_TEST(there.status == 0, there.err << there.out);
    nlohmann::json rb;  // k4's entry (an earlier case's entries on b may be listed too)
    const auto listed = nlohmann::json::parse(there.out);  // kept: the loop must not range over a temporary's member
    for (const auto &m : listed.at("moves"))
        if (m.at("uuid") == uuid) rb = m;
    BOOST_TEST(rb["role"] == "receiver", rb.dump());
    BOOST_TEST(rb["outcome"] == "destroyed", rb.dump());
    BOOST_TEST(gone_from("b", "k4"));
    const Result here = exec("a", "cpucompat --json recover k4");
    BOOST_TEST(here.status == 0, here.err << here.out);
    BOOST_TEST(nlohmann::json::parse(here.out)["moves"].at(0)["outcome"] == "recovered", here.out);
    BOOST_TEST(uuid_on("a", "k4") == uuid);
    BOOST_TEST(!wait_console("a", "k4", "GUEST-HELLO", 120).empty());
    BOOST_TEST(exec("b", "xl domid k4").status != 0);
}

// Others act while an evacuation runs: the owner of ev2 shuts it down, and
// ev3 is destroyed and a new domain of that name created, while ev1 is being
// moved (the cell "a concurrent xl shutdown during evacuate"; a concurrent
// xl migrate ends the same way: the domain is no longer here). Each is gathered again under its lock right before its move: ev2 is
// skipped (not started anywhere), the new ev3 is skipped (another uuid) and
// stays where its owner started it.
BOOST_AUTO_TEST_CASE(evacuate_skips_domains_others_moved_or_stopped, *utf::timeout(1200)) {
    const GuestGuard g1a{"a", "ev1"}, g1b{"b", "ev1"}, g2a{"a", "ev2"}, g2b{"b", "ev2"}, g3a{"a", "ev3"}, g3b{"b", "ev3"};
    for (const char *n : {"ev1", "ev2", "ev3"}) create_movable("a", n);
    const std::string old3 = uuid_on("a", "ev3");
    // Progress (stderr) shows when ev1's shutdown begins (its move has ~30 s
    // to go: ev2 and ev3 change well before their turn); each move's
    // outcome is in the audit log, one JSON line per domain.
    const std::string out = must(
        "a", "n=$(wc -l < /var/log/cpucompat/migrations.log 2>/dev/null || echo 0); "
             "cpucompat evacuate --shutdown-timeout 120 b >/tmp/ev.out 2>/tmp/ev.log & pid=$!; i=0; "
             "while ! grep -q '[.][.][.]  shutdown' /tmp/ev.log && [ $i -lt 1500 ]; do sleep 0.1; i=$((i + 1)); done; "
             "xl shutdown -w ev2 >/dev/null 2>&1; xl destroy ev3; cpucompat create /etc/xen/ev3.cfg >/dev/null 2>&1; echo acted >&2; "
             "wait $pid; echo \"exit=$?\" >&2; tail -n +$((n + 1)) /var/log/cpucompat/migrations.log");
    BOOST_TEST_MESSAGE(out);
    std::map<std::string, nlohmann::json> moves;
    std::istringstream lines(out);
    for (std::string l; std::getline(lines, l);) {
        const auto m = nlohmann::json::parse(l);
        if (m.value("evacuation", false)) moves[m["domain"]] = m;
    }
    BOOST_TEST(moves.size() == 3u, out);
    BOOST_TEST(moves["ev1"]["outcome"] == "moved", moves["ev1"].dump());
    BOOST_TEST(moves["ev2"]["outcome"] == "skipped", moves["ev2"].dump());
    BOOST_TEST(moves["ev2"].value("failure", "").find("skipped: no longer here") == 0, moves["ev2"].dump());
    BOOST_TEST(moves["ev3"]["outcome"] == "skipped", moves["ev3"].dump());
    BOOST_TEST(moves["ev3"].value("failure", "").find("skipped: ") == 0, moves["ev3"].dump());
    BOOST_TEST(exec("a", "xl domid ev2").status != 0);
    BOOST_TEST(exec("b", "xl domid ev2").status != 0);  // started nowhere
    BOOST_TEST(uuid_on("a", "ev3") != old3);            // the owner's new ev3 stays on a
    BOOST_TEST(exec("b", "xl domid ev3").status != 0);
    BOOST_TEST(!wait_console("b", "ev1", "GUEST-HELLO", 120).empty());
}

// A plain `xl migrate` in flight takes none of cpucompat's locks: the domain
// still looks like any running domain here. cpucompat sees it by its
// processes (xl naming it, libxl's save helper for its id): `migrate`
// refuses, `evacuate` skips it, and the plain move ends as xl makes it,
// the domain running once, on the other host.
BOOST_AUTO_TEST_CASE(evacuate_leaves_a_plain_xl_migrate_alone, *utf::timeout(900)) {
    const GuestGuard on_a{"a", "evm"}, on_c{"c", "evm"};
    create_no_nested("a", "evm", "pvh", 96, "\"host,rdtscp=0\"");
    const std::string out = must(
        "a", "n=$(wc -l < /var/log/cpucompat/migrations.log 2>/dev/null || echo 0); "
             "xl migrate evm c >/tmp/xm.log 2>&1 & xm=$!; i=0; "
             "helper() { for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline 2>/dev/null | grep -q '^[^ ]*libxl-save-helper --save-domain' && return 0; done; return 1; }; "
             "until helper || [ $i -ge 600 ]; do sleep 0.1; i=$((i + 1)); done; helper && echo 'HELPER SEEN'; "
             "cpucompat migrate evm c >/tmp/m.out 2>&1; echo \"MIGRATE EXIT $?\"; cat /tmp/m.out; "
             "cpucompat evacuate --domain evm c >/tmp/e.out 2>&1; echo \"EVACUATE EXIT $?\"; "
             "wait $xm; echo \"XL MIGRATE EXIT $?\"; tail -n +$((n + 1)) /var/log/cpucompat/migrations.log | grep '\"evacuation\"'");
    BOOST_TEST_MESSAGE(out);
    BOOST_TEST(out.find("HELPER SEEN") != std::string::npos, out);
    BOOST_TEST(out.find("MIGRATE EXIT 2") != std::string::npos, out);
    BOOST_TEST(out.find("evm is being moved or saved by another process: ") != std::string::npos, out);
    BOOST_TEST(out.find("XL MIGRATE EXIT 0") != std::string::npos, out);
    const auto line = out.substr(out.rfind('{'));
    const auto m = nlohmann::json::parse(line.substr(0, line.find('\n')));
    BOOST_TEST(m["outcome"] == "skipped", m.dump());
    BOOST_TEST(m.value("failure", "").find("skipped: being moved or saved by another process: ") == 0, m.dump());
    BOOST_TEST(exec("a", "xl domid evm").status != 0);  // moved by xl, once
    must("c", "xl domid evm");
    BOOST_TEST(!wait_console("c", "evm--incoming", "GUEST-TICK", 60).empty());
}
