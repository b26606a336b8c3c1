// The compiled data index (toolstack/import/data_index.h): generated from the
// baselines and guest table, it gives the plugin what the YAML gives, and
// whenever it cannot be trusted (a file edited or added since the build, an
// entry that fails its checks, no index) the YAML is read instead, with the
// same result.
#include <catch2/catch.hpp>

#include <fstream>
#include <functional>

#include "../../toolstack/core/guest.h"
#include "../../toolstack/import/data_index.h"
#include "../../toolstack/import/guest_table.h"
#include "helpers.h"

using namespace cpucompat;
namespace fs = std::filesystem;

namespace {

using testing::slurp;

void spit(const fs::path &p, const std::string &text) {
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f << text;
    REQUIRE(f.good());
}

// A copy of the data directory this build's index was compiled from, as a
// package installs it.
struct DataCopy {
    testing::TempDir tmp{"index"};
    fs::path baselines = fs::path(tmp.path) / "baselines";
    fs::path guests = fs::path(tmp.path) / "guests.yaml";
    const CompiledIndex *index = &kBuiltDataIndex;
    DataCopy() {
        fs::copy(default_data_dir(), baselines);
        fs::copy_file(default_guest_table_path(), guests);
    }
    DataFiles files() const { return DataFiles(baselines.string(), guests.string(), index); }
};

// A hand-made index over a DataCopy's files (stamps of their bytes now): one
// baseline, x86-64-v2, as the YAML has it unless a row changes it, and two
// guests.
struct HandIndex {
    std::string v2_require;
    CompiledBaseline baseline;
    CompiledGuest guests[2] = {{"rhel-9", "x86-64-v2", ""}, {"windows-11-24h2", "", "lm sse2 nx cx16 lahf-lm sse4-2 popcnt"}};
    CompiledIndex index;
    explicit HandIndex(const DataCopy &d) {
        const CpuTemplate t = load_templates_for(Mode{Mode::Kind::level, "x86-64-v2"}, "", d.baselines.string()).at("x86-64-v2");
        for (const auto &n : testing::names(*t.require)) v2_require += (v2_require.empty() ? "" : " ") + n;
        const auto limit = [](const std::optional<uint32_t> &v) { return v ? int64_t{*v} : int64_t{-1}; };
        REQUIRE(t.hide.empty());
        baseline = {"x86-64-v2", index_stamp(slurp(d.baselines / "x86-64-v2.yaml")), "", v2_require.c_str(), "",
                    limit(t.max_leaf), limit(t.max_extd_leaf), limit(t.max_subleaf7)};
        index = {&baseline, 1, index_stamp(slurp(d.guests)), guests, 2};
    }
};

// What judgement uses of a template (the texts stay in the YAML).
void same_template(const CpuTemplate &a, const CpuTemplate &b) {
    CHECK(a.name == b.name);
    CHECK(a.vendor_id == b.vendor_id);
    CHECK(a.require.has_value() == b.require.has_value());
    if (a.require && b.require) CHECK(testing::names(*a.require) == testing::names(*b.require));
    CHECK(testing::names(a.hide) == testing::names(b.hide));
    CHECK(a.max_leaf == b.max_leaf);
    CHECK(a.max_extd_leaf == b.max_extd_leaf);
    CHECK(a.max_subleaf7 == b.max_subleaf7);
}

Mode level_mode(const std::string &name) { return Mode{Mode::Kind::level, name}; }

std::string error_of(const std::function<void()> &f) {
    try {
        f();
    } catch (const std::exception &e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("data index: FNV-1a 64 stamps, the published test vectors") {
    CHECK(index_stamp("").fnv1a64 == 0xcbf29ce484222325ull);
    CHECK(index_stamp("a").fnv1a64 == 0xaf63dc4c8601ec8cull);
    CHECK(index_stamp("foobar").fnv1a64 == 0x85944171f73967e8ull);
    CHECK(index_stamp("foobar").bytes == 6);
    CHECK(index_stamp("foobar").matches("foobar"));
    CHECK(!index_stamp("foobar").matches("foobaz"));
    CHECK(!index_stamp("foobar").matches("foobar\n"));
}

TEST_CASE("data index: every baseline and every guest as the YAML gives them, without reading YAML") {
    const DataCopy d;
    const TemplateLibrary yaml = load_template_library(d.baselines.string());
    REQUIRE(yaml.size() >= 20);
    DataFiles files = d.files();
    for (const auto &[name, t] : yaml) {
        INFO(name);
        const TemplateLibrary got = files.templates_for(level_mode(name), "");
        REQUIRE(got.size() == 1);
        same_template(got.at(name), t);
    }
    // The modes that pick a baseline by the host's vendor.
    for (const auto &[mode, vendor, key] : std::vector<std::tuple<std::string, std::string, std::string>>{
             {"vendor", "AuthenticAMD", "vendor-amd"}, {"vendor", "GenuineIntel", "vendor-intel"},
             {"vendor", "HygonGenuine", "vendor-hygon"}, {"hyperv-r2", "GenuineIntel", "hyperv-r2-intel"}}) {
        INFO(mode << " on " << vendor);
        CHECK(files.templates_for(parse_mode(mode), vendor).count(key) == 1);
    }
    const LoadedGuestTable table = load_guest_table_levels(d.guests.string());
    REQUIRE(table.guests.size() >= 20);
    for (const auto &[name, g] : table.guests) {
        INFO(name);
        const GuestLookup got = files.guest(name);
        CHECK(got.needs.level == g.level);
        for (const GuestType type : {GuestType::pv, GuestType::hvm})
            CHECK(testing::names(guest_minimum(got.needs, got.levels, type)) == testing::names(guest_minimum(g, table.levels, type)));
    }
    CHECK(files.yaml_reads() == 0);
    CHECK(files.index_problem().empty());
}

TEST_CASE("data index: stale, refused or absent, the YAML decides") {
    struct Row {
        std::string what;
        std::function<void(const DataCopy &)> change_files;  // after the build
        std::function<void(HandIndex &)> change_index;       // nullptr: this build's index
        bool problem;  // a warning is due (the build made a bad entry)
    };
    const std::vector<Row> rows = {
        {"no index at all", nullptr, [](HandIndex &h) { h.index = {nullptr, 0, {}, nullptr, 0}; }, false},
        {"baseline edited after the build",
         [](const DataCopy &d) { spit(d.baselines / "x86-64-v2.yaml", slurp(d.baselines / "x86-64-v2.yaml") + "max_extd_leaf: 0x80000008\n"); },
         nullptr, false},
        {"baseline edited, same length",
         [](const DataCopy &d) {
             std::string s = slurp(d.baselines / "x86-64-v2.yaml");
             const auto at = s.find("psABI");
             REQUIRE(at != std::string::npos);
             spit(d.baselines / "x86-64-v2.yaml", s.replace(at, 5, "PSABI"));
         },
         nullptr, false},
        {"guest table edited after the build",
         [](const DataCopy &d) {
             std::string s = slurp(d.guests);
             const auto at = s.find("name: rhel-9");
             REQUIRE(at != std::string::npos);
             const auto lv = s.find("level: x86-64-v2", at);
             REQUIRE(lv != std::string::npos);
             spit(d.guests, s.replace(lv, 16, "level: x86-64-v3"));
         },
         nullptr, false},
        {"a hand-made index as the YAML has it", nullptr, [](HandIndex &) {}, false},
        {"a feature this Xen does not know", nullptr, [](HandIndex &h) { h.baseline.hide = "popcount-ng"; }, true},
        {"a feature listed twice", nullptr, [](HandIndex &h) { h.guests[0].features = "sse3 sse3"; }, true},
        {"a limit out of range", nullptr, [](HandIndex &h) { h.baseline.max_leaf = 0x100000000ll; }, true},
        {"a template that contradicts itself", nullptr, [](HandIndex &h) { h.baseline.hide = "sse2"; }, true},
        {"a guest that needs nothing", nullptr, [](HandIndex &h) { h.guests[0].level = ""; }, true},
        {"a guest name of another form", nullptr, [](HandIndex &h) { h.guests[0].name = "RHEL 9"; }, true},
        {"a guest named twice", nullptr, [](HandIndex &h) { h.guests[1].name = "rhel-9"; }, true},
        {"no name at all", nullptr, [](HandIndex &h) { h.guests[1].name = nullptr; }, true},
    };
    for (const Row &row : rows) {
        INFO(row.what);
        DataCopy d;
        HandIndex hand(d);
        if (row.change_files) row.change_files(d);
        if (row.change_index) {
            row.change_index(hand);
            d.index = &hand.index;
        }
        DataFiles files = d.files();
        // Whatever the index says, the answer is the YAML's as it is now.
        const TemplateLibrary yaml = load_templates_for(level_mode("x86-64-v2"), "", d.baselines.string());
        same_template(files.templates_for(level_mode("x86-64-v2"), "").at("x86-64-v2"), yaml.at("x86-64-v2"));
        const LoadedGuestTable table = load_guest_table_levels(d.guests.string());
        for (const char *name : {"rhel-9", "windows-11-24h2"}) {
            INFO(name);
            const GuestLookup got = files.guest(name);
            const GuestNeeds &want = table.find(name);
            CHECK(got.needs.level == want.level);
            CHECK(testing::names(guest_minimum(got.needs, got.levels, GuestType::hvm)) ==
                  testing::names(guest_minimum(want, table.levels, GuestType::hvm)));
        }
        // Only a faithful index spares the YAML.
        const bool faithful = row.what == "a hand-made index as the YAML has it";
        CHECK((files.yaml_reads() == 0) == faithful);
        CHECK(files.index_problem().empty() == !row.problem);
        if (row.problem) CHECK(files.index_problem().find("compiled data index: ") == 0);
    }
}

TEST_CASE("data index: the same errors as the YAML for what is not there") {
    const DataCopy d;
    DataCopy d_without;
    d_without.index = nullptr;
    for (const DataCopy *copy : std::initializer_list<const DataCopy *>{&d, &d_without}) {
        INFO((copy == &d ? "with the index" : "without it"));
        DataFiles files = copy->files();
        const std::string want = error_of([&] { load_guest_table_levels(copy->guests.string()).find("beos-5", "cpu_compat_guest: "); });
        REQUIRE(!want.empty());
        CHECK(error_of([&] { files.guest("beos-5", "cpu_compat_guest: "); }) == want);
        // An unknown level: the whole directory, so normalize() can name the known ones.
        const TemplateLibrary all = files.templates_for(level_mode("pentium-mmx"), "");
        CHECK(all.size() == load_template_library(copy->baselines.string()).size());
        CHECK(files.index_problem().empty());
    }
}

TEST_CASE("data index: a guest's level read once when the mode already read it") {
    DataCopy d;
    d.index = nullptr;  // YAML only, so reads can be counted
    DataFiles files = d.files();
    files.templates_for(level_mode("x86-64-v2"), "");
    CHECK(files.yaml_reads() == 1);
    files.guest("rhel-9");  // the table once; x86-64-v2 is not read again
    CHECK(files.yaml_reads() == 2);
    const DataCopy indexed;
    DataFiles from_index = indexed.files();
    from_index.templates_for(level_mode("x86-64-v3"), "");
    CHECK(from_index.guest("rhel-10").levels.count("x86-64-v3") == 1);
    CHECK(from_index.yaml_reads() == 0);
}
