// Modes and the baselines behind them.
#include <catch2/catch.hpp>

#include <filesystem>
#include <optional>
#include <sstream>

#include <unistd.h>

#include "../../toolstack/core/error.h"
#include "../../toolstack/core/normalize.h"
#include "../../toolstack/core/level.h"
#include "../../toolstack/import/input_file.h"
#include "helpers.h"

using namespace cpucompat;
using testing::has;
using testing::load;

TEST_CASE("cpu_compat mode values") {
    struct Row { const char *text; Mode::Kind kind; const char *arg; };
    const Row ok[] = {{"off", Mode::Kind::off, ""},           {"vendor", Mode::Kind::vendor, ""},
                      {"level:x86-64-v2", Mode::Kind::level, "x86-64-v2"}, {"hyperv-r2", Mode::Kind::hyperv_r2, ""},
                      {"pool", Mode::Kind::pool, ""},         {"file:/etc/xen/t.yaml", Mode::Kind::file, "/etc/xen/t.yaml"}};
    for (const auto &r : ok) {
        const Mode m = parse_mode(r.text);
        CHECK(m.kind == r.kind);
        CHECK(m.arg == r.arg);
        CHECK(m.to_string() == r.text);
    }
    for (const char *bad : {"", "Vendor", "level:", "file:", "levels:x", "on"})
        CHECK_THROWS_WITH(parse_mode(bad), Catch::StartsWith("invalid cpu_compat mode \"" + std::string(bad) + "\""));
}

TEST_CASE("normalize: what each mode shows and hides") {
    struct Row {
        const char *host, *mode;
        std::vector<const char *> present, absent;
    };
    const std::vector<Row> rows = {
        {"instlat-skylake-server.txt", "off", {"avx512f", "sse4-2", "rtm"}, {"vmx", "monitor", "ds"}},
        {"instlat-skylake-server.txt", "hyperv-r2", {"sse3", "sse2", "aesni"},
         {"ssse3", "sse4-1", "sse4-2", "popcnt", "xsave", "avx", "avx2", "fma", "avx512f"}},
        {"instlat-interlagos.txt", "hyperv-r2", {"sse3", "avx"},
         {"ssse3", "sse4-1", "sse4a", "xop", "fma4", "popcnt", "abm", "misalignsse"}},
        {"instlat-sapphirerapids.txt", "level:skylake-server", {"avx512f", "clwb"}, {"avx512-vnni", "avx512-fp16", "serialize"}},
        {"instlat-milan.txt", "level:x86-64-v3", {"avx2", "fma", "bmi2", "abm", "movbe"}, {"aesni", "sha", "vaes", "sse4a"}},
        {"instlat-skylake-server.txt", "level:x86-64-v4", {"avx512f", "avx512vl"}, {"pku", "clwb"}},
        {"instlat-genoa.txt", "level:zen2", {"avx2", "clzero"}, {"avx512f", "vaes", "invpcid"}},
        {"instlat-genoa.txt", "vendor", {"avx", "sse4a", "popcnt"}, {"avx2", "xop", "fma4", "tbm", "avx512f"}},
        {"instlat-sapphirerapids.txt", "vendor", {"sse4-2", "popcnt"}, {"aesni", "avx", "xsave", "pclmulqdq"}},
    };
    for (const auto &r : rows) {
        INFO(r.host << " mode " << r.mode);
        const Policy p = normalize(load(r.host), parse_mode(r.mode), testing::baselines());
        for (const char *f : r.present) CHECK(has(p, f));
        for (const char *f : r.absent) CHECK_FALSE(has(p, f));
        CHECK(p.features == Catalogue::get().close_under_deps(p.features));
        CHECK(p.features.subset_of(load(r.host).features));
    }
}

TEST_CASE("below a floor: an error naming every missing feature") {
    struct Row { const char *host, *mode, *message; };
    const Row rows[] = {
        {"instlat-k10.txt", "vendor", "host is below the floor of \"vendor-amd\": it lacks pclmulqdq ssse3 sse4-1 sse4-2 aesni xsave avx"},
        {"instlat-conroe.txt", "vendor", "host is below the floor of \"vendor-intel\": it lacks sse4-1 sse4-2 popcnt"},
        {"instlat-milan.txt", "level:x86-64-v4", "it lacks avx512f avx512dq avx512cd avx512bw avx512vl"},
        {"instlat-zen1.txt", "level:zen3", "host is below the floor of \"zen3\""},
    };
    for (const auto &r : rows) {
        INFO(r.host << " " << r.mode);
        try {
            normalize(load(r.host), parse_mode(r.mode), testing::baselines());
            FAIL("no error");
        } catch (const BelowFloorError &e) {
            CHECK_THAT(e.what(), Catch::Contains(r.message) || Catch::StartsWith(r.message));
            CHECK_FALSE(e.missing().empty());
        }
    }
}

TEST_CASE("vendor, wrong-vendor levels and unknown levels") {
    TemplateLibrary without_hygon = testing::baselines();
    without_hygon.erase("vendor-hygon");
    CHECK_THROWS_WITH(normalize(load("instlat-hygon.txt"), parse_mode("vendor"), without_hygon),
                      "mode vendor has no baseline for HygonGenuine hosts (no template \"vendor-hygon\")");
    CHECK_THROWS_WITH(normalize(load("instlat-hygon.txt"), parse_mode("level:vendor-amd"), testing::baselines()),
                      "template \"vendor-amd\" is for AuthenticAMD CPUs; this host is HygonGenuine");
    CHECK_THROWS_WITH(normalize(load("instlat-milan.txt"), parse_mode("level:nehalem"), testing::baselines()),
                      "template \"nehalem\" is for GenuineIntel CPUs; this host is AuthenticAMD");
    CHECK_THROWS_WITH(normalize(load("instlat-milan.txt"), parse_mode("level:pentium"), testing::baselines()),
                      Catch::StartsWith("unknown level \"pentium\"; known levels: ") && Catch::Contains("x86-64-v2") && Catch::Contains("zen4"));
}

TEST_CASE("vendor mode gives one policy on every same-vendor host at or above the floor (fixtures)") {
    auto check_same = [](std::vector<const char *> hosts) {
        const Policy first = normalize(load(hosts[0]), parse_mode("vendor"), testing::baselines());
        const Featureset ctl = Catalogue::get().known().minus(Catalogue::get().state_bits());
        for (const char *h : hosts) {
            INFO(h);
            const Policy p = normalize(load(h), parse_mode("vendor"), testing::baselines());
            CHECK((p.features & ctl) == (first.features & ctl));
            CHECK(p.max_leaf == first.max_leaf);
            CHECK(p.max_extd_leaf == first.max_extd_leaf);
            CHECK(p.max_subleaf7 == first.max_subleaf7);
        }
    };
    check_same({"instlat-interlagos.txt", "instlat-zen1.txt", "instlat-milan.txt", "instlat-genoa.txt"});
    check_same({"instlat-nehalem-oldformat.txt", "instlat-ivybridge-notab.txt", "instlat-skylake-server.txt", "instlat-sapphirerapids.txt"});
}

TEST_CASE("pool mode is the level of the pool, checked against this host") {
    const std::vector<Policy> pool = {load("instlat-zen1.txt"), load("instlat-milan.txt")};
    const Policy p = normalize(load("instlat-milan.txt"), parse_mode("pool"), {}, pool);
    const Featureset &state = Catalogue::get().state_bits();
    const Featureset expect =
        (level(pool).features & Catalogue::get().guest_default_view()).minus(state) | (load("instlat-milan.txt").features & state);
    CHECK(p.features == Catalogue::get().close_under_deps(expect));
    CHECK_FALSE(has(p, "vaes"));
    CHECK(has(p, "avx2"));
    CHECK(p.max_extd_leaf == 0x8000001f);
    CHECK_THROWS_AS(normalize(load("instlat-interlagos.txt"), parse_mode("pool"), {}, pool), BelowFloorError);
    CHECK_THROWS_WITH(normalize(load("instlat-milan.txt"), parse_mode("pool"), {}, {}), "mode pool needs the pool's host policies");
}

// The pool level is of max policies (`publish --pool` takes xen-cpuid -p's
// max), a domain is made from this host's default: features Xen gives no
// guest by default (svm: nested virtualization) are neither a floor nor
// given. Found on the lab's AMD hosts, where every PVH domain in mode pool
// was refused ("it lacks svm").
TEST_CASE("pool mode: a level of max policies fits every member's default policy") {
    const std::vector<const char *> amd = {"xen-cpuid-p-qemu-epyc.txt", "xen-cpuid-p-qemu-epyc-milan.txt"};
    for (const GuestType type : {GuestType::hvm, GuestType::pv}) {
        const std::string kind = type == GuestType::pv ? "pv" : "hvm";
        std::vector<Policy> pool;
        for (const char *f : amd) pool.push_back(load(f, kind + "-max"));
        for (const char *f : amd) {
            INFO(f << " " << kind);
            const Policy def = load(f, kind + "-default");
            Policy p;
            REQUIRE_NOTHROW(p = normalize(def, parse_mode("pool"), {}, pool, type));
            CHECK(p.features.minus(Catalogue::get().state_bits()).subset_of(def.features));
            CHECK_FALSE(has(p, "svm"));
        }
    }
}

TEST_CASE("custom templates: file:PATH") {
    TemplateLibrary lib;
    lib["file:custom"] = parse_template_yaml(read_input_file(testing::fixture("template-custom.yaml")));
    const Policy p = normalize(load("instlat-skylake-server.txt"), parse_mode("file:custom"), lib);
    CHECK(has(p, "sse4-2"));
    CHECK_FALSE(has(p, "popcnt"));
    CHECK_FALSE(has(p, "avx"));
    CHECK(p.max_extd_leaf == 0x80000008);
    struct Row { const char *file; unsigned line; const char *message; };
    const Row bad[] = {{"bad/template-unknown-feature.yaml", 3, "require: unknown feature \"warp-drive\""},
                       {"bad/template-noop.yaml", 0, "template \"noop\" changes nothing"}};
    for (const auto &r : bad) {
        INFO(r.file);
        try {
            parse_template_yaml(read_input_file(testing::fixture(r.file)));
            FAIL("accepted");
        } catch (const Error &e) {
            CHECK(e.line() == r.line);
            CHECK_THAT(e.message(), Catch::Contains(r.message));
        }
    }
}

TEST_CASE("a mode reads only its own baseline file, and the same template as the whole library") {
    const std::string dir = default_data_dir();
    struct Row { const char *mode, *vendor, *key; };
    const Row rows[] = {{"vendor", "AuthenticAMD", "vendor-amd"},   {"vendor", "GenuineIntel", "vendor-intel"},
                        {"hyperv-r2", "AuthenticAMD", "hyperv-r2-amd"}, {"hyperv-r2", "GenuineIntel", "hyperv-r2-intel"},
                        {"level:x86-64-v2", "AuthenticAMD", "x86-64-v2"}, {"level:zen3", "AuthenticAMD", "zen3"},
                        {"level:nehalem", "GenuineIntel", "nehalem"}};
    for (const auto &r : rows) {
        INFO(r.mode << " on " << r.vendor);
        const TemplateLibrary lib = load_templates_for(parse_mode(r.mode), r.vendor, dir);
        REQUIRE(lib.size() == 1);
        REQUIRE(lib.count(r.key) == 1);
        CHECK(template_to_yaml(lib.at(r.key)) == template_to_yaml(testing::baselines().at(r.key)));
    }
    CHECK(load_templates_for(parse_mode("off"), "AuthenticAMD", dir).empty());
    CHECK(load_templates_for(parse_mode("pool"), "AuthenticAMD", dir).empty());
    // No file of that name (or not a plain name): the whole directory, so
    // normalize() can name the known levels.
    for (const char *m : {"level:pentium", "level:../baselines/zen3", "level:.hidden"})
        CHECK(load_templates_for(parse_mode(m), "AuthenticAMD", dir).size() == testing::baselines().size());
    const TemplateLibrary custom = load_templates_for(parse_mode("file:" + testing::fixture("template-custom.yaml")), "GenuineIntel", dir);
    REQUIRE(custom.size() == 1);
    CHECK(custom.begin()->first == "file:" + testing::fixture("template-custom.yaml"));

    // Lookup by file name holds only while every baseline is named as its file.
    namespace fs = std::filesystem;
    const fs::path tmp = fs::temp_directory_path() / ("cpucompat-misnamed-" + std::to_string(::getpid()));
    fs::create_directories(tmp);
    fs::copy_file(fs::path(dir) / "zen3.yaml", tmp / "zen9.yaml");
    CHECK_THROWS_WITH(load_template_library(tmp.string()), Catch::EndsWith("template name \"zen3\" differs from its file name"));
    fs::remove_all(tmp);
}

// The baselines are facts about real CPUs: checked against the dumps their
// `source:` names, and against every same-vendor dump at or above the floor.
TEST_CASE("every baseline derived from dumps is a subset of each dump it names") {
    const auto all = testing::dumps();
    if (all.empty()) {
        WARN("../shared/cpuid-dumps not present: skipped");
        return;
    }
    unsigned checked = 0;
    for (const auto &[name, t] : testing::baselines()) {
        // source: "cpucompat level of: A.txt, B.txt"
        std::istringstream words(t.source);
        std::string w;
        while (words >> w) {
            if (w.back() == ',') w.pop_back();
            if (w.size() < 4 || w.compare(w.size() - 4, 4, ".txt") != 0) continue;
            INFO(name << " vs " << w);
            // Dumps not in shared/ are kept (their CPUID leaves) as fixtures.
            const std::filesystem::path in_shared = all.front().parent_path() / w;
            const Policy host = import_policy_file(std::filesystem::exists(in_shared) ? in_shared.string() : testing::fixture(w));
            REQUIRE(t.require);
            CHECK(t.require->subset_of(host.features));
            CHECK_NOTHROW(normalize(host, parse_mode(name.rfind("vendor-", 0) == 0 ? "vendor" : "level:" + name), testing::baselines()));
            ++checked;
        }
    }
    CHECK(checked >= 30);
}

// Xen treats Hygon as a vendor of its own; so does vendor mode. Four real
// Hygon CPUs (family 18h, three steppings and the C86-4G), kept as fixtures.
TEST_CASE("vendor-hygon: a subset of every Hygon dump, one policy on all of them") {
    const char *hosts[] = {"instlat-hygon.txt", "HygonGenuine0900F11_Hygon_01_CPUID.txt", "HygonGenuine0900F22_Hygon_01_CPUID.txt",
                           "HygonGenuine0910F00_Hygon_01_CPUID.txt"};
    const CpuTemplate &t = testing::baselines().at("vendor-hygon");
    CHECK(t.vendor_id == "HygonGenuine");
    REQUIRE(t.require);
    std::optional<Policy> first;
    const Featureset ctl = Catalogue::get().known().minus(Catalogue::get().state_bits());
    for (const char *h : hosts) {
        INFO(h);
        const Policy host = load(h);
        CHECK(host.vendor_id == "HygonGenuine");
        CHECK(t.require->subset_of(host.features));
        const Policy p = normalize(host, parse_mode("vendor"), testing::baselines());
        CHECK(p.features == (*t.require | (host.features & Catalogue::get().state_bits())));
        if (!first) first = p;
        CHECK((p.features & ctl) == (first->features & ctl));  // state bits (osxsave...) are the host's
        CHECK(p.max_leaf == first->max_leaf);
        CHECK(p.max_extd_leaf == first->max_extd_leaf);
    }
    // The C86-4G's additions (umip, and the leaves beyond 0x8000001f) are not in the floor.
    CHECK_FALSE(t.require->test(testing::id("umip")));
    CHECK(t.max_extd_leaf == 0x8000001fu);
    // An AMD host is not a Hygon one, whatever its features.
    CHECK_THROWS_WITH(apply_template(load("instlat-milan.txt"), t), "template \"vendor-hygon\" is for HygonGenuine CPUs; this host is AuthenticAMD");
}

TEST_CASE("vendor mode is identical across every real same-vendor dump at or above the floor") {
    struct Group { const char *prefix; std::vector<std::string> below_floor; };
    const Group groups[] = {{"GenuineIntel", {"Conroe"}}, {"AuthenticAMD", {"K10_"}}};
    for (const auto &g : groups) {
        const auto ds = testing::dumps(g.prefix);
        if (ds.empty()) {
            WARN("../shared/cpuid-dumps not present: skipped");
            return;
        }
        const Featureset ctl = Catalogue::get().known().minus(Catalogue::get().state_bits());
        std::optional<Policy> first;
        for (const auto &d : ds) {
            INFO(d.filename().string());
            const Policy host = import_policy_file(d.string());
            const bool below = std::any_of(g.below_floor.begin(), g.below_floor.end(),
                                           [&](const std::string &s) { return d.filename().string().find(s) != std::string::npos; });
            if (below) {
                CHECK_THROWS_AS(normalize(host, parse_mode("vendor"), testing::baselines()), BelowFloorError);
                continue;
            }
            const Policy p = normalize(host, parse_mode("vendor"), testing::baselines());
            if (!first) first = p;
            CHECK((p.features & ctl) == (first->features & ctl));
            CHECK(p.max_leaf == first->max_leaf);
            CHECK(p.max_extd_leaf == first->max_extd_leaf);
        }
    }
}

TEST_CASE("a PV host policy is not asked for HVM-only features") {
    // Xen's PV Default policy of the lab's QEMU EPYC host: no vme, pse,
    // mtrr, pge, pse36 (HVM-only, attribute S).
    const Policy pv = load("xen-cpuid-p-qemu-epyc.txt", "pv-default");
    CHECK_FALSE(has(pv, "pse"));
    for (const char *mode : {"level:x86-64-v2", "level:x86-64-v1"}) {
        INFO(mode);
        const Policy p = normalize(pv, parse_mode(mode), testing::baselines(), {}, GuestType::pv);
        CHECK(has(p, "sse2"));
        CHECK(has(p, "sse4-2") == (std::string(mode) == "level:x86-64-v2"));
        CHECK_FALSE(has(p, "pse"));
        try {
            normalize(pv, parse_mode(mode), testing::baselines(), {}, GuestType::hvm);
            FAIL("an HVM guest's requirements were met by a PV policy");
        } catch (const BelowFloorError &e) {
            CHECK_THAT(e.what(), Catch::Contains("pse36"));
        }
    }
}

TEST_CASE("an x86-64 level's floor is what the level defines: no vme") {
    // Xen's HVM policy on the lab's EPYC-Rome host has no vme; virtual-8086
    // mode does not exist in long mode, and no psABI level asks for it.
    Policy hvm = load("xen-cpuid-p-qemu-epyc.txt", "hvm-default");
    hvm.features.clear(testing::id("vme"));
    for (const char *mode : {"level:x86-64-v1", "level:x86-64-v2"}) {
        INFO(mode);
        const Policy p = normalize(hvm, parse_mode(mode), testing::baselines(), {}, GuestType::hvm);
        CHECK_FALSE(has(p, "vme"));
        CHECK(has(p, "pae"));  // the rest of the architectural base stays
        CHECK(has(p, "sse2"));
    }
    // Whoever has vme does not give it under a level either: one policy on every host.
    const Policy with = normalize(load("xen-cpuid-p-qemu-epyc.txt", "hvm-default"), parse_mode("level:x86-64-v2"),
                                  testing::baselines(), {}, GuestType::hvm);
    CHECK_FALSE(has(with, "vme"));
    for (const auto &[name, t] : testing::baselines())
        if (name.rfind("x86-64-v", 0) == 0) CHECK_FALSE(t.require->test(testing::id("vme")));
}

TEST_CASE("what a toolstack controls, and what Xen owns") {
    const Featureset &c = Catalogue::get().toolstack_controlled();
    for (const char *f : {"avx", "sse4-2", "xop", "vmx", "pse"}) CHECK(c.test(testing::id(f)));
    for (const char *f : {"rsba", "apic", "osxsave", "hypervisor", "rtm", "monitor", "ds"}) CHECK_FALSE(c.test(testing::id(f)));
    const Featureset &h = Catalogue::get().hvm_only();
    for (const char *f : {"vme", "pse", "mtrr", "pcid", "vmx", "svm"}) CHECK(h.test(testing::id(f)));
    for (const char *f : {"sse2", "avx", "fpu"}) CHECK_FALSE(h.test(testing::id(f)));
}
