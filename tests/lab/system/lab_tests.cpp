// System tests against real Xen 4.17 hosts booted under QEMU (tests/lab/).
// One pool serves every test: a = AMD EPYC (Zen 1), c = AMD EPYC-Milan
// (Zen 3), b = Intel Skylake-Server, d = Intel Cascadelake-Server. The
// Intel hosts get acpi and ss, which QEMU's models leave out and every real
// Intel server has, so they meet the Intel vendor floor (TCG cannot give
// the AMD models what they lack of theirs). Each test uses its own guest
// names and destroys what it created.
#define BOOST_TEST_MODULE xen_lab
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "../../../toolstack/core/catalogue.h"
#include "../../../toolstack/import/fingerprint.h"
#include "../../../toolstack/import/import.h"
#include "lab_client.h"
#include "lab_guest.h"

using namespace cpucompat;
using namespace lab;
namespace utf = boost::unit_test;

namespace {

struct Pool {
    Pool() {
        lab::down();  // a pool left over by an interrupted run
        lab::up({"a=EPYC", "b=Skylake-Server,+acpi,+ss", "c=EPYC-Milan", "d=Cascadelake-Server,+acpi,+ss"});
    }
    ~Pool() { lab::down(); }
};
BOOST_TEST_GLOBAL_FIXTURE(Pool);

}  // namespace

BOOST_AUTO_TEST_CASE(host_fingerprint_agrees_with_xen_cpuid, *utf::timeout(300)) {
    for (const std::string host : {"a", "b"}) {
        const Policy xen = parse(host + ": xen-cpuid -p", lab::must(host, "xen-cpuid -p"), "host");
        const Policy ours = policy_from_json(nlohmann::json::parse(lab::must(host, "cpucompat --json host")), host + ": cpucompat host");
        BOOST_TEST_INFO("host " << host);
        BOOST_TEST(ours.vendor_id == xen.vendor_id);
        BOOST_TEST(names(ours.features) == names(xen.features));
        BOOST_TEST(ours.max_leaf == xen.max_leaf);
        BOOST_TEST(ours.max_extd_leaf == xen.max_extd_leaf);
        BOOST_TEST(ours.max_subleaf7 == xen.max_subleaf7);
    }
    BOOST_TEST(parse("a", lab::must("a", "xen-cpuid -p"), "host").vendor_id == "AuthenticAMD");
    BOOST_TEST(parse("b", lab::must("b", "xen-cpuid -p"), "host").vendor_id == "GenuineIntel");
}

// cpucompat normalize --xl gives the cpuid= line; Xen applies exactly the
// normalized policy and the guest's kernel sees the features gone.
BOOST_AUTO_TEST_CASE(normalized_policy_is_what_xen_applies, *utf::timeout(600)) {
    struct Row { std::string host, mode; std::vector<std::string> hidden, kept; };
    const std::vector<Row> rows = {
        // Linux's names: "pni" is SSE3.
        {"a", "hyperv-r2", {"ssse3", "sse4_1", "sse4_2", "popcnt", "abm", "sse4a"}, {"sse2", "pni"}},
        {"b", "hyperv-r2", {"ssse3", "sse4_1", "sse4_2", "popcnt", "xsave", "avx"}, {"sse2", "pni"}},
        {"c", "level:x86-64-v2", {"avx", "avx2", "aes", "sha_ni", "bmi1"}, {"sse4_2", "popcnt", "ssse3"}},
    };
    for (const auto &r : rows) {
        BOOST_TEST_CONTEXT("host " << r.host << " mode " << r.mode) {
            lab::must(r.host, "cpucompat --json host --policy pv-default > /tmp/host.json");
            const std::string args = " --guest-type pv --mode " + r.mode + " /tmp/host.json";
            const std::string line = lab::must(r.host, "cpucompat normalize --xl" + args);
            const Policy want = policy_from_json(nlohmann::json::parse(lab::must(r.host, "cpucompat --json normalize" + args)), "normalized");
            const std::string g = "norm-" + r.host;
            create(r.host, g, "pv", 128, line.substr(std::string("cpuid=").size(), line.find_last_not_of('\n') + 1 - 6));
            const Policy got = lab::domain_policy(r.host, g);
            BOOST_TEST(names(controllable(got.features)) == names(controllable(want.features)));
            BOOST_TEST(got.max_leaf == want.max_leaf);
            BOOST_TEST(got.max_extd_leaf == want.max_extd_leaf);
            const auto flags = guest_flags(r.host, g);
            for (const auto &f : r.hidden) BOOST_TEST(!flags.count(f), f << " is still in the guest's /proc/cpuinfo");
            for (const auto &f : r.kept) BOOST_TEST(flags.count(f), f << " is missing from the guest's /proc/cpuinfo");
            destroy(r.host, g);
        }
    }
}

// xl save on one AMD host, xl restore on the other; the same image on the
// Intel host is refused by Xen itself (4.17 checks only the CPUID limits).
BOOST_AUTO_TEST_CASE(save_restore_across_hosts, *utf::timeout(900)) {
    const CleanupGuard clean_a{"a", "rm -f /tmp/sr.save"}, clean_b{"b", "rm -f /tmp/sr.save"}, clean_c{"c", "rm -f /tmp/sr.save"};
    const GuestGuard on_a{"a", "sr"}, on_c{"c", "sr"};  // a failed save resumes the guest on a
    create("a", "sr", "pv", 128, "");
    lab::must("a", "xl save sr /tmp/sr.save");
    lab::must("a", "cat /tmp/sr.save | ssh c 'cat > /tmp/sr.save' && cat /tmp/sr.save | ssh b 'cat > /tmp/sr.save'");
    const std::string sum = lab::must("a", "sha256sum < /tmp/sr.save");
    BOOST_REQUIRE_EQUAL(lab::must("c", "sha256sum < /tmp/sr.save"), sum);  // the copy arrived intact
    BOOST_REQUIRE_EQUAL(lab::must("b", "sha256sum < /tmp/sr.save"), sum);

    lab::must("c", "xl restore /tmp/sr.save");
    const int before = lab::last_tick("c", "sr");
    BOOST_REQUIRE(!lab::wait_console("c", "sr", "GUEST-TICK " + std::to_string(before + 2), 60).empty());
    destroy("c", "sr");

    const lab::Result refused = lab::exec("b", "xl restore /tmp/sr.save");
    BOOST_TEST(refused.status != 0);
    BOOST_TEST(refused.err.find("Failed to set CPUID policy") != std::string::npos, refused.err);
    BOOST_TEST(lab::exec("b", "xl domid sr").status != 0);  // nothing half-built left behind
    std::ofstream(lab::records_dir() + "/restore-amd-image-on-intel.txt") << "$ xl restore /tmp/sr.save  (EPYC image on Skylake-Server)\nexit "
                                                                          << refused.status << "\n" << refused.err;
    BOOST_TEST_MESSAGE("Xen's refusal, recorded in build/lab/records/restore-amd-image-on-intel.txt:\n" << refused.err);
}

// Live migration of a PVH guest between the AMD hosts with plain `xl
// migrate` (over ssh between the dom0s); the guest's heartbeat goes on on
// the receiver. rdtscp=0: QEMU's SVM mishandles it. On the receiver,
// xenconsoled names the console log after the domain's name when it
// attaches: "mig--incoming" (xl renames the domain to "mig" only after the
// memory has arrived).
BOOST_AUTO_TEST_CASE(live_migration_pvh_between_amd_hosts, *utf::timeout(900)) {
    const GuestGuard on_a{"a", "mig"}, on_c{"c", "mig"};
    create("a", "mig", "pvh", 96, "\"host,rdtscp=0\"");  // a PVH kernel needs more than 64 MiB
    const int on_sender = lab::last_tick("a", "mig");
    const lab::Result moved = lab::exec("a", "xl migrate mig c");
    BOOST_REQUIRE_MESSAGE(moved.status == 0, "xl migrate mig c:\n" << moved.err);
    BOOST_TEST(lab::exec("a", "xl domid mig").status != 0);  // gone from the sender
    lab::must("c", "xl domid mig");
    const std::string tick = lab::wait_console("c", "mig--incoming", "GUEST-TICK", 60);
    int n = 0;
    std::sscanf(tick.c_str(), "GUEST-TICK %d", &n);
    BOOST_TEST(n > on_sender, "heartbeat on the receiver (" << n << ") continues the sender's (" << on_sender << ")");
    BOOST_TEST(!lab::wait_console("c", "mig--incoming", "GUEST-TICK " + std::to_string(n + 2), 60).empty());
}
