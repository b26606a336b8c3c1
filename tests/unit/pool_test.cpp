// The pool model (migration/pool.h): levels per vendor, where each domain
// can go, and what adding or removing hosts does to them. Over the lab's
// real host policies (EPYC = Zen 1, EPYC-Milan = Zen 3, Skylake-Server) and
// one made weaker by hand (Zen 3 without avx2: the "older node joins" case).
#include <catch2/catch.hpp>

#include "../../migration/pool.h"
#include "../../migration/pool_domains.h"
#include "../../toolstack/core/error.h"
#include "../../toolstack/core/guest.h"
#include "../../toolstack/core/level.h"
#include "../../toolstack/import/guest_table.h"
#include "helpers.h"

#include <nlohmann/json.hpp>

using namespace cpucompat;

namespace {

PoolHost host(const std::string &name, const char *fixture) { return {name, testing::load(fixture, "pv-max")}; }

// PV max policies (the Intel fixture has no HVM: no nested HAP under TCG).
// Loaded when a test runs (the catalogue and fixtures are not there before main).
PoolHost zen1_() { return host("a", "xen-cpuid-p-qemu-epyc.txt"); }
PoolHost intel_() { return host("b", "xen-cpuid-p-qemu-skylake.txt"); }
PoolHost zen3_() { return host("c", "xen-cpuid-p-qemu-epyc-milan.txt"); }

PoolHost renamed(PoolHost h, const std::string &name) {
    h.name = name;
    return h;
}

PoolHost without(PoolHost h, const std::string &name, const char *feature) {
    h.name = name;
    h.max.features.clear(testing::id(feature));
    return h;
}

// A domain created in mode pool on `on`, with the level of `members`.
PoolDomain pool_domain(const std::string &name, const std::string &on, const std::vector<PoolHost> &members,
                       const std::string &guest_os = "") {
    PoolDomain d;
    d.name = name;
    d.host = on;
    d.guest = GuestType::pv;
    std::vector<Policy> ps;
    for (const auto &m : members) ps.push_back(m.max);
    d.policy = level(ps);
    d.restart.mode = parse_mode("pool");
    if (!guest_os.empty()) {
        static const LoadedGuestTable t = load_guest_table(default_guest_table_path());
        d.restart.guest_os = guest_os;
        d.restart.guest_minimum = guest_minimum(t.find(guest_os), t.levels, GuestType::pv);
    }
    return d;
}

std::string join(const std::vector<std::string> &v) {
    std::string s;
    for (const auto &x : v) s += (s.empty() ? "" : ",") + x;
    return s;
}

}  // namespace

TEST_CASE("pool: one level per vendor, in vendor-id order, hosts in pool order") {
    const PoolHost zen1 = zen1_(), intel = intel_(), zen3 = zen3_();
    const auto ls = pool_levels({zen3, intel, zen1});
    REQUIRE(ls.size() == 2);
    CHECK(ls[0].vendor_id == "AuthenticAMD");
    CHECK(join(ls[0].hosts) == "c,a");
    CHECK(ls[0].level.same_guest_view(level({zen3.max, zen1.max})));
    CHECK(ls[1].vendor_id == "GenuineIntel");
    CHECK(join(ls[1].hosts) == "b");
    CHECK_THROWS_WITH(pool_levels({zen1, renamed(zen3, "a")}), "pool host a is named twice");
    CHECK_THROWS_WITH(pool_levels({}), "the pool has no hosts");
}

TEST_CASE("pool: where a domain can go, never to its own host") {
    const PoolHost zen1 = zen1_(), intel = intel_(), zen3 = zen3_();
    // Zen 3's whole max policy: Zen 1 lacks features (restart), Intel is another vendor (restart).
    PoolDomain full = pool_domain("full", "c", {zen3});
    full.restart.mode = parse_mode("off");
    const PoolDomain lvl = pool_domain("lvl", "c", {zen3, zen1});
    PoolDomain pinned = lvl;
    pinned.live = live_capability(true, true, false);  // PV on a Xen without shadow paging
    struct Row { PoolDomain d; std::vector<PoolHost> hosts; std::string live, restart, refused; };
    const std::vector<Row> rows = {
        {full, {zen1, intel, zen3}, "", "a,b", ""},
        {lvl, {zen1, intel, zen3}, "a", "b", ""},
        {lvl, {zen3, renamed(zen3, "c2")}, "c2", "", ""},
        {pinned, {zen1, zen3}, "", "a", ""},
        {lvl, {zen3}, "", "", ""},
    };
    for (const auto &r : rows) {
        const Mobility m = mobility(r.d, r.hosts, testing::baselines());
        std::vector<std::string> refused;
        for (const auto &[h, why] : m.refused) refused.push_back(h);
        INFO(r.d.name);
        CHECK(join(m.live) == r.live);
        CHECK(join(m.restart) == r.restart);
        CHECK(join(refused) == r.refused);
    }
}

TEST_CASE("pool what-if: a weaker node lowers its vendor's level; removing it raises it again") {
    const PoolHost zen1 = zen1_(), intel = intel_(), zen3 = zen3_();
    const PoolHost weak = without(zen3, "w", "avx2");
    const PoolHost c2 = renamed(zen3, "c2");
    const PoolDomain d = pool_domain("web", "c", {zen3, c2}, "rhel-10");

    // Adding w: the AMD level loses avx2 (and what depends on it); web
    // keeps its live target c2, gains none (w lacks avx2), and its next
    // start at the new level would not boot rhel-10.
    const WhatIf add = what_if({zen3, c2}, {d}, {{weak}, {}}, testing::baselines());
    REQUIRE(add.shifts.size() == 1);
    CHECK(add.shifts[0].changed());
    CHECK(add.shifts[0].lost.test(testing::id("avx2")));
    CHECK(add.shifts[0].gained.empty());
    REQUIRE(add.domains.size() == 1);
    CHECK(add.domains[0].live_lost.empty());
    CHECK(add.domains[0].live_gained.empty());
    CHECK(join(add.domains[0].after.live) == "c2");
    // Nor would a restart onto w do: rhel-10 at the pool's new level.
    CHECK(add.domains[0].after.restart.empty());
    REQUIRE(add.domains[0].after.refused.size() == 1);
    CHECK(add.domains[0].after.refused[0].first == "w");
    CHECK(add.domains[0].after.refused[0].second.find("avx2") != std::string::npos);
    CHECK(add.domains[0].guest_after.find("rhel-10") != std::string::npos);
    CHECK(add.domains[0].guest_after.find("avx2") != std::string::npos);
    CHECK(add.domains[0].affected());

    // With w in the pool, a domain at the lower level; removing w raises
    // the level (gains avx2), the domain loses w as a live target.
    const PoolDomain low = pool_domain("low", "c", {zen3, c2, weak}, "rhel-10");
    const WhatIf rm = what_if({zen3, c2, weak}, {low}, {{}, {"w"}}, testing::baselines());
    REQUIRE(rm.shifts.size() == 1);
    CHECK(rm.shifts[0].gained.test(testing::id("avx2")));
    CHECK(rm.shifts[0].lost.empty());
    CHECK(join(rm.domains[0].live_lost) == "w");
    CHECK_FALSE(rm.domains[0].host_removed);
    CHECK(rm.domains[0].guest_after.empty());  // rhel-10 boots at the higher level
}

TEST_CASE("pool what-if: hosts removed and added, vendors appearing and leaving") {
    const PoolHost zen1 = zen1_(), intel = intel_(), zen3 = zen3_();
    const PoolHost c2 = renamed(zen3, "c2");
    const PoolDomain d = pool_domain("web", "c", {zen3, c2, zen1});
    struct Row {
        const char *what;
        std::vector<PoolHost> hosts;
        PoolChange change;
        std::string live_lost, live_gained, live_after, restart_after;
        bool host_removed, affected;
        std::size_t shifts_changed;
    };
    const std::vector<Row> rows = {
        {"nothing changes", {zen3, c2, zen1}, {}, "", "", "c2,a", "", false, false, 0},
        {"its host leaves", {zen3, c2, zen1}, {{}, {"c"}}, "", "", "c2,a", "", true, true, 0},
        {"a live target leaves", {zen3, c2, zen1}, {{}, {"c2"}}, "c2", "", "a", "", false, true, 0},
        {"an Intel host joins", {zen3, c2, zen1}, {{intel}, {}}, "", "", "c2,a", "b", false, false, 1},
        {"an equal AMD host joins", {zen3, c2, zen1}, {{renamed(zen3, "c3")}, {}}, "", "c3", "c2,a,c3", "", false, false, 0},
        {"the Intel host leaves", {zen3, c2, zen1, intel}, {{}, {"b"}}, "", "", "c2,a", "", false, false, 1},
    };
    for (const auto &r : rows) {
        INFO(r.what);
        const WhatIf w = what_if(r.hosts, {d}, r.change, testing::baselines());
        REQUIRE(w.domains.size() == 1);
        const DomainImpact &im = w.domains[0];
        CHECK(join(im.live_lost) == r.live_lost);
        CHECK(join(im.live_gained) == r.live_gained);
        CHECK(join(im.after.live) == r.live_after);
        CHECK(join(im.after.restart) == r.restart_after);
        CHECK(im.host_removed == r.host_removed);
        CHECK(im.affected() == r.affected);
        std::size_t changed = 0;
        for (const auto &s : w.shifts) changed += s.changed();
        CHECK(changed == r.shifts_changed);
    }
}

TEST_CASE("pool what-if: names nothing it cannot find, and no vendor left is said") {
    const PoolHost zen1 = zen1_(), intel = intel_(), zen3 = zen3_();
    const PoolDomain d = pool_domain("web", "a", {zen1}, "rhel-9");
    CHECK_THROWS_WITH(what_if({zen1}, {}, {{}, {"x"}}, testing::baselines()), "cannot remove x: it is not a host of the pool");
    CHECK_THROWS_WITH(what_if({zen1}, {}, {{renamed(zen3, "a")}, {}}, testing::baselines()),
                      "cannot add a: the pool already has a host of that name");
    CHECK_THROWS_WITH(what_if({zen1}, {}, {{intel, renamed(intel, "b")}, {}}, testing::baselines()), "pool host b is named twice");
    const WhatIf gone = what_if({zen1, intel}, {d}, {{}, {"a"}}, testing::baselines());
    REQUIRE(gone.shifts.size() == 2);
    CHECK(gone.shifts[0].before.has_value());
    CHECK_FALSE(gone.shifts[0].after.has_value());
    CHECK(gone.shifts[0].changed());
    CHECK(gone.domains[0].host_removed);
    CHECK(gone.domains[0].guest_after == "no AuthenticAMD host is left in the pool for its next start");
    // Everything removed: no level after at all.
    const WhatIf empty = what_if({zen1}, {}, {{}, {"a"}}, testing::baselines());
    CHECK(empty.after.empty());
}

TEST_CASE("pool domains: another node's answer reads back whole, and only when it is about that node in this pool") {
    const PoolHost zen1 = zen1_(), intel = intel_(), zen3 = zen3_();
    const std::vector<PoolHost> pool{zen1, intel, zen3};
    const PoolDomain lvl = pool_domain("lvl", "c", {zen3, zen1});
    NodeDomains answer{"c", pool_digest(pool), {{"lvl", mobility(lvl, pool, testing::baselines())}}};
    answer.domains.push_back({"web 1", {{}, {}, {{"a", "below the floor of level:x86-64-v3"}, {"b", "another vendor"}}}});
    const std::string good = node_domains_json(answer).dump();
    const NodeDomains back = node_domains_from_json(good, "node c");
    CHECK(back.node == "c");
    CHECK(back.pool == answer.pool);
    REQUIRE(back.domains.size() == 2);
    CHECK(join(back.domains[0].mobility.live) == "a");
    CHECK(join(back.domains[0].mobility.restart) == "b");
    CHECK(back.domains[1].mobility.refused == answer.domains[1].mobility.refused);
    CHECK_NOTHROW(check_node_domains(back, "c", pool, "node c"));

    // Read: anything the writer does not write is refused, naming the node.
    const auto with = [&](const std::string &path, const nlohmann::json &v) {
        nlohmann::json j = nlohmann::json::parse(good);
        j[nlohmann::json::json_pointer(path)] = v;
        return j.dump();
    };
    const std::vector<std::pair<std::string, std::string>> unreadable = {
        {with("/format", "cpucompat-pool-domains/2"), "not a node's domains of format cpucompat-pool-domains/1"},
        {with("/surprise", 1), "unknown key \"surprise\""},
        {with("/node", ""), "\"node\" is empty"},
        {with("/node", "c\x1b[2J"), "control character"},
        {with("/pool", "a,b,c"), "\"pool\" is not an array"},
        {with("/pool/0/extra", true), "a pool host: unknown key \"extra\""},
        {with("/domains/0/live", "a"), "domain lvl: \"live\" is not an array"},
        {with("/domains/0/live/0", 7), "\"live\" entry is not a string"},
        {with("/domains/0/refused", nlohmann::json::array()), "\"refused\" is not an object"},
        {with("/domains/1/refused/a", std::string(5000, 'x')), "the reason for a is empty or longer than 4096"},
        {with("/domains/1/domain", std::string(129, 'd')), "a domain's name is empty or longer than 128"},
        {good.substr(0, good.size() / 2), "invalid JSON"},
        {"", "invalid JSON"},
        {"ssh: connect to host c port 22: Connection refused", "invalid JSON"},
    };
    for (const auto &[in, want] : unreadable) {
        INFO(in.substr(0, 300));
        CHECK_THROWS_WITH(node_domains_from_json(in, "node c"), Catch::StartsWith("node c") && Catch::Contains(want));
    }

    // Checked: read whole, but not this node's judgement in this pool.
    const auto changed = [&](auto edit) {
        NodeDomains d = back;
        edit(d);
        return d;
    };
    PoolHost weaker = zen1;
    weaker.max.features.clear(testing::id("avx2"));
    const std::vector<std::pair<NodeDomains, std::string>> wrong = {
        {changed([](NodeDomains &d) { d.node = "a"; }), "the answer is about node a, not c"},
        {changed([&](NodeDomains &d) { d.pool = pool_digest({zen1, intel}); }), "judged against another pool"},
        {changed([&](NodeDomains &d) { d.pool = pool_digest({weaker, intel, zen3}); }), "judged against another pool"},
        {changed([&](NodeDomains &d) { d.pool = pool_digest({intel, zen1, zen3}); }), "judged against another pool"},
        {changed([](NodeDomains &d) { d.domains.push_back(d.domains[0]); }), "domain lvl named twice"},
        {changed([](NodeDomains &d) { d.domains[0].mobility.live.push_back("c"); }), "domain lvl: does not name each other host"},
        {changed([](NodeDomains &d) { d.domains[0].mobility.live.clear(); }), "domain lvl: does not name each other host"},
        {changed([](NodeDomains &d) { d.domains[0].mobility.restart.push_back("a"); }), "domain lvl: does not name each other host"},
        {changed([](NodeDomains &d) { d.domains[1].mobility.refused.emplace_back("z", "?"); }), "domain web 1: does not name each other host"},
    };
    for (const auto &[d, want] : wrong) {
        INFO(want);
        CHECK_THROWS_WITH(check_node_domains(d, "c", pool, "node c"), Catch::StartsWith("node c: ") && Catch::Contains(want));
    }
    // A node with no domains is an answer too.
    CHECK_NOTHROW(check_node_domains(node_domains_from_json(node_domains_json({"b", pool_digest(pool), {}}).dump(), "node b"), "b", pool, "node b"));
}
