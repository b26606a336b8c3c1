// compare() and level(): tables over the fixtures, properties over the
// shared real dumps when present.
#include <catch2/catch.hpp>

#include "../../toolstack/core/compare.h"
#include "../../toolstack/core/error.h"
#include "../../toolstack/core/level.h"
#include "helpers.h"

using namespace cpucompat;
using testing::has;
using testing::load;

TEST_CASE("compare names the vendor, every missing feature and every limit") {
    struct Row {
        const char *guest, *host;
        bool compatible, vendor_mismatch;
        std::vector<std::string> missing_include;
        std::vector<std::string> limits;
    };
    const std::vector<Row> rows = {
        {"instlat-milan.txt", "instlat-milan.txt", true, false, {}, {}},
        {"instlat-zen1.txt", "instlat-milan.txt", true, false, {}, {}},
        {"instlat-milan.txt", "instlat-zen1.txt", false, false, {"invpcid", "vaes", "vpclmulqdq"}, {"max_leaf", "max_extd_leaf"}},
        {"instlat-interlagos.txt", "instlat-milan.txt", false, false, {"xop", "fma4", "lwp"}, {}},
        {"instlat-milan.txt", "instlat-skylake-server.txt", false, true, {"sse4a", "clzero"}, {"max_extd_leaf"}},
        {"instlat-nehalem-oldformat.txt", "instlat-skylake-server.txt", true, false, {}, {}},
        {"instlat-sapphirerapids.txt", "instlat-skylake-server.txt", false, false, {"avx512-fp16", "serialize"}, {"max_leaf", "max_subleaf7"}},
        // Hygon is a vendor of its own (as for Xen): never live to or from AMD or Intel.
        {"instlat-hygon.txt", "instlat-zen1.txt", false, true, {}, {}},
        {"instlat-zen1.txt", "instlat-hygon.txt", false, true, {}, {}},
        {"instlat-hygon.txt", "instlat-skylake-server.txt", false, true, {"sse4a", "clzero"}, {"max_extd_leaf"}},
        {"instlat-skylake-server.txt", "instlat-hygon.txt", false, true, {"avx512f"}, {"max_leaf"}},
        {"instlat-hygon.txt", "HygonGenuine0910F00_Hygon_01_CPUID.txt", true, false, {}, {}},
    };
    for (const auto &r : rows) {
        INFO(r.guest << " on " << r.host);
        const CompareResult c = compare(load(r.guest), load(r.host));
        CHECK(c.compatible() == r.compatible);
        CHECK(c.vendor_mismatch == r.vendor_mismatch);
        const auto missing = [&] {
            std::vector<std::string> v;
            for (FeatureId f : c.missing) v.emplace_back(Catalogue::get().by_id(f)->name);
            return v;
        }();
        for (const auto &m : r.missing_include) CHECK_THAT(missing, Catch::VectorContains(m));
        std::vector<std::string> limits;
        for (const auto &l : c.limits) limits.emplace_back(l.what);
        CHECK(limits == r.limits);
        // Deterministic order: features by featureset position.
        CHECK(std::is_sorted(c.missing.begin(), c.missing.end()));
    }
}

TEST_CASE("level ANDs features, takes minimum limits, and closes under dependencies") {
    const Policy lvl = level({load("instlat-interlagos.txt"), load("instlat-zen1.txt"), load("instlat-milan.txt")});
    CHECK(lvl.vendor_id == "AuthenticAMD");
    CHECK(lvl.family == 0x15);  // the oldest member's signature
    CHECK(lvl.max_leaf == 0xd);
    CHECK(lvl.max_extd_leaf == 0x8000001e);
    CHECK(has(lvl, "avx"));
    CHECK_FALSE(has(lvl, "xop"));   // dropped after family 15h
    CHECK_FALSE(has(lvl, "avx2"));  // not on Interlagos
    CHECK_FALSE(has(lvl, "clzero"));
    CHECK(lvl.features == Catalogue::get().close_under_deps(lvl.features));
}

TEST_CASE("union_of ORs features and takes maximum limits: the bound opposite level") {
    const std::vector<Policy> ps{load("instlat-interlagos.txt"), load("instlat-zen1.txt"), load("instlat-milan.txt")};
    const Policy u = union_of(ps);
    const Policy lvl = level(ps);
    CHECK(has(u, "xop"));     // Interlagos only
    CHECK(has(u, "clzero"));  // Zen only
    CHECK(has(u, "avx2"));
    for (const auto &p : ps) {
        CHECK(p.features.minus(u.features).empty());
        CHECK(u.max_leaf >= p.max_leaf);
        CHECK(u.max_extd_leaf >= p.max_extd_leaf);
        CHECK(u.max_subleaf7 >= p.max_subleaf7);
    }
    CHECK(lvl.features.minus(u.features).empty());
    CHECK(u.vendor_id == ps.front().vendor_id);
    CHECK_THROWS_WITH(union_of({}), "union_of needs at least one policy");
}

TEST_CASE("level refuses mixed vendors and lists each group") {
    CHECK_THROWS_WITH(level({load("instlat-milan.txt"), load("instlat-skylake-server.txt"), load("instlat-zen1.txt")}),
                      "cannot level across vendors: AuthenticAMD (inputs 1 3) GenuineIntel (inputs 2)");
    CHECK_THROWS_WITH(level({}), "level needs at least one policy");
}

TEST_CASE("level ORs the features marked '|' and ANDs the rest") {
    Policy a = load("instlat-milan.txt"), b = a;
    a.features.clear(testing::id("ibpb"));
    b.features.clear(testing::id("clzero"));
    Featureset ors;
    ors.set(testing::id("ibpb"));
    const Policy lvl = level({a, b}, ors);
    CHECK(has(lvl, "ibpb"));
    CHECK_FALSE(has(lvl, "clzero"));
}

TEST_CASE("level properties over every real dump, per vendor") {
    for (const char *vendor : {"GenuineIntel", "AuthenticAMD"}) {
        std::vector<Policy> group;
        for (const auto &d : testing::dumps(vendor)) group.push_back(import_policy_file(d.string()));
        if (group.empty()) {
            WARN("../shared/cpuid-dumps not present: skipped");
            return;
        }
        INFO(vendor << ": " << group.size() << " dumps");
        const Policy lvl = level(group);
        for (const Policy &p : group) {
            CHECK(lvl.features.subset_of(p.features));
            CHECK(compare(lvl, p).compatible());
        }
    }
    const auto intel = testing::dumps("GenuineIntel"), amd = testing::dumps("AuthenticAMD");
    if (!intel.empty() && !amd.empty()) {
        const CompareResult c = compare(import_policy_file(intel.back().string()), import_policy_file(amd.back().string()));
        CHECK(c.vendor_mismatch);
        CHECK_FALSE(c.compatible());
    }
}
