// The guest table (toolstack/data/guests.yaml): it loads with the installed
// baselines, and its minimums say what the sources say. Bad tables are in
// the bad-input corpus (tests/fixtures/bad/guests-*.yaml).
#include <catch2/catch.hpp>

#include <set>

#include "../../toolstack/core/guest.h"
#include "../../toolstack/import/guest_table.h"
#include "helpers.h"

using namespace cpucompat;

namespace {

const GuestTable &table() {
    static const GuestTable t = parse_guest_table(read_input_file(default_guest_table_path()), testing::baselines());
    return t;
}

Featureset features(std::initializer_list<const char *> names) {
    Featureset fs;
    for (const char *n : names) {
        const FeatureInfo *f = Catalogue::get().find(n);
        REQUIRE(f);
        fs.set(f->id);
    }
    return fs;
}

std::vector<std::string> missing(const Featureset &offered, const std::string &guest) {
    return Catalogue::get().names(guest_missing(offered, guest_minimum(table().at(guest), testing::baselines())));
}

}  // namespace

TEST_CASE("the installed guest table loads, every entry sourced and dated") {
    REQUIRE(table().size() >= 16);
    for (const auto &[name, g] : table()) {
        INFO(name);
        CHECK(plain_guest_name(name));
        CHECK(g.source.rfind("https://", 0) == 0);
        CHECK(g.read.size() == 10);
        CHECK(!guest_minimum(g, testing::baselines()).empty());
    }
    for (const char *name : {"x86-64-v1", "x86-64-v2", "x86-64-v3", "x86-64-v4", "windows-10", "windows-11", "windows-11-24h2",
                             "windows-server-2025", "rhel-8", "alma-8", "rocky-8", "rhel-9", "rhel-10", "sles-15", "sles-16", "freebsd-14",
                             "debian-12", "debian-13", "ubuntu-22.04", "ubuntu-24.04", "ubuntu-26.04-amd64v3"})
        CHECK(table().count(name) == 1);
}

TEST_CASE("guest minimums: what each mode and level leaves a guest") {
    const TemplateLibrary &lib = testing::baselines();
    // What the mode gives on a real host (the policy a domain gets), held
    // against what the guest needs.
    struct Row { std::string host, mode, guest; std::vector<std::string> missing; };
    const std::vector<Row> rows = {
        // The Hyper-V 2008 R2 masks hide SSE4.2 and POPCNT: Windows 11 24H2
        // and Server 2025 do not boot there (VMware KB 391911's failure).
        {"instlat-sapphirerapids.txt", "hyperv-r2-intel", "windows-11-24h2", {"sse4-2", "popcnt"}},
        {"instlat-milan.txt", "hyperv-r2-amd", "windows-server-2025", {"sse4-2", "popcnt"}},
        {"instlat-sapphirerapids.txt", "hyperv-r2-intel", "windows-10", {}},
        {"instlat-milan.txt", "hyperv-r2-amd", "windows-server-2022", {}},
        {"instlat-sapphirerapids.txt", "x86-64-v2", "windows-11-24h2", {}},
        {"instlat-milan.txt", "x86-64-v2", "windows-server-2025", {}},
        {"instlat-milan.txt", "x86-64-v2", "rhel-9", {}},
        // The psABI baseline lacks what 64-bit Windows needs since 8.1.
        {"instlat-milan.txt", "x86-64-v1", "windows-10", {"cx16", "lahf-lm"}},
        {"instlat-milan.txt", "x86-64-v1", "rhel-9", {"cx16", "lahf-lm", "popcnt", "sse3", "sse4-1", "sse4-2", "ssse3"}},
        {"instlat-sapphirerapids.txt", "nehalem", "rhel-9", {}},
        {"instlat-sapphirerapids.txt", "westmere", "rhel-10", {"avx", "fma", "f16c", "avx2", "bmi1", "bmi2", "movbe", "abm", "xsave"}},
        {"instlat-sapphirerapids.txt", "haswell", "rhel-10", {}},
        {"instlat-milan.txt", "x86-64-v1", "sles-15", {}},
        // The distributions still on the x86-64 baseline boot at its level.
        {"instlat-milan.txt", "x86-64-v1", "rhel-8", {}},
        {"instlat-milan.txt", "x86-64-v1", "debian-13", {}},
        {"instlat-sapphirerapids.txt", "x86-64-v1", "ubuntu-24.04", {}},
        {"instlat-milan.txt", "x86-64-v1", "sles-16", {"cx16", "lahf-lm", "popcnt", "sse3", "sse4-1", "sse4-2", "ssse3"}},
        {"instlat-sapphirerapids.txt", "ivybridge", "ubuntu-26.04-amd64v3", {"avx2", "bmi1", "bmi2", "fma", "movbe", "abm"}},
    };
    for (const auto &r : rows) {
        INFO(r.mode << " on " << r.host << " for " << r.guest);
        const Policy offered = apply_template(testing::load(r.host), lib.at(r.mode));
        auto got = missing(offered.features, r.guest);
        auto want = r.missing;
        std::sort(got.begin(), got.end());
        std::sort(want.begin(), want.end());
        CHECK(got == want);
    }
    // rhel-9 is the level x86-64-v2, no more, no less.
    CHECK(guest_minimum(table().at("rhel-9"), lib) == *lib.at("x86-64-v2").require);
    CHECK(guest_minimum(table().at("windows-11-24h2"), lib) == features({"lm", "sse2", "nx", "cx16", "lahf-lm", "sse4-2", "popcnt"}));
}

TEST_CASE("the plugin's refusal names the guest, every missing feature and the mode") {
    const TemplateLibrary &lib = testing::baselines();
    // A PV domain is not asked for what Xen never gives PV guests.
    for (const auto &[name, g] : table()) {
        INFO(name);
        const Featureset hvm = guest_minimum(g, lib, GuestType::hvm), pv = guest_minimum(g, lib, GuestType::pv);
        // State bits (sep, syscall...) are Xen's to set: never asked.
        CHECK(hvm == guest_minimum(g, lib).minus(Catalogue::get().state_bits()));
        CHECK(pv == hvm.minus(Catalogue::get().hvm_only()));
    }
    // Xen's PV policies on AMD hosts lack sep (no SYSENTER in long mode): a
    // guest whose level lists sep still boots there.
    const Policy amd_pv = testing::load("xen-cpuid-p-qemu-epyc-milan.txt", "pv-default");
    CHECK_FALSE(amd_pv.features.test(testing::id("sep")));
    CHECK(guest_minimum(table().at("rhel-10"), lib).test(testing::id("sep")));
    CHECK(guest_missing(apply_template(amd_pv, CpuTemplate{"off", "", "", "", {}, {}, {}, {}, {}}, GuestType::pv).features,
                        guest_minimum(table().at("rhel-10"), lib, GuestType::pv))
              .empty());
    // What the plugin says for the two refusals, from real policies.
    struct Row { std::string host, mode, guest; bool user_cpuid; std::string want; };
    const std::vector<Row> rows = {
        {"instlat-milan.txt", "hyperv-r2-amd", "windows-11-24h2", false,
         "its guest windows-11-24h2 would not boot: it needs popcnt, sse4-2, which mode hyperv-r2 hides (cpucompat guests windows-11-24h2)"},
        {"instlat-sapphirerapids.txt", "x86-64-v2", "rhel-10", true, "it needs "},
        {"instlat-sapphirerapids.txt", "x86-64-v3", "rhel-10", false, ""},
    };
    for (const auto &r : rows) {
        INFO(r.mode << " for " << r.guest);
        const Policy offered = apply_template(testing::load(r.host), lib.at(r.mode));
        auto missing = Catalogue::get().names(guest_missing(offered.features, guest_minimum(table().at(r.guest), lib, GuestType::hvm)));
        std::sort(missing.begin(), missing.end());
        const std::string mode = r.mode.rfind("hyperv-r2", 0) == 0 ? "hyperv-r2" : "level:" + r.mode;
        const std::string why = guest_refusal(r.guest, missing, mode, r.user_cpuid);
        if (r.want.empty()) {
            CHECK(why.empty());
            continue;
        }
        CHECK_THAT(why, Catch::Contains(r.want));
        if (r.user_cpuid) CHECK_THAT(why, Catch::Contains("which mode level:x86-64-v2 with the domain's cpuid= hides"));
        if (r.guest == "rhel-10")
            for (const char *f : {"avx2", "bmi2", "fma", "movbe"}) CHECK_THAT(why, Catch::Contains(f));
    }
}

TEST_CASE("guest names are what users type") {
    for (const char *ok : {"rhel-9", "windows-11-24h2", "ubuntu-24.04", "x86-64-v2", "sles-15+sp6"}) CHECK(plain_guest_name(ok));
    for (const std::string &bad : {std::string(), std::string("RHEL-9"), std::string("-rhel"), std::string("rhel 9"), std::string("rhel_9"), std::string("rhel\0", 5), std::string(65, 'a')})
        CHECK_FALSE(plain_guest_name(bad));
}

TEST_CASE("guest table: the plugin's lean load reads only the levels the table names, and judges alike") {
    const LoadedGuestTable full = load_guest_table(default_guest_table_path());
    const LoadedGuestTable lean = load_guest_table_levels(default_guest_table_path());
    std::set<std::string> named;
    for (const auto &[name, g] : full.guests)
        if (!g.level.empty()) named.insert(g.level);
    std::set<std::string> loaded;
    for (const auto &[key, t] : lean.levels) loaded.insert(key);
    CHECK(loaded == named);
    CHECK(lean.levels.size() < full.levels.size());
    REQUIRE(lean.guests.size() == full.guests.size());
    for (const auto &[name, g] : full.guests)
        for (const GuestType type : {GuestType::pv, GuestType::hvm}) {
            INFO(name);
            CHECK(guest_minimum(lean.guests.at(name), lean.levels, type) == guest_minimum(g, full.levels, type));
        }
}
