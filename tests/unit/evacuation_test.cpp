// plan_evacuation(): where each domain of a host goes, table-driven over
// the lab's real host policies (EPYC = Zen 1, EPYC-Milan = Zen 3,
// Skylake-Server).
#include <catch2/catch.hpp>

#include "../../migration/evacuation.h"
#include "helpers.h"

using namespace cpucompat;

namespace {

constexpr uint64_t MiB = 1024;

EvacuationTarget target(const std::string &host, const char *fixture, uint64_t free_mib, bool hvm = true) {
    EvacuationTarget t{host, testing::load(fixture, "pv-max"), std::nullopt, free_mib * MiB, ""};
    if (hvm) t.hvm_max = testing::load(fixture, "hvm-max");
    return t;
}

// "domain->host:kind" for each placement, "domain:-" where none.
std::string summary(const std::vector<Placement> &ps) {
    std::string s;
    for (const auto &p : ps)
        s += p.domain + (p.host.empty() ? ":-" : "->" + p.host + ":" + move_kind_name(p.decision.kind)) + " ";
    return s;
}

}  // namespace

TEST_CASE("evacuation: live first, restart across vendors, memory, larger domains first") {
    // A PV domain made on Zen 3 with its full default policy: Zen 1 lacks ERMS.
    const Policy zen3 = testing::load("xen-cpuid-p-qemu-epyc-milan.txt", "pv-default");
    const auto dom = [&](const std::string &name, uint64_t mib) { return Evacuee{name, GuestType::pv, zen3, mib * MiB, {}}; };
    // A PV domain on a Xen without shadow paging (Debian's): no live move at all.
    Evacuee pinned = dom("pv", 512);
    pinned.live = live_capability(true, true, false);
    const EvacuationTarget zen1 = target("a", "xen-cpuid-p-qemu-epyc.txt", 4096);
    const EvacuationTarget intel = target("b", "xen-cpuid-p-qemu-skylake.txt", 4096, false);
    const EvacuationTarget milan = target("c", "xen-cpuid-p-qemu-epyc-milan.txt", 4096);
    auto small = milan;
    small.host = "c-small";
    small.free_kb = 600 * MiB;
    auto bigger = milan;
    bigger.host = "c-big";
    bigger.free_kb = 8192 * MiB;
    Evacuee vendor_mode = dom("vm", 512);
    vendor_mode.restart.mode = parse_mode("vendor");
    Evacuee v2_mode = dom("v2", 512);
    v2_mode.restart.mode = parse_mode("level:x86-64-v2");
    auto down = milan;
    down.host = "d";
    down.unavailable = "cannot be asked: ssh: connect to host d port 22: No route to host";

    struct Row { std::vector<Evacuee> doms; std::vector<EvacuationTarget> targets; MoveOptions o; std::string want; };
    const std::vector<Row> rows = {
        {{dom("web", 512)}, {zen1, intel, milan}, {}, "web->c:live "},
        {{dom("web", 512)}, {zen1, intel}, {}, "web->b:restart "},           // Zen 1 refuses (erms)
        {{dom("web", 512)}, {zen1, intel}, {true, false}, "web:- "},        // --live-only
        {{dom("web", 512)}, {zen1}, {false, true}, "web->a:restart "},       // --allow-restart
        {{dom("web", 512)}, {down, intel}, {}, "web->b:restart "},
        // The most memory left, among equally good targets.
        {{dom("web", 512)}, {milan, bigger}, {}, "web->c-big:live "},
        // c-small takes one: the larger goes first and takes it; the other is restarted on b.
        {{dom("small", 256), dom("large", 512)}, {small, intel}, {}, "small->b:restart large->c-small:live "},
        // No room anywhere.
        {{dom("huge", 9000)}, {milan, intel}, {}, "huge:- "},
        // No live move possible: across vendors, or same vendor with --allow-restart.
        {{pinned}, {milan, intel}, {}, "pv->b:restart "},
        {{pinned}, {milan}, {}, "pv:- "},
        {{pinned}, {milan, bigger}, {false, true}, "pv->c-big:restart "},
        // A restart only where its mode gives it a policy: the lab's TCG
        // hosts are below the vendor floors (Intel lacks acpi, ss; AMD
        // misalignsse, 3dnowprefetch); x86-64-v2 they all meet.
        {{vendor_mode}, {zen1, intel}, {}, "vm:- "},
        {{vendor_mode}, {zen1, intel}, {false, true}, "vm:- "},
        {{vendor_mode}, {zen1, intel, milan}, {}, "vm->c:live "},
        {{v2_mode}, {zen1, intel}, {}, "v2->b:restart "},
    };
    for (const auto &r : rows) {
        INFO(r.want);
        CHECK(summary(plan_evacuation(r.doms, r.targets, r.o, testing::baselines())) == r.want);
    }
}

TEST_CASE("evacuation: every target's reason for a domain that stays") {
    const Policy zen3 = testing::load("xen-cpuid-p-qemu-epyc-milan.txt", "hvm-default");
    const std::vector<Evacuee> doms = {{"db", GuestType::hvm, zen3, 512 * MiB, {}}};
    EvacuationTarget zen1 = target("a", "xen-cpuid-p-qemu-epyc.txt", 4096);
    EvacuationTarget intel = target("b", "xen-cpuid-p-qemu-skylake.txt", 4096, false);  // no HVM under TCG
    EvacuationTarget milan = target("c", "xen-cpuid-p-qemu-epyc-milan.txt", 100);
    const auto plan = plan_evacuation(doms, {zen1, intel, milan}, {}, testing::baselines());
    REQUIRE(plan.size() == 1);
    CHECK(plan[0].host.empty());
    CHECK(plan[0].decision.kind == MoveKind::refuse);
    REQUIRE(plan[0].rejected.size() == 3);
    CHECK(plan[0].rejected[0].first == "a");
    CHECK_THAT(plan[0].rejected[0].second, Catch::StartsWith("the receiver lacks what the domain uses: missing:"));
    CHECK(plan[0].rejected[1] == std::make_pair(std::string("b"), std::string("runs no HVM guests")));
    CHECK(plan[0].rejected[2] == std::make_pair(std::string("c"), std::string("100 MiB free, db needs 512 MiB")));
}

TEST_CASE("evacuation: a restart the domain's mode or guest cannot take is a target's reason") {
    Evacuee d{"vm", GuestType::pv, testing::load("xen-cpuid-p-qemu-epyc-milan.txt", "pv-default"), 512 * MiB, {}};
    d.restart.mode = parse_mode("vendor");
    const auto plan = plan_evacuation({d}, {target("b", "xen-cpuid-p-qemu-skylake.txt", 4096, false)}, {}, testing::baselines());
    REQUIRE(plan.size() == 1);
    CHECK(plan[0].host.empty());
    REQUIRE(plan[0].rejected.size() == 1);
    CHECK_THAT(plan[0].rejected[0].second,
               Catch::Contains("but a restart there would not do: mode vendor there: host is below the floor of \"vendor-intel\": it lacks"));
}
