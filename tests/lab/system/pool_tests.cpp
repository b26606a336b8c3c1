// Pools on real Xen (issues 11 and 12): `cpucompat pool status|what-if`
// with the hosts' own `xen-cpuid -p` as their fingerprints, judging a
// domain created in mode pool on c.
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "lab_client.h"
#include "lab_guest.h"

using namespace cpucompat;
using namespace lab;
namespace utf = boost::unit_test;

namespace {

std::vector<std::string> strings(const nlohmann::json &j) { return j.get<std::vector<std::string>>(); }

}  // namespace

// The AMD pool a + c; d (Intel) known by its fingerprint. A PVH domain on c
// in mode pool (guest rhel-9) moves live to a; d is refused: Xen under TCG
// offers no HVM guests on the Intel hosts (no nested HAP), so d's
// fingerprint is its PV max, without what an HVM rhel-9 needs (pse, pge,
// mtrr...). A what-if that removes a names the domain (its only live target
// goes); one that adds d brings a new vendor and changes nothing for it.
BOOST_AUTO_TEST_CASE(pool_what_if_judges_this_hosts_domains, *utf::timeout(900)) {
    for (const char *h : {"a", "c", "d"}) put_file("c", std::string("/tmp/fp-") + h + ".txt", must(h, "xen-cpuid -p"));
    const CleanupGuard tidy{"c", "xenstore-rm /tool/cpucompat/pool; rm -f /tmp/fp-a.txt /tmp/fp-c.txt /tmp/fp-d.txt /etc/xen/pw.cfg"};
    must("c", "cpucompat publish --pool /tmp/fp-a.txt /tmp/fp-c.txt");
    put_file("c", "/etc/xen/pw.cfg", guest_config("pw", "pvh", 96, "\"host,rdtscp=0\"") + "cpu_compat = \"pool\"\ncpu_compat_guest = \"rhel-9\"\n");
    const GuestGuard pw{"c", "pw"};
    must("c", "cpucompat create /etc/xen/pw.cfg");
    BOOST_TEST(record_of("c", "pw").mode == "pool");

    const std::string pool = " --pool a=/tmp/fp-a.txt --pool c=/tmp/fp-c.txt --node c";
    const auto status = nlohmann::json::parse(must("c", "cpucompat pool status --json" + pool + " --pool d=/tmp/fp-d.txt"));
    BOOST_REQUIRE(status["levels"].size() == 2u);
    BOOST_TEST(strings(status["levels"][0]["hosts"]) == (std::vector<std::string>{"a", "c"}), status.dump());
    BOOST_REQUIRE(status["domains"].size() == 1u);
    BOOST_TEST(status["domains"][0]["domain"] == "pw");
    BOOST_TEST(strings(status["domains"][0]["live"]) == std::vector<std::string>{"a"}, status.dump());
    BOOST_TEST(status["domains"][0]["restart"].empty(), status.dump());
    BOOST_TEST(status["domains"][0]["refused"]["d"].get<std::string>().find("its guest rhel-9 would not boot") != std::string::npos,
               status.dump());

    const Result rm = exec("c", "cpucompat pool what-if --json" + pool + " --remove a");
    BOOST_TEST(rm.status == 1, rm.err);
    const auto rj = nlohmann::json::parse(rm.out);
    BOOST_TEST(rj["affected_domains"] == 1);
    BOOST_TEST(strings(rj["domains"][0]["live_lost"]) == std::vector<std::string>{"a"}, rj.dump());
    BOOST_TEST(rj["levels"][0]["changed"] == true);  // without Zen 1 the AMD level rises
    BOOST_TEST(!rj["levels"][0]["gained"].empty());
    BOOST_TEST(rj["levels"][0]["lost"].empty());

    const Result add = exec("c", "cpucompat pool what-if --json" + pool + " --add d=/tmp/fp-d.txt");
    BOOST_TEST(add.status == 0, add.err);
    const auto aj = nlohmann::json::parse(add.out);
    BOOST_REQUIRE(aj["levels"].size() == 2u);
    BOOST_TEST(aj["levels"][1]["vendor"] == "GenuineIntel");
    BOOST_TEST(aj["levels"][1]["fingerprint_before"].is_null());
    BOOST_TEST(aj["levels"][0]["changed"] == false);
    BOOST_TEST(aj["domains"][0]["affected"] == false);
    BOOST_TEST(aj["domains"][0]["after"]["refused"].contains("d"), aj.dump());

    const std::string text = must("c", "cpucompat pool what-if" + pool + " --remove a || true");
    BOOST_TEST(text.find("loses live moves to: a") != std::string::npos, text);
}

namespace {

const std::string kAgent = "/usr/lib/ocf/resource.d/cpucompat/XenDomain";

// The agent's action ACTION on HOST as Pacemaker's executor runs it: the
// resource's parameters as OCF_RESKEY_*, plus `extra` (meta attributes).
Result agent(const std::string &host, const std::string &action, const std::string &cfg, const std::string &extra = "") {
    return exec(host, "OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=r OCF_RESKEY_xmfile=" + cfg + " OCF_RESKEY_shutdown_timeout=30 " +
                          extra + " " + kAgent + " " + action);
}

bool running(const std::string &host, const std::string &name) { return exec(host, "xl domid " + name).status == 0; }

// A move as Pacemaker makes it: migrate_to on the source, migrate_from on
// the target; after it the domain runs there and only there.
void agent_move(const std::string &cfg, const std::string &name, const std::string &from, const std::string &to) {
    const Result moved = agent(from, "migrate_to", cfg, "OCF_RESKEY_CRM_meta_migrate_target=" + to);
    BOOST_TEST(moved.status == 0, from << " -> " << to << ": " << moved.out << moved.err);
    BOOST_TEST(agent(to, "migrate_from", cfg, "OCF_RESKEY_CRM_meta_timeout=60000").status == 0);
    BOOST_TEST(running(to, name));
    BOOST_TEST(!running(from, name));
    BOOST_TEST(agent(from, "monitor", cfg).status == 7);
}

}  // namespace

// ocf:cpucompat:XenDomain (issue 11) on real Xen, its actions run as
// Pacemaker's executor runs them (no cluster: that part is not in the lab
// yet). resource-agents' ocf-tester and crm_resource --validate accept it;
// migrate_to moves a PVH domain live between the AMD hosts and a PV one by
// restart to the Intel host, migrate_from confirms each on the target, and a
// start that the plugin refuses (vendor mode on an AMD host below the
// floor) answers 5, not installed: Pacemaker then bans the node.
BOOST_AUTO_TEST_CASE(resource_agent_passes_ocf_tester_and_moves_through_cpucompat, *utf::timeout(1500)) {
    const std::string tcfg = "/etc/xen/rt.cfg";
    put_file("a", tcfg, guest_config("rt", "pv", 96, "") + "cpu_compat = \"level:x86-64-v2\"\n");
    const GuestGuard rt{"a", "rt"};
    const Result tester = exec("a", "OCF_ROOT=/usr/lib/ocf ocf-tester -n rt -o xmfile=" + tcfg + " -o shutdown_timeout=30 " + kAgent);
    BOOST_TEST(tester.status == 0, tester.out << tester.err);
    BOOST_TEST(tester.out.find("passed all tests") != std::string::npos, tester.out);
    BOOST_TEST(!running("a", "rt"));  // ocf-tester ends with the resource stopped

    const std::string validate = "crm_resource --validate --class ocf --provider cpucompat --agent XenDomain --option xmfile=";
    const Result ok = exec("a", validate + tcfg);
    BOOST_TEST(ok.status == 0, ok.out << ok.err);
    const Result relative = exec("a", validate + "rt.cfg");
    BOOST_TEST(relative.status != 0);
    BOOST_TEST((relative.out + relative.err).find("not configured") != std::string::npos, relative.out << relative.err);

    // Live: a PVH domain a -> c (the config on every node, as on shared storage).
    const std::string lcfg = "/etc/xen/rl.cfg";
    const std::string live_cfg = guest_config("rl", "pvh", 96, "\"host,rdtscp=0\"") + "cpu_compat = \"level:x86-64-v2\"\n";
    for (const char *h : {"a", "c"}) put_file(h, lcfg, live_cfg);
    const GuestGuard rl_a{"a", "rl"}, rl_c{"c", "rl"};
    BOOST_REQUIRE(agent("a", "start", lcfg).status == 0);
    BOOST_TEST(agent("a", "monitor", lcfg).status == 0);
    BOOST_TEST(agent("c", "monitor", lcfg).status == 7);
    agent_move(lcfg, "rl", "a", "c");
    BOOST_TEST(record_of("c", "rl").host == "a");  // moved live: the record made on a came along
    BOOST_TEST(agent("c", "stop", lcfg).status == 0);
    BOOST_TEST(!running("c", "rl"));

    // Across vendors: a PV domain a -> b by a clean shutdown and a fresh start.
    const std::string rcfg = "/etc/xen/rr.cfg";
    const std::string restart_cfg = guest_config("rr", "pv", 96, "") + "cpu_compat = \"level:x86-64-v2\"\n";
    for (const char *h : {"a", "b"}) put_file(h, rcfg, restart_cfg);
    const GuestGuard rr_a{"a", "rr"}, rr_b{"b", "rr"};
    BOOST_REQUIRE(agent("a", "start", rcfg).status == 0);
    agent_move(rcfg, "rr", "a", "b");
    BOOST_TEST(record_of("b", "rr").host == "b");  // restarted: created afresh there, by its mode

    // No target, or a domain not here: a soft failure, nothing moves.
    BOOST_TEST(agent("a", "migrate_to", rcfg).status == 1);
    BOOST_TEST(agent("a", "migrate_to", rcfg, "OCF_RESKEY_CRM_meta_migrate_target=c").status == 1);
    BOOST_TEST(running("b", "rr"));

    // Refused by the plugin on this node: 5 (hard: ban the node), nothing built.
    const std::string vcfg = "/etc/xen/rv.cfg";
    put_file("a", vcfg, guest_config("rv", "pv", 96, "") + "cpu_compat = \"vendor\"\n");
    const GuestGuard rv{"a", "rv"};
    const Result refused = agent("a", "start", vcfg);
    BOOST_TEST(refused.status == 5, refused.out << refused.err);
    BOOST_TEST(refused.err.find("cannot run on this node") != std::string::npos, refused.err);
    BOOST_TEST(!running("a", "rv"));
    // A stop needs only the name: with the config gone it still succeeds.
    must("a", "rm -f " + vcfg);
    BOOST_TEST(agent("a", "stop", vcfg, "OCF_RESKEY_name=rv").status == 0);
    exec("a", "rm -f " + tcfg + " " + lcfg + " " + rcfg);
    exec("c", "rm -f " + lcfg);
    exec("b", "rm -f " + rcfg);
}
